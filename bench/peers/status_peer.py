"""The benchmark's peer: replicate-async-status written the way poehali.dev's Python functions are.

A `handler(event, context)` that reads the task with psycopg2 and returns the platform's response
dict. gunicorn serves it through bench/peers/wsgi_peer.py behind the bench's nginx; fnhost serves the
same file as a Python function (bench/functions-python/status/index.py is a link to it).

PEER_CONNECTION selects the connection policy:
  per-request  (default) a new connection for every request, closed after it: the platform's style,
               where each invocation connects on its own;
  persistent   one connection per gunicorn worker process, opened on first use and kept.
DATABASE_URL and MAIN_DB_SCHEMA (default public) locate the table, as for the Swift functions.
"""
import json
import os

import psycopg2

DATABASE_URL = os.environ["DATABASE_URL"]
SCHEMA = os.environ.get("MAIN_DB_SCHEMA", "public")
PERSISTENT = os.environ.get("PEER_CONNECTION", "per-request") == "persistent"
HEADERS = {
    "Content-Type": "application/json",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Cache-Control": "no-store",
}
QUERY = (
    "SELECT id, user_id, status, result_url, error_message, step, total_steps, "
    "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), to_char(updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') "
    f"FROM {SCHEMA}.replicate_tasks WHERE id = %s"
)
_connection = None


def _error(status, message):
    return {"statusCode": status, "headers": HEADERS, "body": json.dumps({"error": message}), "isBase64Encoded": False}


def _fetch(task_id):
    global _connection
    if not PERSISTENT:
        connection = psycopg2.connect(DATABASE_URL)
        try:
            with connection.cursor() as cursor:
                cursor.execute(QUERY, (task_id,))
                return cursor.fetchone()
        finally:
            connection.close()
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(DATABASE_URL)
        _connection.autocommit = True
    with _connection.cursor() as cursor:
        cursor.execute(QUERY, (task_id,))
        return cursor.fetchone()


def handler(event, context):
    if event["httpMethod"] == "OPTIONS":
        return {"statusCode": 200, "headers": HEADERS, "body": "", "isBase64Encoded": False}
    task_id = (event.get("queryStringParameters") or {}).get("task_id", "").strip()
    if not task_id:
        return _error(400, "task_id query parameter is required")
    row = _fetch(task_id)
    user_id = (event.get("headers") or {}).get("X-User-Id")
    if row is None or (user_id and user_id != row[1]):
        return _error(404, "Task not found")
    status, step, total = row[2], row[5], row[6]
    current = total if status == "completed" else min(step + 1, total) if status == "processing" else step
    body = {"task_id": row[0], "status": status, "created_at": row[7], "updated_at": row[8]}
    if status == "completed" and row[3]:
        body["result_url"] = row[3]
    if status == "failed":
        body["error_message"] = row[4] or "The try-on failed"
    body["current_step"] = current
    body["total_steps"] = total
    return {"statusCode": 200, "headers": HEADERS, "body": json.dumps(body), "isBase64Encoded": False}

