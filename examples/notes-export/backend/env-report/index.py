import json
import os
from typing import Any, Dict

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '86400',
}


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Says which secrets the function was given, as booleans (set and non-empty). Never their values.
    '''
    if event.get('httpMethod') == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}

    jwt_secret = os.environ.get('JWT_SECRET')
    smtp_password = os.getenv('SMTP_PASSWORD')
    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps({'JWT_SECRET': bool(jwt_secret), 'SMTP_PASSWORD': bool(smtp_password)}),
        'isBase64Encoded': False,
    }
