import json
from typing import Any, Dict


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Echoes ?amount= when it is a positive whole number; anything else raises ValueError two frames
    below the handler, so the platform's 502 carries a stack trace with this file's frames.
    '''
    query = event.get('queryStringParameters') or {}
    amount = parse_amount(query.get('amount', '0'))
    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'application/json'},
        'body': json.dumps({'amount': amount}),
        'isBase64Encoded': False,
    }


def parse_amount(text: str) -> int:
    return require_positive(int(text))


def require_positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f'amount must be positive, got {value}')
    return value
