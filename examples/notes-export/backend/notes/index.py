import base64
import json
import os
from typing import Any, Dict, Optional

import psycopg2
from psycopg2 import sql

CORS_HEADERS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-User-Id',
    'Access-Control-Max-Age': '86400',
}

TITLE_MAX = 200
TEXT_MAX = 10000
USER_ID_MAX = 64
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidField(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    '''
    Notes: list (GET, optional ?q= and ?limit=), create (POST JSON {"title", "text"}), delete (DELETE ?id=).
    The X-User-Id header, when sent, owns the created note and scopes listing and deleting.
    '''
    method = event.get('httpMethod', 'GET')
    if method == 'OPTIONS':
        return {'statusCode': 200, 'headers': CORS_HEADERS, 'body': '', 'isBase64Encoded': False}

    headers = event.get('headers') or {}
    user_id = headers.get('X-User-Id') or headers.get('x-user-id')
    query = event.get('queryStringParameters') or {}

    try:
        if user_id is not None and len(user_id) > USER_ID_MAX:
            raise InvalidField('X-User-Id', f'X-User-Id is longer than {USER_ID_MAX} characters')
        if method == 'GET':
            return list_notes(query, user_id)
        if method == 'POST':
            return create_note(event, user_id)
        if method == 'DELETE':
            return delete_note(query, user_id)
    except InvalidField as problem:
        return respond(400, {'error': problem.message, 'field': problem.field})

    return respond(405, {'error': f'Method {method} is not allowed'})


def respond(status: int, payload: Any) -> Dict[str, Any]:
    return {
        'statusCode': status,
        'headers': {'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*'},
        'body': json.dumps(payload, ensure_ascii=False),
        'isBase64Encoded': False,
    }


def notes_table() -> sql.Identifier:
    return sql.Identifier(os.environ.get('MAIN_DB_SCHEMA', 'public'), 'notes')


def connect():
    return psycopg2.connect(os.environ['DATABASE_URL'])


def whole_number(text: str, lowest: int, highest: int) -> Optional[int]:
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if lowest <= value <= highest else None


def note_json(row) -> Dict[str, Any]:
    note_id, title, text, owner, created_at = row
    return {'id': note_id, 'title': title, 'text': text, 'userId': owner, 'createdAt': created_at.isoformat()}


def list_notes(query: Dict[str, str], user_id: Optional[str]) -> Dict[str, Any]:
    limit = whole_number(query.get('limit', str(DEFAULT_LIMIT)), 1, MAX_LIMIT)
    if limit is None:
        raise InvalidField('limit', f'limit must be a whole number from 1 to {MAX_LIMIT}')

    conditions = []
    params = []
    if user_id is not None:
        conditions.append(sql.SQL('user_id = %s'))
        params.append(user_id)
    search = query.get('q', '').strip()
    if search:
        pattern = '%' + search.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        conditions.append(sql.SQL('(title ILIKE %s OR text ILIKE %s)'))
        params += [pattern, pattern]
    where = sql.SQL(' WHERE ') + sql.SQL(' AND ').join(conditions) if conditions else sql.SQL('')

    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL('SELECT count(*) FROM {}').format(notes_table()) + where, params)
            total = cur.fetchone()[0]
            cur.execute(
                sql.SQL('SELECT id, title, text, user_id, created_at FROM {}').format(notes_table())
                + where + sql.SQL(' ORDER BY created_at DESC, id DESC LIMIT %s'),
                params + [limit],
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    return respond(200, {'notes': [note_json(row) for row in rows], 'count': total})


def read_json_body(event: Dict[str, Any]) -> Any:
    raw = event.get('body') or ''
    if event.get('isBase64Encoded'):
        try:
            raw = base64.b64decode(raw).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            raise InvalidField('body', 'body is not valid base64-encoded UTF-8')
    if not raw.strip():
        raise InvalidField('body', 'body is required: a JSON object with "title"')
    try:
        return json.loads(raw)
    except json.JSONDecodeError as problem:
        raise InvalidField('body', f'body is not valid JSON: {problem.msg} at position {problem.pos}')


def create_note(event: Dict[str, Any], user_id: Optional[str]) -> Dict[str, Any]:
    data = read_json_body(event)
    if not isinstance(data, dict):
        raise InvalidField('body', 'body must be a JSON object')

    title = data.get('title')
    if title is None:
        raise InvalidField('title', 'title is required')
    if not isinstance(title, str):
        raise InvalidField('title', 'title must be a string')
    title = title.strip()
    if not title:
        raise InvalidField('title', 'title must not be empty')
    if len(title) > TITLE_MAX:
        raise InvalidField('title', f'title is longer than {TITLE_MAX} characters')

    text = data.get('text', '')
    if text is None:
        text = ''
    if not isinstance(text, str):
        raise InvalidField('text', 'text must be a string')
    if len(text) > TEXT_MAX:
        raise InvalidField('text', f'text is longer than {TEXT_MAX} characters')

    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL('INSERT INTO {} (title, text, user_id) VALUES (%s, %s, %s) '
                        'RETURNING id, title, text, user_id, created_at').format(notes_table()),
                (title, text, user_id),
            )
            row = cur.fetchone()
        conn.commit()
    finally:
        conn.close()
    return respond(201, {'note': note_json(row)})


def delete_note(query: Dict[str, str], user_id: Optional[str]) -> Dict[str, Any]:
    id_text = query.get('id')
    if not id_text:
        raise InvalidField('id', 'id query parameter is required')
    note_id = whole_number(id_text, 1, 2147483647)
    if note_id is None:
        raise InvalidField('id', 'id must be a positive whole number')

    statement = sql.SQL('DELETE FROM {} WHERE id = %s').format(notes_table())
    params = [note_id]
    if user_id is not None:
        statement += sql.SQL(' AND user_id = %s')
        params.append(user_id)

    conn = connect()
    try:
        with conn.cursor() as cur:
            cur.execute(statement, params)
            deleted = cur.rowcount
        conn.commit()
    finally:
        conn.close()
    if deleted == 0:
        return respond(404, {'error': f'Note {note_id} not found'})
    return respond(200, {'deleted': note_id})
