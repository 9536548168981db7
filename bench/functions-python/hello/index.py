"""The benchmark's trivial Python function, as poehali.dev's functions are written: a fixed small
JSON answer, the same as the Swift `hello`. fnhost serves this file, and so does the gunicorn peer
(bench/peers/wsgi_peer.py), so both measure one handler."""
from typing import Any, Dict

HEADERS = {'Content-Type': 'application/json'}


def handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    return {'statusCode': 200, 'headers': HEADERS, 'body': '{"ok":true}', 'isBase64Encoded': False}
