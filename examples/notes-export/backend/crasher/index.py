import ctypes
import json
import os
from typing import Any, Dict


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Takes its worker process down on request: ?how=exit ends it with status 3 without unwinding,
    ?how=segv reads address 0 (SIGSEGV). Anything else answers 200.
    '''
    how = (event.get('queryStringParameters') or {}).get('how', '')
    if how == 'exit':
        os._exit(3)
    if how == 'segv':
        ctypes.string_at(0)
    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'application/json'},
        'body': json.dumps({'alive': True, 'pid': os.getpid()}),
        'isBase64Encoded': False,
    }
