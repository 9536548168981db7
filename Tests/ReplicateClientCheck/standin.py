"""The stand-in as the client check sees it: its admin API and raw HTTP (standard library only),
plus the small assertions the checks share. Used by check_client.py.
"""

import json
import urllib.error
import urllib.request

from replicate.exceptions import ReplicateError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class StandIn:
    """The stand-in's admin API and raw HTTP, through the standard library only."""

    def __init__(self, base_url, token):
        self.base = base_url.rstrip("/")
        self.token = token

    def request(self, method, path, body=None, auth=False, headers=None):
        """(status, bytes) of one request; error statuses are returned, not raised."""
        headers = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def faults(self, **settings):
        """Disarms every switch, then arms `settings` (e.g. delayMs=200)."""
        self.request("DELETE", "/_standin/faults")
        if settings:
            status, body = self.request("POST", "/_standin/faults", settings)
            expect(status == 200, f"POST /_standin/faults answered {status}: {body!r}")

    def calls(self, after=0):
        """The logged calls with a sequence number above `after`."""
        status, body = self.request("GET", "/_standin/calls")
        expect(status == 200, f"GET /_standin/calls answered {status}")
        return [call for call in json.loads(body)["calls"] if call["sequence"] > after]

    def mark(self):
        """The newest sequence number so far (a check's calls are those after it)."""
        calls = self.calls()
        return calls[-1]["sequence"] if calls else 0

    def file(self, prediction_id):
        """The bytes `GET /files/{id}.png` serves."""
        status, body = self.request("GET", f"/files/{prediction_id}.png")
        expect(status == 200, f"GET /files/{prediction_id}.png answered {status}")
        return body


class Mismatch(Exception):
    """A check saw something other than what a real client against Replicate would see."""


def expect(condition, message):
    if not condition:
        raise Mismatch(message)


def expect_png(data, what):
    """`data` is a whole PNG: signature, IHDR first with a non-empty size, IEND last."""
    expect(isinstance(data, bytes), f"{what}: expected bytes, got {type(data).__name__}")
    expect(data.startswith(PNG_SIGNATURE), f"{what}: not a PNG (starts {data[:8]!r})")
    expect(data[12:16] == b"IHDR", f"{what}: the first chunk is not IHDR")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    expect(width > 0 and height > 0, f"{what}: IHDR says {width}x{height}")
    expect(data[-8:-4] == b"IEND", f"{what}: does not end with IEND")


def one(calls, what, **fields):
    """The single logged call whose fields equal `fields`."""
    found = [call for call in calls if all(call.get(key) == value for key, value in fields.items())]
    expect(len(found) == 1, f"{what}: expected one call with {fields}, the log has {len(found)}: "
           + json.dumps([(c["method"], c["path"], c["status"]) for c in calls]))
    return found[0]


def expect_error(call, status, named, what):
    """`call()` raises ReplicateError with `status` and a detail naming `named`."""
    try:
        call()
    except ReplicateError as error:
        expect(error.status == status, f"{what}: status {error.status}, expected {status} ({error.detail})")
        expect(named in (error.detail or ""), f"{what}: detail {error.detail!r} does not name {named!r}")
        return
    raise Mismatch(f"{what}: no ReplicateError raised")
