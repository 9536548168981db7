"""A FastCGI client for a function's unix socket, past nginx, as any local process that can connect
could speak it: the records of one request (BEGIN_REQUEST, PARAMS, STDIN) and the answer's status
and body. Lets a scenario send what nginx never would (a body shorter than its CONTENT_LENGTH, a
connection reset in the middle of a body, parameters posing as a timer).
"""
import socket
import struct
import time

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
RESPONDER = 1


def _record(kind, content, request_id=1):
    return struct.pack(">BBHHBB", 1, kind, request_id, len(content), 0, 0) + content


def _length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def _stream(kind, data):
    """`data` as records of at most 65,535 bytes, then the empty record that ends the stream."""
    out = b"".join(_record(kind, data[i:i + 65535]) for i in range(0, len(data), 65535))
    return out + _record(kind, b"")


def params_bytes(params):
    pairs = b""
    for name, value in params:
        name, value = name.encode(), value.encode()
        pairs += _length(len(name)) + _length(len(value)) + name + value
    return pairs


def request_bytes(params, body=b"", end_stdin=True):
    """BEGIN_REQUEST (responder, no keep-alive), PARAMS, then STDIN carrying `body` (closed by an
    empty record unless `end_stdin` is False)."""
    out = _record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0)) + _stream(PARAMS, params_bytes(params))
    if end_stdin:
        return out + _stream(STDIN, body)
    return out + (_record(STDIN, body) if body else b"")


def http_params(method="GET", path="/", query="", body=b"", announced=None, extra=()):
    """What nginx passes for a request (CONTENT_LENGTH says `announced`, the body's length unless given)."""
    return [("REQUEST_METHOD", method), ("DOCUMENT_URI", path), ("REQUEST_URI", path + ("?" + query if query else "")),
            ("QUERY_STRING", query), ("CONTENT_TYPE", "application/json"),
            ("CONTENT_LENGTH", str(len(body) if announced is None else announced)), ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "40000"), ("SERVER_PROTOCOL", "HTTP/1.1"), *extra]


def parse_response(data):
    """(status, body) of a complete answer (END_REQUEST seen), else None. The status comes from the
    `Status:` header (200 without one)."""
    offset, stdout, ended = 0, b"", False
    while not ended and offset + 8 <= len(data):
        _, kind, _, length, padding, _ = struct.unpack(">BBHHBB", data[offset:offset + 8])
        if offset + 8 + length > len(data):
            break
        if kind == STDOUT:
            stdout += data[offset + 8:offset + 8 + length]
        elif kind == END_REQUEST:
            ended = True
        offset += 8 + length + padding
    if not ended:
        return None
    head, _, body = stdout.partition(b"\r\n\r\n")
    status = 200
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            digits = line[7:].strip().split(b" ")[0]
            status = int(digits) if digits.isdigit() else 200
    return status, body


class Answer:
    """What came back: `status` None when the connection closed (or the time ran out) before a whole answer."""

    def __init__(self, status=None, body=b"", closed=False, error=None):
        self.status = status
        self.body = body
        self.closed = closed
        self.error = error


def exchange(path, data, how="half-close", timeout=10.0):
    """Connects to the unix socket `path`, writes `data`, then: `half-close` shuts the writing side
    down, `keep` leaves it open, `reset` closes with a reset (SO_LINGER 0) at once and reads nothing.
    Reads until the answer is complete, the peer closes, or `timeout` passes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(data)
        if how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return Answer(closed=True)
        if how == "half-close":
            s.shutdown(socket.SHUT_WR)
        received = b""
        end = time.time() + timeout
        while time.time() < end:
            parsed = parse_response(received)
            if parsed is not None:
                return Answer(parsed[0], parsed[1])
            s.settimeout(max(0.01, end - time.time()))
            chunk = s.recv(65536)
            if not chunk:
                parsed = parse_response(received)
                return Answer(*(parsed or (None, b"")), closed=True)
            received += chunk
        return Answer(error="timed out")
    except TimeoutError:
        return Answer(error="timed out")
    except OSError as error:
        return Answer(closed=True, error=f"{type(error).__name__}: {error}")
    finally:
        s.close()
