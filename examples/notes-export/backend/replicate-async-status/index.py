import json
import os
from typing import Any, Dict, Optional

import psycopg2
from psycopg2 import sql

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-User-Id',
    'Access-Control-Max-Age': '86400',
}

MAX_TASK_ID_BYTES = 128
MAX_USER_ID_BYTES = 128
TIME_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    A try-on task's state for the page that polls it every 3 seconds (GET ?task_id=): status,
    created_at, updated_at, result_url when completed, error_message when failed, and
    current_step of total_steps. A task owned by a different X-User-Id is reported as not found.
    '''
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}
    if method not in ('GET', 'HEAD'):
        return error(405, 'Use GET to read a task\'s status', 'method_not_allowed')

    query = event.get('queryStringParameters') or {}
    task_id = (query.get('task_id') or '').strip()
    if not task_id:
        return error(400, 'task_id query parameter is required', 'invalid_request')
    if len(task_id) > MAX_TASK_ID_BYTES or not task_id.isascii() or not task_id.isprintable() or ' ' in task_id:
        return error(400, 'task_id is not a valid task id', 'invalid_request')

    user_id = header(event.get('headers') or {}, 'X-User-Id')
    if user_id is not None:
        user_id = user_id.strip()
        if not user_id or len(user_id.encode('utf-8')) > MAX_USER_ID_BYTES or not user_id.isprintable():
            return error(401, f'X-User-Id must be 1-{MAX_USER_ID_BYTES} bytes of printable text', 'unauthorized')

    try:
        row = read_task(task_id)
    except psycopg2.OperationalError as problem:
        print(f'database unavailable: {problem}')
        return error(503, 'The database is unavailable; try again shortly', 'database_unavailable')
    except psycopg2.Error as problem:
        print(f'database error: {type(problem).__name__}: {problem}')
        return error(500, 'Database error', 'internal')
    if row is None or (user_id is not None and user_id != row[1]):
        return error(404, 'Task not found', 'not_found')

    task_id, _owner, status, result_url, error_message, step, total_steps, created_at, updated_at = row
    body = {
        'task_id': task_id,
        'status': status,
        'created_at': created_at.strftime(TIME_FORMAT),
        'updated_at': updated_at.strftime(TIME_FORMAT) if updated_at else None,
    }
    if status == 'completed' and result_url:
        body['result_url'] = result_url
    if status == 'failed':
        body['error_message'] = error_message or 'The try-on failed'
    body['current_step'] = current_step(status, step, total_steps)
    body['total_steps'] = total_steps
    return respond(200, body, {'Cache-Control': 'no-store'})


def current_step(status: str, step: int, total: int) -> int:
    '''The step the page shows: the one running (1-based) while processing, all of them when done.'''
    if status == 'completed':
        return total
    if status == 'processing':
        return min(step + 1, total)
    return step


def respond(status: int, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {**CORS_HEADERS, 'Content-Type': 'application/json', **(headers or {})},
        'body': json.dumps(payload, ensure_ascii=False),
        'isBase64Encoded': False,
    }


def error(status: int, message: str, code: str) -> Dict[str, Any]:
    extra = {'Allow': 'GET, OPTIONS'} if status == 405 else {'Retry-After': '2'} if status == 503 else {}
    return respond(status, {'error': message, 'code': code}, extra)


def header(headers: Dict[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def read_task(task_id: str):
    conn = psycopg2.connect(os.environ['DATABASE_URL'])
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    'SELECT id, user_id, status, result_url, error_message, step, total_steps, created_at, updated_at '
                    'FROM {} WHERE id = %s'
                ).format(sql.Identifier(os.environ.get('MAIN_DB_SCHEMA') or 'public', 'replicate_tasks')),
                (task_id,),
            )
            return cur.fetchone()
    finally:
        conn.close()
