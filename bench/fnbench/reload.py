"""Hot reload of a Python function: the time from saving its `index.py` (a new file renamed over the
old one, as editors save) to the first answer that comes from the new code.

Each save appends a wrapper to the function's original source that adds an `X-Bench-Save: N`
header to whatever the handler returns, so an answer shows which save's code produced it. A poller
on its own kept-alive connection asks every few milliseconds; the time runs from just before the
rename to the end of the first answer carrying the save's number. "Light load" adds paced requests
to the same function from other connections while the saves happen.

A worker imports index.py at its first invocation, so a worker that has not answered yet would run
whatever file is there when it first does, before any reload. Before each save a burst of parallel
requests makes every worker of the pool import the current code, then the host is left idle (or
under its light load) for a moment, so each measured answer comes from a worker the save started.
"""
import http.client
import os
import statistics
import threading
import time
import urllib.parse

HEADER = "X-Bench-Save"
POLL_INTERVAL = 0.005


def _source(original, save):
    return (original.rstrip("\n") + "\n\n\n"
            "# Added by bench/fnbench/reload.py: marks the answers of this save's code.\n"
            "_handler_before_save = handler\n\n\n"
            "def handler(event, context):\n"
            "    result = _handler_before_save(event, context)\n"
            f"    return dict(result, headers=dict(result.get('headers') or {{}}, **{{'{HEADER}': '{save}'}}))\n")


def save(path, text):
    """Writes `text` to a new file beside `path` and renames it over `path`."""
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(temporary, "w") as f:
        f.write(text)
    os.rename(temporary, path)


class _Client:
    """One kept-alive HTTP connection, reopened after any failure."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.connection = None

    def get(self):
        """(status, the save header's value) or (None, None) when no answer came."""
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
            self.connection.request("GET", self.path)
            answer = self.connection.getresponse()
            answer.read()
            return answer.status, answer.getheader(HEADER)
        except (OSError, http.client.HTTPException):
            self.close()
            return None, None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class _PacedLoad:
    """`connections` threads, each sending a request every `interval` seconds until stopped."""

    def __init__(self, url, connections, interval):
        self.stopping = threading.Event()
        self.sent = 0
        self.failed = 0
        self.threads = [threading.Thread(target=self._run, args=(url, interval), daemon=True)
                        for _ in range(connections)]
        for thread in self.threads:
            thread.start()

    def _run(self, url, interval):
        client = _Client(url)
        while not self.stopping.is_set():
            status, _ = client.get()
            self.sent += 1
            if status != 200:
                self.failed += 1
            self.stopping.wait(interval)
        client.close()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def _warm(url, connections=8, requests=40):
    """A burst of parallel requests, so that every worker of the pool has imported the current code."""
    def run():
        client = _Client(url)
        for _ in range(requests):
            client.get()
        client.close()
    threads = [threading.Thread(target=run) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure(index_path, original, url, saves, first_save, load=None, settle=1.0, deadline=10.0):
    """Saves `index_path` (`original` plus the marking wrapper) `saves` times, numbered from
    `first_save`, and times each save to the first answer of its code.
    `load`: (connections, interval) of paced requests to `url` meanwhile, or None for an idle host.
    Returns {saves, answered, p50_ms, max_ms, requests_failed, load_rps}; a save whose code never
    answered within `deadline` is counted as unanswered."""
    poller = _Client(url)
    background = _PacedLoad(url, *load) if load else None
    began = time.monotonic()
    times, unanswered, failed = [], 0, 0
    try:
        for number in range(first_save, first_save + saves):
            text = _source(original, number)
            _warm(url)
            time.sleep(0.2)
            start = time.monotonic()
            save(index_path, text)
            while True:
                status, marker = poller.get()
                now = time.monotonic()
                if status != 200:
                    failed += 1
                if marker == str(number):
                    times.append((now - start) * 1000)
                    break
                if now - start > deadline:
                    unanswered += 1
                    break
                time.sleep(POLL_INTERVAL)
            time.sleep(settle)  # the pool finishes rolling before the next burst and save
    finally:
        poller.close()
        if background:
            background.stop()
    elapsed = time.monotonic() - began
    return {"saves": saves, "answered": len(times),
            "p50_ms": statistics.median(times) if times else None,
            "max_ms": max(times) if times else None,
            "unanswered": unanswered,
            "requests_failed": failed + (background.failed if background else 0),
            "load_rps": background.sent / elapsed if background else 0.0}
