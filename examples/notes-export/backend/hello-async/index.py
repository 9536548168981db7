import asyncio
import json
from typing import Any, Dict

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '86400',
}


async def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    The platform also accepts coroutine handlers: it runs them to completion and uses their result.
    '''
    if event.get('httpMethod') == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}

    await asyncio.sleep(0.01)
    name = (event.get('queryStringParameters') or {}).get('name', 'world')
    if len(name) > 100:
        return respond(400, {'error': 'name is longer than 100 characters', 'field': 'name'})
    return respond(200, {'hello': name})


def respond(status: int, payload: Any) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps(payload, ensure_ascii=False),
        'isBase64Encoded': False,
    }
