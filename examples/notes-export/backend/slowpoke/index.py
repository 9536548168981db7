import json
import time
from typing import Any, Dict


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Sleeps ?seconds= (default 5) before answering; its function.json allows 2 seconds.
    '''
    query = event.get('queryStringParameters') or {}
    try:
        seconds = float(query.get('seconds', '5'))
    except ValueError:
        return respond(400, {'error': 'seconds must be a number', 'field': 'seconds'})
    if not 0 <= seconds <= 600:
        return respond(400, {'error': 'seconds must be from 0 to 600', 'field': 'seconds'})

    started = time.monotonic()
    time.sleep(seconds)
    return respond(200, {'slept': seconds, 'elapsedMs': round((time.monotonic() - started) * 1000)})


def respond(status: int, payload: Any) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json'},
        'body': json.dumps(payload),
        'isBase64Encoded': False,
    }
