import http.client
import json
import urllib.error
import urllib.request
from typing import Any, Dict

NOTES_URL = 'https://functions.poehali.dev/bbf9dd2d-a2ee-4b41-935c-69de651cbd5b'
NOTES_HOST = 'functions.poehali.dev'
NOTES_PATH = '/bbf9dd2d-a2ee-4b41-935c-69de651cbd5b'

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '86400',
}


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Counts the notes by asking the notes function over HTTP, twice: once with urllib.request
    (the total) and once with http.client (the newest note only, to show its id).
    '''
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}
    if method != 'GET':
        return respond(405, {'error': f'Method {method} is not allowed'})

    try:
        with urllib.request.urlopen(NOTES_URL, timeout=5) as response:
            listing = json.loads(response.read().decode('utf-8'))
    except urllib.error.HTTPError as problem:
        return respond(502, {'error': f'notes answered {problem.code}'})
    except (urllib.error.URLError, OSError) as problem:
        return respond(502, {'error': f'notes is unreachable: {type(problem).__name__}'})
    except ValueError:
        return respond(502, {'error': 'notes answered something that is not JSON'})

    connection = http.client.HTTPSConnection(NOTES_HOST, timeout=5)
    try:
        connection.request('GET', NOTES_PATH + '?limit=1', headers={'Accept': 'application/json'})
        reply = connection.getresponse()
        status = reply.status
        newest = json.loads(reply.read().decode('utf-8'))
    except (OSError, http.client.HTTPException, ValueError) as problem:
        return respond(502, {'error': f'second call to notes failed: {type(problem).__name__}'})
    finally:
        connection.close()

    newest_notes = newest.get('notes') or []
    return respond(200, {
        'count': listing['count'],
        'httpClient': {
            'status': status,
            'count': newest.get('count'),
            'newestId': newest_notes[0]['id'] if newest_notes else None,
        },
    })


def respond(status: int, payload: Any) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps(payload),
        'isBase64Encoded': False,
    }
