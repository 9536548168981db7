import json
from typing import Any, Dict, Tuple

import requests

STATS_URL = 'https://functions.poehali.dev/2deed42f-871c-4882-ba6c-46b0ee372ab8'
# A function that is not part of this export (deleted, or never deployed): the platform answers 404.
UNKNOWN_URL = 'https://functions.poehali.dev/00000000-0000-4000-8000-000000000000'

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '86400',
}


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    A one-line digest of the notes, built from the stats function (which itself calls notes).
    ?probe=unknown also reports what a call to a function outside the export yields (its status, or
    the exception's class name), without ever failing the request because of it.
    '''
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}
    if method != 'GET':
        return respond(405, {'error': f'Method {method} is not allowed'})

    query = event.get('queryStringParameters') or {}
    status, result = summarise_stats()
    if query.get('probe') == 'unknown':
        result['probe'] = probe_unknown()
    return respond(status, result)


def summarise_stats() -> Tuple[int, Dict[str, Any]]:
    try:
        reply = requests.get(STATS_URL, timeout=15)
    except requests.RequestException as problem:
        return 502, {'error': f'stats is unreachable: {type(problem).__name__}'}
    if reply.status_code != 200:
        return 502, {'error': f'stats answered {reply.status_code}', 'statsBody': reply.text[:500]}
    try:
        count = reply.json()['count']
    except (ValueError, KeyError, TypeError):
        return 502, {'error': 'stats answered without a count', 'statsBody': reply.text[:500]}
    return 200, {
        'count': count,
        'summary': 'No notes yet.' if count == 0 else f'{count} note{"" if count == 1 else "s"} so far.',
        'statsStatus': reply.status_code,
    }


def probe_unknown() -> Dict[str, Any]:
    try:
        reply = requests.get(UNKNOWN_URL, timeout=3)
        return {'status': reply.status_code}
    except Exception as problem:
        return {'error': type(problem).__name__}


def respond(status: int, payload: Any) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps(payload),
        'isBase64Encoded': False,
    }
