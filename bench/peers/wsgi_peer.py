"""Serves a poehali.dev-style `handler(event, context)` under gunicorn: the benchmark's Python peers.

PEER_HANDLER names the handler's file (an `index.py`, or bench/peers/status_peer.py); it is imported
as fnhost imports a function, with its folder first on sys.path, so gunicorn and fnhost run the very
same file. The WSGI adapter below is minimal on purpose: the event carries what the handlers read
(method, headers, query, body), and the handler's dict becomes the HTTP answer.
"""
import importlib.util
import os
import sys


def _load(path):
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location("peer_handler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


handler = _load(os.environ["PEER_HANDLER"])
_REASONS = {200: "200 OK", 400: "400 Bad Request", 404: "404 Not Found"}


def application(environ, start_response):
    """WSGI adapter: the event from the request, the handler's dict back to HTTP."""
    query = {}
    for pair in environ.get("QUERY_STRING", "").split("&"):
        if pair:
            name, _, value = pair.partition("=")
            query[name] = value
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    event = {"httpMethod": environ["REQUEST_METHOD"], "headers": headers, "queryStringParameters": query,
             "body": "", "isBase64Encoded": False}
    result = handler(event, None)
    body = result["body"].encode()
    status = result.get("statusCode", 200)
    start_response(_REASONS.get(status, f"{status} Error"),
                   list(result.get("headers", {}).items()) + [("Content-Length", str(len(body)))])
    return [body]
