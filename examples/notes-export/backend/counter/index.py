import json
import os
import time
from typing import Any, Dict

# Module state: set once when the worker process imports this file, kept between its invocations.
LOADED_IN_PID = os.getpid()
LOADED_AT = time.time()
calls = 0

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '86400',
}


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Counts its own invocations in a global: consecutive calls served by one warm worker see the
    count grow and the same process id.
    '''
    if event.get('httpMethod') == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}

    global calls
    calls += 1
    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps({
            'calls': calls,
            'pid': os.getpid(),
            'loadedInPid': LOADED_IN_PID,
            'warmSeconds': round(time.time() - LOADED_AT, 3),
        }),
        'isBase64Encoded': False,
    }
