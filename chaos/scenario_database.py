"""Scenario 2: PostgreSQL stopped and started again while clients start and poll tasks.

Clients keep starting tasks and polling them; the cluster is stopped (fast shutdown: sessions are
cut) for a few seconds and started again. Expected: during the outage the functions answer
503 with a JSON body (never a hang, a 500 or a 502); every task whose start was answered 200 ends
`completed` (none lost or stuck); both endpoints answer 200 again within seconds of the database
coming back.
"""
import collections
import random
import threading
import time

from tools.fnhoststack import http

from .harness import Result
from .tasks import STATUS, ClientCounts, TaskSet, attempts_text, audit, wait_terminal
import os

OUTAGE_S = 4.0
# How long after the database is back both endpoints must answer 200 again, seconds.
RECOVERY_LIMIT_S = 10.0


def run(h):
    r = Result("2. PostgreSQL restarted under load")
    initial = 20 if h.short else 200
    host, standin, schema = h.try_on_stack("database", delay_ms=150, env={"LEASE_SECONDS": "5"})
    tasks = TaskSet(host)
    log = []  # (time sent, time answered, endpoint, status, is_json)
    log_lock = threading.Lock()
    counts = ClientCounts()
    stop = threading.Event()

    def record(endpoint, sent, answer):
        counts.add(answer)
        with log_lock:
            code = answer.json.get("code") if isinstance(answer.json, dict) else None
            log.append((sent, time.time(), endpoint, answer.status, answer.is_json, code))

    def starter():
        while not stop.wait(random.uniform(0.05, 0.2)):
            tasks.start_one(1 + random.randrange(2), on_answer=lambda sent, answer: record("start", sent, answer))

    def poller():
        while not stop.wait(random.uniform(0.05, 0.2)):
            ids = tasks.ids
            if not ids:
                continue
            sent = time.time()
            record("status", sent, http("GET", f"{host.base}{STATUS}?task_id={random.choice(ids)}",
                                        headers={"X-User-Id": tasks.user}))

    tasks.start_many(initial)
    threads = [threading.Thread(target=f, daemon=True) for f in (starter, starter, poller, poller, poller)]
    for t in threads:
        t.start()
    outage_s = 3.0 if h.short else OUTAGE_S
    time.sleep(2 if h.short else 5)
    down_at = time.time()
    h.cluster.stop()
    stopped_at = time.time()
    time.sleep(outage_s)
    restart_at = time.time()
    h.cluster.start()
    up_at = time.time()
    time.sleep(3 if h.short else 8)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    ids = [i for i in tasks.ids if i]
    waited = wait_terminal(h.cluster, schema, ids, timeout=120 if h.short else 300)
    def explain(call, prediction):
        # Like a kill, an outage between Replicate's answer and the checkpoint orphans the
        # prediction (the worker cannot record it); the task's next claim creates another.
        unused = prediction.get("gets", 0) == 0 and prediction.get("files", 0) == 0
        created = call["timeMs"] / 1000
        return ("database down between Replicate's answer and the checkpoint"
                if unused and down_at - 1 <= created <= up_at + 1 else None)

    a = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"), explain)

    # Requests sent after the server had stopped and answered before it was asked to start again:
    # nothing could have reached the database, so each one must be a 503 with a JSON body.
    during = [e for e in log if e[0] >= stopped_at and e[1] <= restart_at]
    outage_answers = collections.Counter("no answer" if e[3] is None else e[3] for e in during)
    bad_outage = [e for e in during if e[3] != 503 or not e[4]]
    recovered = {}
    for endpoint in ("start", "status"):
        ok = [e[1] for e in log if e[2] == endpoint and e[0] >= up_at and e[3] == 200]
        recovered[endpoint] = (min(ok) - up_at) if ok else None
    after = [e for e in log if e[0] >= up_at]
    errors_after = sum(1 for e in after if e[3] is None or e[3] >= 500)

    r.done.append(f"Started {initial} tasks, then 2 threads kept starting tasks and 3 kept polling statuses "
                  f"(every 50-200 ms each) while the cluster was stopped (pg_ctl fast) for {outage_s:.0f} s "
                  f"and started again; stopping took {stopped_at - down_at:.1f} s, starting "
                  f"{up_at - restart_at:.1f} s.")
    r.done.append(f"Tasks terminal {waited:.1f} s after the load stopped." if waited is not None
                  else "NOT all tasks became terminal.")
    r.count("tasks started (answered 200)", len(ids))
    r.count("database restarts", 1)
    r.count("requests during the outage", dict(outage_answers))
    r.count("all client answers", counts.summary())
    r.count("attempts per task", attempts_text(a["attempts"]))
    r.count("lease rescues", a["rescues"])
    r.count("seconds until 200 again after the database was back",
            {k: (round(v, 2) if v is not None else "never") for k, v in recovered.items()})
    r.result("answers during the outage other than 503 JSON", f"{len(bad_outage)}", not bad_outage,
             "0 (every one a 503 with a JSON body)")
    r.result("requests answered during the outage", f"{len(during)}", len(during) > 0, "some")
    r.result("completed", f"{a['completed']} / {len(ids)}", a["completed"] == len(ids), f"{len(ids)}")
    r.expect_zero("lost", a["lost"])
    r.expect_zero("stuck", a["stuck"])
    r.count("extra creates by cause", dict(a["extra_creates"]) or "none")
    r.expect_zero("duplicated creates (unexplained)", a["duplicated"])
    r.result("most extra creates on one step", str(a["max_extra_per_step"]), a["max_extra_per_step"] <= 1, "<= 1")
    r.expect_zero("steps processed twice", a["processed_twice"])
    slow = [k for k, v in recovered.items() if v is None or v > RECOVERY_LIMIT_S]
    r.result("endpoints not recovered within 10 s", f"{len(slow)} {slow if slow else ''}".strip(), not slow, "0")
    # A function process heals its connection on the first statement after the restart: that one
    # statement is not retried (it may have run; see PostgresConnection), so each warm process may
    # answer one 503 JSON after the database is back, whenever it is next used. Anything else
    # (another status, no JSON, more 503s than processes) is a failure.
    late = [e for e in after if e[0] >= up_at + 2 and (e[3] is None or e[3] >= 500)]
    processes = sum(host.pool(name).get("pool_size", 0) for name in ("replicate-async-start",
                                                                        "replicate-async-status"))
    late_ok = all(e[3] == 503 and e[5] == "database_unavailable" for e in late) and len(late) <= processes
    r.count("5xx after the database was back: first 2 s / later", f"{errors_after - len(late)} / {len(late)}")
    r.result("5xx more than 2 s after recovery, other than one 503 database_unavailable per warm process",
             f"{len(late)} ({', '.join(f'{e[2]} {e[3]} {e[5]}' for e in late[:5]) or 'none'}; {processes} processes)",
             late_ok, f"only 503 database_unavailable, at most {processes}")
    crashes = {name: p.get("crashes", 0) for name, p in ((host.status() or {}).get("functions") or {}).items()}
    r.expect_zero("worker process crashes", sum(crashes.values()), str(crashes))
    r.seconds = time.time() - r.began
    return r

