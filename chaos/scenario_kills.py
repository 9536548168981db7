"""Scenario 1: workers killed with SIGKILL while a backlog of tasks drains.

Tasks (1,000; 60 with --short) of one or two garments are started through nginx; the worker pool
(4 processes) runs invocations triggered by the start function, by its own chaining, by its 5 s
timer and by two outside pingers, while a worker process is SIGKILLed every ~2 s. Expected: every
task `completed`, no step's output taken from two predictions, and exactly one create per
(task, step) except where a kill fell between Replicate's answer and the checkpoint (at most one
extra per step). The host must count exactly the crashes we caused.
"""
import random
import signal
import os
import threading
import time

from harness import Result
from tasks import WORKER, ClientCounts, TaskSet, attempts_text, audit, wait_terminal
from stack import http

FUNCTION = "replicate-async-worker"
# A kill this close to a create (seconds before/after the stand-in logged it) can explain an
# orphaned prediction: the worker died between Replicate's answer and the checkpoint.
KILL_WINDOW_BEFORE_S = 1.0
KILL_WINDOW_AFTER_S = 1.0


def run(h):
    count = 60 if h.short else 1000
    r = Result(f"1. Worker processes killed with SIGKILL under a {count:,}-task backlog")
    host, standin, schema = h.try_on_stack("kills", delay_ms=100)
    tasks = TaskSet(host)
    stop = threading.Event()
    kills = []
    pings = ClientCounts()
    polls = ClientCounts()

    def killer():
        while not stop.wait(random.uniform(1.5, 2.5)):
            pids = host.worker_pids(FUNCTION)
            if not pids:
                continue
            pid = random.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append((time.time(), pid))
            except ProcessLookupError:
                pass

    def pinger():
        while not stop.wait(random.uniform(0.2, 0.6)):
            pings.add(http("GET", host.base + WORKER, timeout=30))

    def poller():
        while not stop.wait(0.2):
            ids = tasks.ids
            if ids:
                tasks.status_of(random.choice(ids), polls)

    threads = [threading.Thread(target=f, daemon=True) for f in (killer, pinger, pinger, poller)]
    for t in threads:
        t.start()
    began = time.time()
    ids = tasks.start_many(count)
    started_s = time.time() - began
    waited = wait_terminal(h.cluster, schema, [i for i in ids if i], timeout=120 if h.short else 900)
    stop.set()
    for t in threads:
        t.join(timeout=35)
    drain_s = time.time() - began
    time.sleep(0.5)
    pool = host.pool(FUNCTION)
    others = {name: p.get("crashes", 0) for name, p in ((host.status() or {}).get("functions") or {}).items()
              if name != FUNCTION}
    kill_times = [t for t, _ in kills]

    def explain(call, prediction):
        unused = prediction.get("gets", 0) == 0 and prediction.get("files", 0) == 0
        created = call["timeMs"] / 1000
        near = any(created - KILL_WINDOW_BEFORE_S <= k <= created + KILL_WINDOW_AFTER_S for k in kill_times)
        return "kill between Replicate's answer and the checkpoint" if unused and near else None

    a = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"), explain)
    window = a["extra_creates"].get("kill between Replicate's answer and the checkpoint", 0)

    r.done.append(f"Started {count} tasks (half with 1 garment, half with 2) through nginx with 8 client threads "
                  f"in {started_s:.1f} s; the stand-in's predictions take 2 x 100 ms; lease 6 s.")
    r.done.append(f"Worker pool of {pool.get('pool_size', '?')} processes fed by start triggers, chaining, the 5 s "
                  f"timer and 2 pingers ({pings.total} pings); a random worker process SIGKILLed every 1.5-2.5 s.")
    r.done.append(f"All tasks terminal after {drain_s:.1f} s." if waited is not None
                  else f"NOT all tasks terminal after {drain_s:.1f} s.")
    r.count("tasks", count)
    r.count("steps (predictions needed)", sum(tasks.steps.values()))
    r.count("SIGKILLs sent", len(kills))
    r.count("creates (predictions made)", a["creates"])
    r.count("creates per step", dict(sorted(a["creates_per_step"].items())))
    r.count("attempts per task", attempts_text(a["attempts"]))
    r.count("lease rescues", a["rescues"])
    r.count("status polls", polls.summary())
    r.count("worker pings (5xx here = the invocation a kill cut)", pings.summary())
    r.count("host counters (worker pool)", {k: pool.get(k) for k in ("accepted", "crashes", "respawns", "timeouts")})

    r.result("completed", f"{a['completed']} / {count}", a["completed"] == count, f"{count}")
    r.expect_zero("lost", a["lost"])
    r.expect_zero("stuck", a["stuck"])
    r.expect_zero("duplicated creates (unexplained)", a["duplicated"])
    r.expect_zero("steps processed twice", a["processed_twice"])
    r.expect_zero("result files missing", a["missing_result_file"])
    r.result("extra creates in the kill window", f"{window} (max {a['max_extra_per_step']} on one step)",
             a["max_extra_per_step"] <= 1 and window <= max(1, len(kills)), "at most 1 per step, rare")
    r.expect_zero("5xx seen by clients (starts, polls)", tasks.start_counts.server_errors + polls.server_errors,
                  "; ".join(tasks.start_counts.samples + polls.samples))
    worker_5xx = pings.server_errors
    r.result("5xx on worker pings", f"{worker_5xx} (kills: {len(kills)})", worker_5xx <= len(kills),
             "no more than the kills")
    crashes = pool.get("crashes", -1)
    r.result("worker crashes counted by the host", f"{crashes} (kills: {len(kills)})", crashes == len(kills),
             "exactly the kills")
    r.expect_zero("crashes in other pools", sum(others.values()), str(others))
    r.seconds = time.time() - r.began
    return r
