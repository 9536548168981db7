import base64
import http.client
import ipaddress
import json
import os
import re
import socket
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional

import psycopg2
from psycopg2 import sql

# The worker's public URL (func2url.json): start calls it by this address, as the original did.
WORKER_URL = 'https://functions.poehali.dev/1fb0123a-5d1e-4bf3-8052-44ac16407a2e'

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-User-Id',
    'Access-Control-Max-Age': '86400',
}

CATEGORIES = ('upper_body', 'lower_body', 'dresses')
MAX_GARMENTS = 5
MAX_HINTS = 500
MAX_URL_BYTES = 2048
MAX_DATA_URI_BYTES = 3_000_000
MAX_USER_ID_BYTES = 128
SECONDS_PER_GARMENT = 45
TASK_DEADLINE_SECONDS = 600
TASK_MAX_ATTEMPTS = 5
# How long start waits for the worker's answer before hanging up. The worker runs for minutes and
# keeps going after the caller leaves; this only has to cover the request reaching it.
TRIGGER_CONNECT_SECONDS = 3.0
TRIGGER_WAIT_SECONDS = 0.3

DATA_URI = re.compile(r'data:image/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+\Z', re.IGNORECASE)


class BadRequest(Exception):
    def __init__(self, status: int, message: str, code: str):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Starts a virtual try-on: validates {"person_image", "garments": [{"image", "category"} | URL, ...],
    "prompt_hints"}, stores a pending task in replicate_tasks and answers {"task_id", "status",
    "estimated_time_seconds"} at once; then triggers replicate-async-worker once by its public URL.
    X-User-Id owns the task.
    '''
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}
    if method != 'POST':
        return error(405, 'Use POST to start a try-on', 'method_not_allowed')

    try:
        user_id = require_user_id(event.get('headers') or {})
        request = validate(read_body(event))
    except BadRequest as problem:
        return error(problem.status, problem.message, problem.code)

    task_id = str(uuid.uuid4())
    try:
        insert_task(task_id, user_id, request)
    except psycopg2.OperationalError as problem:
        print(f'database unavailable: {problem}')
        return error(503, 'The database is unavailable; try again shortly', 'database_unavailable')
    except psycopg2.Error as problem:
        print(f'database error: {type(problem).__name__}: {problem}')
        return error(500, 'Database error', 'internal')

    trigger_worker(getattr(context, 'request_id', ''))
    return respond(200, {
        'task_id': task_id,
        'status': 'pending',
        'estimated_time_seconds': SECONDS_PER_GARMENT * len(request['garments']),
    })


def respond(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {**CORS_HEADERS, 'Content-Type': 'application/json', **(headers or {})},
        'body': json.dumps(payload, ensure_ascii=False),
        'isBase64Encoded': False,
    }


def error(status: int, message: str, code: str) -> Dict[str, Any]:
    extra = {'Allow': 'POST, OPTIONS'} if status == 405 else {'Retry-After': '2'} if status == 503 else {}
    return respond(status, {'error': message, 'code': code}, extra)


def header(headers: Dict[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def require_user_id(headers: Dict[str, str]) -> str:
    user_id = (header(headers, 'X-User-Id') or '').strip()
    if not user_id:
        raise BadRequest(401, 'X-User-Id header is required', 'unauthorized')
    if len(user_id.encode('utf-8')) > MAX_USER_ID_BYTES or not user_id.isprintable():
        raise BadRequest(401, f'X-User-Id must be 1-{MAX_USER_ID_BYTES} bytes of printable text', 'unauthorized')
    return user_id


def invalid(message: str) -> BadRequest:
    return BadRequest(400, message, 'invalid_request')


def read_body(event: Dict[str, Any]) -> Dict[str, Any]:
    raw = event.get('body') or ''
    if event.get('isBase64Encoded'):
        try:
            raw = base64.b64decode(raw, validate=True).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            raise invalid('The request body is not valid base64-encoded UTF-8')
    if not raw.strip():
        raise invalid('The request body is empty; send a JSON object')
    try:
        data = json.loads(raw, object_pairs_hook=unique_keys, parse_constant=no_constants)
    except json.JSONDecodeError as problem:
        raise invalid(f'The request body is not valid JSON: {problem.msg} at position {problem.pos}')
    except RecursionError:
        raise invalid('The request body is nested too deeply')
    if not isinstance(data, dict):
        raise invalid('The request body must be a JSON object')
    return data


def unique_keys(pairs: List[Any]) -> Dict[str, Any]:
    result = {}
    for key, value in pairs:
        if key in result:
            raise invalid(f'The request body repeats the key "{clip(key)}"')
        result[key] = value
    return result


def no_constants(name: str) -> Any:
    raise invalid(f'The request body is not valid JSON: {name} is not a number')


def clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + '...'


def validate(data: Dict[str, Any]) -> Dict[str, Any]:
    person = data.get('person_image')
    if person is None:
        raise invalid('person_image is required')
    if not isinstance(person, str):
        raise invalid('person_image must be a string URL')
    check_image(person, 'person_image')

    garments = data.get('garments')
    if garments is None:
        raise invalid('garments is required')
    if not isinstance(garments, list):
        raise invalid('garments must be a list')
    if not garments:
        raise invalid('garments must not be empty')
    if len(garments) > MAX_GARMENTS:
        raise invalid(f'garments has {len(garments)} items; at most {MAX_GARMENTS} are allowed')
    checked = [garment(item, f'garments[{index}]') for index, item in enumerate(garments)]

    hints = data.get('prompt_hints')
    if hints is not None:
        if not isinstance(hints, str):
            raise invalid('prompt_hints must be a string')
        if len(hints) > MAX_HINTS:
            raise invalid(f'prompt_hints is {len(hints)} characters long; at most {MAX_HINTS} are allowed')
        if any(not ch.isprintable() and ch not in '\n\t' for ch in hints):
            raise invalid('prompt_hints contains control characters')
        hints = hints.strip() or None
    return {'person_image': person, 'garments': checked, 'prompt_hints': hints}


def garment(item: Any, field: str) -> Dict[str, str]:
    if isinstance(item, str):
        check_image(item, field)
        return {'image': item, 'category': 'upper_body'}
    if not isinstance(item, dict):
        raise invalid(f'{field} must be an image URL or an object with image and category')
    image = item.get('image')
    if image is None:
        raise invalid(f'{field}.image is required')
    if not isinstance(image, str):
        raise invalid(f'{field}.image must be a string URL')
    check_image(image, f'{field}.image')
    category = item.get('category')
    if category is None:
        category = 'upper_body'
    elif not isinstance(category, str):
        raise invalid(f'{field}.category must be a string')
    elif category not in CATEGORIES:
        raise invalid(f'{field}.category "{clip(category)}" is unknown; use upper_body, lower_body or dresses')
    return {'image': image, 'category': category}


def check_image(text: str, field: str) -> None:
    '''An http(s) URL the model can fetch, or a data:image/...;base64, URI.'''
    if text[:5].lower() == 'data:':
        if len(text) > MAX_DATA_URI_BYTES:
            raise invalid(f'{field} is a data URI of {len(text)} bytes; at most {MAX_DATA_URI_BYTES} are allowed')
        if not DATA_URI.match(text):
            raise invalid(f'{field} is not an image URL: only data:image/...;base64, URIs with base64 data are accepted')
        return
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname
    except ValueError:
        raise invalid(f'{field} is not a valid URL')
    if parts.scheme.lower() not in ('http', 'https'):
        raise invalid(f'{field} is not an image URL: use an http(s) URL or a data:image/...;base64, URI')
    if len(text.encode('utf-8')) > MAX_URL_BYTES:
        raise invalid(f'{field} is longer than {MAX_URL_BYTES} bytes')
    if not host or parts.username is not None or any(ch.isspace() or ch in '"<>\\' for ch in text):
        raise invalid(f'{field} is not a valid URL')
    if is_private_host(host):
        raise invalid(f'{field} points to a local or private network address, which the model cannot fetch')


def is_private_host(host: str) -> bool:
    name = host.rstrip('.').lower()
    if name == 'localhost' or name.endswith(('.localhost', '.local', '.internal')):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        # Legacy IPv4 spellings a URL parser still accepts: 2130706433, 0x7f.1, 0177.0.0.1.
        if not re.fullmatch(r'[0-9a-fx.]+', name):
            return False
        try:
            address = ipaddress.ip_address(socket.inet_aton(name))
        except OSError:
            return False
    return not address.is_global


def schema() -> str:
    return os.environ.get('MAIN_DB_SCHEMA') or 'public'


def insert_task(task_id: str, user_id: str, request: Dict[str, Any]) -> None:
    conn = psycopg2.connect(os.environ['DATABASE_URL'])
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    'INSERT INTO {} (id, user_id, status, person_image, garments, prompt_hints, total_steps, '
                    'max_attempts, deadline_at, run_after, created_at, updated_at) '
                    "VALUES (%s, %s, 'pending', %s, %s, %s, %s, %s, "
                    "NOW() + make_interval(secs => %s), NOW(), NOW(), NOW())"
                ).format(sql.Identifier(schema(), 'replicate_tasks')),
                (task_id, user_id, request['person_image'], json.dumps(request['garments'], ensure_ascii=False),
                 request['prompt_hints'], len(request['garments']), TASK_MAX_ATTEMPTS, TASK_DEADLINE_SECONDS),
            )
        conn.commit()
    finally:
        conn.close()


def trigger_worker(request_id: str) -> None:
    '''
    Fire-and-forget: sends GET to the worker's public URL and hangs up after a moment without
    waiting for its answer (the worker goes on; its timer picks the task up if this call is lost).
    '''
    url = urllib.parse.urlsplit(WORKER_URL)
    headers = {'X-Triggered-By': f'replicate-async-start {request_id}'}
    token = os.environ.get('WORKER_TOKEN')
    if token:
        headers['X-Worker-Token'] = token
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443, timeout=TRIGGER_CONNECT_SECONDS)
    try:
        try:
            conn.request('GET', url.path or '/', headers=headers)
        except (OSError, http.client.HTTPException) as problem:
            print(f'worker trigger not sent ({type(problem).__name__}: {problem}); the worker timer will pick the task up')
            return
        conn.sock.settimeout(TRIGGER_WAIT_SECONDS)
        try:
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            pass  # the usual case: the worker is still busy with the task when we hang up
    finally:
        conn.close()
