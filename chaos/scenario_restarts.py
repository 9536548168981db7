"""Scenario 5: nginx killed, then the whole host restarted, while pages poll their tasks.

One polling client per task (16; 10 with --short), each reading its task's status every
0.3-3 s like the try-on page does. nginx is SIGKILLed (the master must restart it), then
`fnhost serve` is stopped with SIGTERM and started again on the same port and run folder.
Expected: each client sees at most a brief run of errors and then, at the end, the task's real
final status (`completed`, as the database says).
"""
import os
import random
import signal
import threading
import time

from tools.fnhoststack import children, http

from .harness import Result
from .tasks import STATUS, TERMINAL, TaskSet, audit, rows, wait_terminal

# Longest run of failed polls one client may see, seconds.
MAX_ERROR_WINDOW_S = 15.0


class Client(threading.Thread):
    """Polls one task until it is terminal; remembers errors and their longest run."""

    def __init__(self, base, task_id, user, stop):
        super().__init__(daemon=True)
        self.url = f"{base}{STATUS}?task_id={task_id}"
        self.task_id = task_id
        self.user = user
        self.stop = stop
        self.polls = 0
        self.errors = 0
        self.error_kinds = {}
        self.longest_window = 0.0
        self.final = None

    def run(self):
        first_error = None
        while not self.stop.is_set():
            answer = http("GET", self.url, headers={"X-User-Id": self.user}, timeout=10)
            now = time.time()
            self.polls += 1
            if answer.status == 200 and answer.json:
                if first_error is not None:
                    self.longest_window = max(self.longest_window, now - first_error)
                    first_error = None
                if answer.json.get("status") in TERMINAL:
                    self.final = answer.json["status"]
                    return
            else:
                self.errors += 1
                kind = "no answer" if answer.status is None else str(answer.status)
                self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
                first_error = first_error or now
            self.stop.wait(random.uniform(0.3, 3.0))
        if first_error is not None:
            self.longest_window = max(self.longest_window, time.time() - first_error)


def living(pid):
    """True while `pid` runs (a zombie waiting for init to reap it does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_answering(url, limit=60):
    """Seconds until `url` gives any HTTP answer below 500 (None if it never does)."""
    began = time.time()
    while time.time() - began < limit:
        answer = http("GET", url, timeout=2)
        if answer.status is not None and answer.status < 500:
            return time.time() - began
        time.sleep(0.05)
    return None


def run(h):
    r = Result("5. nginx killed and the host restarted while pages poll")
    clients_n = 10 if h.short else 16
    # Each prediction takes 2 x 1.5 s (1 s short), so tasks of 2 garments are in flight during both restarts.
    phase_ms = 1000 if h.short else 1500
    host, standin, schema = h.try_on_stack("restarts", delay_ms=phase_ms, env={"LEASE_SECONDS": "5"})
    tasks = TaskSet(host)
    ids = [i for i in tasks.start_many(clients_n, steps_of=lambda i: 2) if i]
    stop = threading.Event()
    clients = [Client(host.base, i, tasks.user, stop) for i in ids]
    for c in clients:
        c.start()
    time.sleep(1 if h.short else 2)
    probe = host.base + "/replicate-async-status?task_id=chaos-ready-probe"

    # The host gives up on an nginx that dies within 2 s of starting (a bad configuration would
    # otherwise restart forever): kill it well after that, as an outage would.
    time.sleep(max(0.0, host.started_at + 3 - time.time()))
    nginx_before = host.nginx_pid()
    old_workers = [pid for pid, _ in children(nginx_before)]
    killed_at = time.time()
    os.kill(nginx_before, signal.SIGKILL)
    # Back = a new nginx started by the host answers (orphaned workers of the old one must not count).
    nginx_after, nginx_back = None, None
    while time.time() - killed_at < 30:
        current = host.nginx_pid()
        if current not in (None, nginx_before) and wait_answering(probe, limit=1) is not None:
            nginx_after, nginx_back = current, time.time() - killed_at
            break
        time.sleep(0.05)
    orphans = [pid for pid in old_workers if living(pid)]
    time.sleep(1 if h.short else 2)

    stop_s = host.stop()
    down_at = time.time()
    host.start()
    host_back = time.time() - down_at

    for c in clients:
        c.join(timeout=180)
    stop.set()
    waited = wait_terminal(h.cluster, schema, ids, timeout=60)
    final = rows(h.cluster, schema)
    a = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))

    wrong = [c.task_id for c in clients if c.final != final.get(c.task_id, {}).get("status")]
    kinds = {}
    for c in clients:
        for k, v in c.error_kinds.items():
            kinds[k] = kinds.get(k, 0) + v
    r.done.append(f"{clients_n} tasks of 2 garments (predictions of 2 x {phase_ms / 1000:g} s), one polling client each "
                  "(every 0.3-3 s).")
    r.done.append(f"nginx master (pid {nginx_before}) SIGKILLed: the host restarted it (pid {nginx_after}) and "
                  f"the new one answered " + ("never." if nginx_back is None else f"after {nginx_back:.2f} s."))
    r.done.append(f"`fnhost serve` stopped with SIGTERM (took {stop_s:.1f} s, waiting for running invocations) "
                  f"and started again on the same port: answering {host_back:.1f} s after it had exited.")
    r.count("polling clients", clients_n)
    r.count("nginx kills / host restarts", "1 / 1")
    r.count("polls", sum(c.polls for c in clients))
    r.count("errors seen by clients", f"{sum(c.errors for c in clients)} {kinds}")
    r.count("clients that saw an error", sum(1 for c in clients if c.errors))
    r.count("longest error window, s", round(max((c.longest_window for c in clients), default=0), 2))
    r.count("lease rescues", a["rescues"])
    r.result("nginx restarted by the host", f"{nginx_before} -> {nginx_after}",
             nginx_after is not None and nginx_back is not None, "a new nginx answering")
    r.expect_zero("orphaned workers of the killed nginx left running", orphans)
    r.result("clients not ending on the task's real final status", f"{len(wrong)}", not wrong, "0")
    r.result("completed", f"{a['completed']} / {len(ids)}", a["completed"] == len(ids) and waited is not None,
             str(len(ids)))
    longest = max((c.longest_window for c in clients), default=0)
    r.result("longest error window", f"{longest:.1f} s", longest <= MAX_ERROR_WINDOW_S, f"<= {MAX_ERROR_WINDOW_S:.0f} s")
    r.expect_zero("lost", a["lost"])
    r.expect_zero("stuck", a["stuck"])
    r.expect_zero("duplicated creates (unexplained)", a["duplicated"])
    r.expect_zero("steps processed twice", a["processed_twice"])
    r.seconds = time.time() - r.began
    return r
