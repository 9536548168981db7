"""Scenario 1: workers killed with SIGKILL while a backlog of tasks drains.

Tasks (1,000; 60 with --short) of one or two garments are started through nginx; the worker pool
(4 processes) runs invocations triggered by the start function, by its own chaining, by its 5 s
timer and by two outside pingers, while a worker process is SIGKILLed every ~2 s. Expected: every
task `completed`, no step's output taken from two predictions, and exactly one create per
(task, step) except where a kill fell between Replicate's answer and the checkpoint (at most one
extra per step). The host must count exactly the crashes we caused.

Then extra creates per kill, measured where they arise: a create held by the stand-in (`hangMs`:
the prediction exists, its answer has not been sent) while every worker process of the pool is
SIGKILLed, one task at a time (5 rounds; 2 with --short), on two stacks at once: webhooks on (the
default with the stand-in: the prediction's `start` event adopts it for its task, see
docs/job-queue.md "A create whose answer was lost") and webhooks off (`REPLICATE_WEBHOOK_URL=off`:
nothing can find the orphan, the task creates again once its lease has expired; the figure before
adoption existed). Expected: every such task `completed`, at most one extra create per kill, and
none with webhooks on.
"""
import concurrent.futures
import random
import signal
import os
import threading
import time

from tools.fnhoststack import http

from .harness import Result
from .tasks import GARMENT_URL, WORKER, ClientCounts, TaskSet, attempts_text, audit, wait_terminal

FUNCTION = "replicate-async-worker"
# A kill this close to a create (seconds before/after the stand-in logged it) can explain an
# orphaned prediction: the worker died between Replicate's answer and the checkpoint.
KILL_WINDOW_BEFORE_S = 1.0
KILL_WINDOW_AFTER_S = 1.0
# Targeted kills: the lease (a Replicate call may take a third of it) and how long the stand-in
# holds the create's answer, well inside that call limit (1.67 s) so the worker is still waiting.
TARGET_LEASE_S = 5
TARGET_HOLD_MS = 1500
HELD = "kill while the create's answer was held"


def targeted(h, webhooks, rounds):
    """`rounds` one-garment tasks, one at a time: the create's answer held, every worker of the pool
    SIGKILLed while it is, then the task left to finish. Returns the audit and what happened."""
    env = {"LEASE_SECONDS": str(TARGET_LEASE_S), "WAIT_CHECK_SECONDS": "1"}
    if not webhooks:
        env["REPLICATE_WEBHOOK_URL"] = "off"
    host, standin, schema = h.try_on_stack("kills_" + ("on" if webhooks else "off"), delay_ms=100, env=env)
    tasks = TaskSet(host, user="chaos-kill-" + ("on" if webhooks else "off"))
    stop = threading.Event()
    pings = ClientCounts()

    def pinger():  # the invocations that find an expired lease (the 5 s timer would, later)
        while not stop.wait(0.5):
            pings.add(http("GET", host.base + WORKER, timeout=30))

    thread = threading.Thread(target=pinger, daemon=True)
    thread.start()
    kills, missed, unfinished = [], 0, []
    for _ in range(rounds):
        seen = {c.get("prediction_id") for c in standin.calls() if c["kind"] == "create"}
        standin.set_faults(hangMs=TARGET_HOLD_MS, hangCount=1)
        task = tasks.start_one(1)
        tag = next((t for t, i in tasks.by_tag.items() if i == task), None)
        held = None
        end = time.time() + 10
        while held is None and time.time() < end:
            for call in standin.calls():
                match = GARMENT_URL.match(call.get("garm_img") or "") if call["kind"] == "create" else None
                if match and match.group(1) == tag and call.get("prediction_id") not in seen:
                    held = call
            if held is None:
                time.sleep(0.02)
        if held is None or not held.get("heldMs"):
            missed += 1  # the create never came, or the hold went to another call: no kill this round
        else:
            pids = host.worker_pids(FUNCTION)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            now = time.time()
            within = now < held["timeMs"] / 1000 + TARGET_HOLD_MS / 1000
            kills.append((now, len(pids), within))
        standin.clear_faults()
        if task and wait_terminal(h.cluster, schema, [task], timeout=40, poll=0.2) is None:
            unfinished.append(task)
    stop.set()
    thread.join(timeout=35)
    kill_times = [t for t, _, _ in kills]

    def explain(call, prediction):
        created = call["timeMs"] / 1000
        near = any(created - KILL_WINDOW_BEFORE_S <= k <= created + TARGET_HOLD_MS / 1000 for k in kill_times)
        return HELD if near else None

    a = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"), explain)
    a.update(kills=kills, missed=missed, unfinished=unfinished, pings=pings, webhooks=webhooks,
             extra=sum(a["extra_creates"].values()))
    return a


def per_kill(t):
    kills = len(t["kills"])
    return f"{t['extra'] / kills:.2f} ({t['extra']} extra creates / {kills} kills)" if kills else "no kills"


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
    r.result("extra creates in the kill window (random kills)", f"{window} (max {a['max_extra_per_step']} on one step)",
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

    rounds = 2 if h.short else 5
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        on, off = list(pool.map(lambda webhooks: targeted(h, webhooks, rounds), (True, False)))
    r.done.append(f"Extra creates per kill: {rounds} one-garment tasks on each of two stacks at once (lease "
                  f"{TARGET_LEASE_S} s, a pinger every 0.5 s), one at a time: the stand-in held the create's answer "
                  f"{TARGET_HOLD_MS} ms (hangMs) and every worker process of the pool was SIGKILLed while it did; "
                  "webhooks on (adoption by the `start` event) and off (REPLICATE_WEBHOOK_URL=off, no adoption).")
    r.count("extra creates per kill, random kills (webhooks on)",
            f"{window / len(kills):.2f} ({window} / {len(kills)} kills)" if kills else "no kills")
    for t in (off, on):
        label = "webhooks on (adoption)" if t["webhooks"] else "webhooks off (before adoption)"
        r.count(f"held-create kills, {label}: extra creates per kill", per_kill(t))
        r.count(f"held-create kills, {label}: creates per step", dict(sorted(t["creates_per_step"].items())))
    for t in (off, on):
        label = "on" if t["webhooks"] else "off"
        r.result(f"webhooks {label}: kills landed while the create was held",
                 f"{sum(1 for k in t['kills'] if k[2])} / {rounds}",
                 t["missed"] == 0 and all(k[2] for k in t["kills"]), f"{rounds}")
        r.result(f"webhooks {label}: completed", f"{t['completed']} / {t['tasks']}",
                 t["completed"] == t["tasks"] and not t["unfinished"], str(t["tasks"]))
        r.expect_zero(f"webhooks {label}: lost", t["lost"])
        r.expect_zero(f"webhooks {label}: duplicated creates (unexplained)", t["duplicated"])
        r.expect_zero(f"webhooks {label}: steps processed twice", t["processed_twice"])
        r.result(f"webhooks {label}: most extra creates on one step", t["max_extra_per_step"],
                 t["max_extra_per_step"] <= 1, "at most 1")
    r.result("webhooks on: extra creates after held-create kills", per_kill(on), on["extra"] == 0,
             "0 (each orphan adopted)")
    r.seconds = time.time() - r.began
    return r
