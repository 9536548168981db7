/// The Python side of a Python worker: the module `_fnhost_runtime`, loaded into the embedded
/// interpreter before any user code. It implements the platform's Python contract around the
/// user's `handler(event, context)`; the Swift side only hands it bytes and reads bytes back.
///
/// - `configure(settings)` once per process: the working folder and `sys.path` (the function's
///   folder first, then the export's `backend/`), `print()` and `logging` output turned into log
///   lines, and calls to the platform's host name (`functions.poehali.dev`) resolved to this host.
/// - `invoke(event, meta)` per request: imports `index.py` on the first call (so its import time
///   counts against that invocation's timeout, as on the platform), builds the context, calls the
///   handler (awaiting it when it is `async def`), and returns `b"R"` + the result as JSON, or
///   `b"E"` + an error object (`kind`: `init`, `handler` or `result`; `errorType`,
///   `errorMessage`, `stackTrace`, `payload`).
enum PythonBootstrap {
    /// The module's name in `sys.modules`, also the file name its frames carry (left out of stack traces).
    static let moduleName = "_fnhost_runtime"

    static let source = #"""
import asyncio
import importlib
import inspect
import io
import json
import os
import socket
import sys
import time
import traceback

_RUNTIME_FILE = "_fnhost_runtime"
_settings = {}
_handler = None
_loop = None
_request_id = ""


def _now_iso():
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)


def _log_line(stream, text):
    """One JSON log line on the host's log, in the host's own line format."""
    if len(text) > 16384:
        text = text[:16384] + "... (line cut at 16384 characters)"
    line = json.dumps({
        "time": _now_iso(), "event": "function_output", "level": "info",
        "function": _settings.get("function", ""), "message": text,
        "requestId": _request_id, "stream": stream,
    }, ensure_ascii=False, separators=(",", ":")) + "\n"
    data = line.encode("utf-8", "replace")
    while data:
        try:
            written = os.write(2, data)
        except InterruptedError:
            continue
        except OSError:
            return
        data = data[written:]


class _LogWriter(io.TextIOBase):
    """sys.stdout / sys.stderr of a function: each complete line becomes one log line."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream
        self._partial = ""

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "replace"

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        return 2

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        pending = self._partial + text
        *lines, self._partial = pending.split("\n")
        for line in lines:
            _log_line(self._stream, line.rstrip("\r"))
        return len(text)

    def finish(self):
        """Writes a line still missing its newline (at the end of an invocation)."""
        if self._partial:
            line, self._partial = self._partial, ""
            _log_line(self._stream, line)


class Context:
    """The handler's second argument, with the attributes Yandex Cloud Functions' Python runtime documents."""

    __slots__ = ("request_id", "aws_request_id", "function_name", "function_version", "function_folder_id",
                 "memory_limit_in_mb", "deadline_ms", "invoked_function_arn", "log_group_name",
                 "log_stream_name", "token", "_monotonic_deadline")

    def __init__(self, meta):
        self.request_id = meta["requestId"]
        self.aws_request_id = meta["requestId"]
        self.function_name = meta["functionName"]
        self.function_version = meta["functionVersion"]
        self.function_folder_id = "local"
        self.memory_limit_in_mb = meta["memoryLimitInMB"]
        self.deadline_ms = meta["deadlineMs"]
        self.invoked_function_arn = meta["functionName"]
        self.log_group_name = "local"
        self.log_stream_name = meta["functionName"]
        self.token = None
        # The time left is counted on the monotonic clock, so a wall-clock step changes nothing.
        self._monotonic_deadline = time.monotonic() + (self.deadline_ms - time.time() * 1000) / 1000

    def get_remaining_time_in_millis(self):
        return max(0, int((self._monotonic_deadline - time.monotonic()) * 1000))

    def __repr__(self):
        return "Context(request_id=%r, function_name=%r)" % (self.request_id, self.function_name)


def _install_platform_routing(hosts, address):
    """Makes the platform's host names resolve to this host's TLS port: calls by a hard-coded
    https://functions.poehali.dev/<uuid> URL reach the local function, through every client that
    resolves names with socket.getaddrinfo (urllib, http.client, requests, httpx, aiohttp)."""
    target_host, _, target_port = address.rpartition(":")
    target_port = int(target_port)
    names = {name.lower() for name in hosts}
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower().rstrip(".") in names and str(port) in ("443", "https"):
            return resolve(target_host, target_port, socket.AF_INET, type, proto, flags)
        return resolve(host, port, family, type, proto, flags)

    socket.getaddrinfo = getaddrinfo


def configure(settings_json):
    global _settings
    _settings = json.loads(settings_json)
    folder = _settings["folder"]
    os.chdir(folder)
    for path in reversed([folder, _settings.get("projectFunctions") or folder]):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)
    sys.stdout = _LogWriter("stdout")
    sys.stderr = _LogWriter("stderr")
    if _settings.get("platformAddress"):
        _install_platform_routing(_settings.get("platformHosts", []), _settings["platformAddress"])
    return b""


def _user_frames(tb):
    """The frames of the user's code: the runtime's own and importlib's are left out."""
    frames = [frame for frame in traceback.extract_tb(tb)
              if frame.filename != _RUNTIME_FILE and not frame.filename.startswith("<frozen ")]
    folder = _settings.get("folder", "") + os.sep
    for frame in frames:
        if frame.filename.startswith(folder):
            frame.filename = frame.filename[len(folder):]
    return frames


def _error(kind, error_type, message, frames=(), payload=None):
    body = {"kind": kind, "errorType": error_type, "errorMessage": message,
            "stackTrace": traceback.format_list(list(frames))}
    if payload is not None:
        body["payload"] = payload
    return b"E" + json.dumps(body).encode("utf-8", "replace")


def _load_handler():
    """Imports index.py and finds handler; returns an error (bytes) or None."""
    global _handler
    try:
        module = importlib.import_module("index")
    except BaseException as error:
        frames = _user_frames(error.__traceback__)
        where = ""
        if isinstance(error, SyntaxError):
            message = "%s: %s" % (type(error).__name__, error)
        else:
            if frames:
                where = " (%s, line %s)" % (frames[-1].filename, frames[-1].lineno)
            message = "%s: %s%s" % (type(error).__name__, error, where)
        return _error("init", type(error).__name__, "Cannot load index.py: " + message, frames)
    handler = getattr(module, "handler", None)
    if not callable(handler):
        return _error("init", "InitializationError", "index.py defines no handler(event, context) function")
    _handler = handler
    return None


def _run(handler, event, context):
    global _loop
    result = handler(event, context)
    if inspect.isawaitable(result):
        if _loop is None:
            _loop = asyncio.new_event_loop()
            asyncio.set_event_loop(_loop)
        result = _loop.run_until_complete(result)
    return result


def invoke(event_bytes, meta_bytes):
    global _request_id
    meta = json.loads(meta_bytes)
    _request_id = meta["requestId"]
    try:
        if _handler is None:
            failure = _load_handler()
            if failure is not None:
                return failure
        if meta.get("raw"):
            try:
                event = json.loads(event_bytes) if event_bytes else ""
            except ValueError:
                event = event_bytes.decode("utf-8", "replace")
        else:
            event = json.loads(event_bytes)
        try:
            result = _run(_handler, event, Context(meta))
        except BaseException as error:
            return _error("handler", type(error).__name__, str(error), _user_frames(error.__traceback__))
        try:
            return b"R" + json.dumps(result, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as error:
            return _error("result", "ProxyIntegrationError",
                          "Malformed serverless function response: the result cannot be written as JSON (%s)" % error,
                          payload=repr(result)[:4096])
    finally:
        for stream in (sys.stdout, sys.stderr):
            finish = getattr(stream, "finish", None)
            if finish is not None:
                finish()
        _request_id = ""
"""#
}
