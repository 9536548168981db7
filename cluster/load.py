"""The load: simulated try-on pages, each a thread, talking to the front only.

A page does what web/app.js does: POSTs a try-on to replicate-async-start (through chaos's
`TaskSet`, so every task's garment URLs name it and its steps in the stand-in's call log; a start
that fails is sent again with the same Idempotency-Key for a while, as a person would press the
button again), polls replicate-async-status every 3 s (also after an error, like the page) until
the task is completed or failed, then GETs the result image from the URL the status gave, then
starts the next try-on after a short pause. Every request is recorded: when it was sent, how long
it took, its status (None: no answer) and what it was for.

The error windows come from these records (`error_windows`): for each page, a run of consecutive
failed requests lasts from the moment the first of them was sent until the last of them was
answered (a single failure lasts its own duration). A failure is anything but 200 (a result
image must also be a PNG).
"""
import collections
import random
import threading
import time

from chaos.tasks import STATUS, TERMINAL, TaskSet
from tools.fnhoststack import Response, http

POLL_S = 3.0
# How long a page waits for a status poll or an image before it counts it failed (web/app.js:
# REQUEST_TIMEOUT_MS).
REQUEST_TIMEOUT_S = 20.0
# How long a page keeps re-sending a start that failed (same Idempotency-Key).
START_RETRY_S = 15.0
# A page stops polling a task after this long (the audit then finds it unfinished).
GIVE_UP_S = 180.0
PNG = b"\x89PNG\r\n\x1a\n"


class Record:
    __slots__ = ("page", "kind", "sent", "seconds", "status", "error", "task")

    def __init__(self, page, kind, sent, seconds, status, error, task):
        self.page, self.kind, self.sent, self.seconds = page, kind, sent, seconds
        self.status, self.error, self.task = status, error, task

    @property
    def ok(self):
        return self.status == 200 and not self.error

    @property
    def answered(self):
        return self.sent + self.seconds

    @property
    def label(self):
        if self.status is None:
            return "no answer"
        return f"{self.status} ({self.error})" if self.error else str(self.status)


class Load:
    """`pages` pages against `front_base`; `start()`, then `finish()` lets each page end its
    current try-on and stop."""

    def __init__(self, front_base, pages, user, steps_of=lambda n: 1 + n % 2, seed=None):
        self.front_base = front_base
        self.tasks = TaskSet(_Base(front_base), user=user)
        self.pages = pages
        self.steps_of = steps_of
        self.random = random.Random(seed)
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []
        self.completed = 0
        self.gave_up = []
        self.results_fetched = 0
        self.began = None

    def _record(self, page, kind, sent, answer, task=None, error=None):
        record = Record(page, kind, sent, time.time() - sent, answer.status, error, task)
        with self.lock:
            self.records.append(record)
        return record

    def start(self):
        self.began = time.time()
        for index in range(self.pages):
            thread = threading.Thread(target=self._page, args=(index, self.random.uniform(0, POLL_S)), daemon=True,
                                      name=f"page-{index}")
            self.threads.append(thread)
            thread.start()

    def _page(self, index, offset):
        if self.stopping.wait(offset):
            return
        made = 0
        while not self.stopping.is_set():
            made += 1
            task = self.tasks.start_one(self.steps_of(index + made), retry_for=START_RETRY_S,
                                        on_answer=lambda sent, answer: self._record(index, "start", sent, answer))
            if task is None:
                self.stopping.wait(POLL_S)
                continue
            self._follow(index, task)
            self.stopping.wait(self.random.uniform(0.5, 2.0))

    def _follow(self, index, task):
        url = f"{self.front_base}{STATUS}?task_id={task}"
        headers = {"X-User-Id": self.tasks.user}
        end = time.time() + GIVE_UP_S
        while time.time() < end:
            sent = time.time()
            answer = http("GET", url, headers=headers, timeout=REQUEST_TIMEOUT_S)
            self._record(index, "status", sent, answer, task)
            state = (answer.json or {}).get("status") if answer.status == 200 else None
            if state in TERMINAL:
                if state == "completed":
                    with self.lock:
                        self.completed += 1
                    self._fetch_result(index, task, answer.json.get("result_url") or "")
                return
            time.sleep(max(0.0, sent + POLL_S - time.time()))
        with self.lock:
            self.gave_up.append(task)

    def _fetch_result(self, index, task, url):
        sent = time.time()
        if not url.startswith(self.front_base + "/"):
            self._record(index, "result", sent, Response(None, b"", "not on the front"), task,
                         f"result URL not on the front: {url[:80]}")
            return
        answer = http("GET", url, timeout=REQUEST_TIMEOUT_S)
        problem = None if answer.status != 200 or answer.body.startswith(PNG) else "not a PNG"
        record = self._record(index, "result", sent, answer, task, problem)
        if record.ok:
            with self.lock:
                self.results_fetched += 1

    def finish(self, limit=GIVE_UP_S + 30):
        """Pages stop starting try-ons and end the one they follow; returns the pages still running."""
        self.stopping.set()
        end = time.time() + limit
        for thread in self.threads:
            thread.join(max(0.1, end - time.time()))
        return [t.name for t in self.threads if t.is_alive()]

    def snapshot(self):
        with self.lock:
            return list(self.records)


class _Base:
    """What `TaskSet` needs of a host: its base URL (here, the front's)."""

    def __init__(self, base):
        self.base = base


def failures_by_kind(records, since=None, until=None):
    """{kind: {status label: count}} of the failed requests sent in [since, until)."""
    found = collections.defaultdict(collections.Counter)
    for r in records:
        if (since is None or r.sent >= since) and (until is None or r.sent < until) and not r.ok:
            found[r.kind][r.label] += 1
    return {kind: dict(counter) for kind, counter in found.items()}


def error_windows(records):
    """Per page, the runs of consecutive failed requests: [(page, began, ended)], longest first."""
    by_page = collections.defaultdict(list)
    for r in records:
        by_page[r.page].append(r)
    windows = []
    for page, mine in by_page.items():
        mine.sort(key=lambda r: r.sent)
        run_began, run_ended = None, None
        for r in mine:
            if r.ok:
                if run_began is not None:
                    windows.append((page, run_began, run_ended))
                run_began = None
            elif run_began is None:
                run_began, run_ended = r.sent, r.answered
            else:
                run_ended = max(run_ended, r.answered)
        if run_began is not None:
            windows.append((page, run_began, run_ended))
    windows.sort(key=lambda w: w[2] - w[1], reverse=True)
    return windows


def latencies(records, kind=None):
    values = sorted(r.seconds for r in records if kind is None or r.kind == kind)
    if not values:
        return {}
    return {"p50": round(values[len(values) // 2], 3), "p99": round(values[int(len(values) * 0.99)], 3),
            "max": round(values[-1], 3)}
