"""Scenario 3: the stand-in Replicate misbehaving, through its fault switches.

Phase A (transient faults): 429 with Retry-After, 500s on creates and GETs, calls held past the
worker's 15 s client timeout, and creates that succeed but drop the connection, armed before a
batch of tasks starts. Every task must end `completed`, or `failed` with a "Replicate is
unavailable" message after using all its attempts; every extra create must be explained by a
dropped or held create.
Phase B (failed predictions): every prediction fails. Every task must end `failed` with the
model's error in `error_message`, after exactly two creates (the one retry the policy allows).
Phase C (deadline): every create answers 429 on a stack whose tasks have a 6 s deadline. Every
task must end `failed` with the deadline message, soon after its deadline.
No task may be left in `processing`, and every phase must finish well inside its deadline.
"""
import concurrent.futures
import os
import time

from harness import Result
from tasks import TaskSet, attempts_text, audit, wait_terminal

HANG_MS = 16_000  # past the worker's 15 s client timeout
PREDICTION_FAILED = "The model could not process the images: "
UNAVAILABLE = "Replicate is unavailable: "
DEADLINE = "The try-on took longer than its deadline"
# How long after its deadline a phase C task may still be unfailed: the sweep runs at the next
# worker invocation (the timer fires every 5 s) and may wait out a lease.
DEADLINE_SLACK_S = 12.0


def phase_a(h):
    """Transient faults armed before the batch starts."""
    host, standin, schema = h.try_on_stack("replicate_a", delay_ms=100,
                                           env={"TASK_DEADLINE_SECONDS": "180", "LEASE_SECONDS": "30"})
    armed = {"create429": 6 if h.short else 30, "retryAfterSeconds": 1, "create500": 4 if h.short else 20,
             "get500": 6 if h.short else 40, "hangMs": HANG_MS, "hangCount": 1 if h.short else 4,
             "dropAfterCreate": 3 if h.short else 15}
    standin.set_faults(**armed)
    tasks = TaskSet(host, user="chaos-a")
    count = 30 if h.short else 150
    tasks.start_many(count)
    waited = wait_terminal(h.cluster, schema, tasks.ids, timeout=210)
    left = standin.faults()
    standin.clear_faults()
    injected = {k: armed[k] - left.get(k, 0) for k in ("create429", "create500", "get500", "hangCount",
                                                        "dropAfterCreate")}
    a = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))
    a["wrong"] = [(t, row["error_code"], row["error_message"]) for t, row in a["rows"].items()
                  if t in tasks.steps and row["status"] == "failed"
                  and not (row["error_message"].startswith(UNAVAILABLE) and row["attempt"] >= row["max_attempts"])]
    a.update(count=count, waited=waited, armed=armed, injected=injected, host=host)
    return a


def phase_b(h):
    """Every prediction fails."""
    host, standin, schema = h.try_on_stack("replicate_b", delay_ms=100, env={"TASK_DEADLINE_SECONDS": "180"})
    standin.set_faults(failPrediction=1_000_000)
    tasks = TaskSet(host, user="chaos-b")
    count = 10 if h.short else 40
    tasks.start_many(count, steps_of=lambda i: 1)
    waited = wait_terminal(h.cluster, schema, tasks.ids, timeout=120)
    b = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))
    b["wrong"] = [(t, row["error_code"], row["error_message"]) for t, row in b["rows"].items()
                  if t in tasks.steps and not (row["status"] == "failed" and row["error_code"] == "prediction_failed"
                                               and row["error_message"].startswith(PREDICTION_FAILED))]
    b.update(count=count, waited=waited, host=host)
    return b


def phase_c(h):
    """Every create is rate limited, and tasks have a 6 s deadline."""
    host, standin, schema = h.try_on_stack("replicate_c", delay_ms=100, env={"TASK_DEADLINE_SECONDS": "6"})
    standin.set_faults(create429=1_000_000, retryAfterSeconds=1)
    tasks = TaskSet(host, user="chaos-c")
    count = 5 if h.short else 20
    tasks.start_many(count, steps_of=lambda i: 1)
    waited = wait_terminal(h.cluster, schema, tasks.ids, timeout=60)
    c = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))
    c["wrong"] = [(t, row["error_code"], row["error_message"]) for t, row in c["rows"].items()
                  if t in tasks.steps and not (row["status"] == "failed" and row["error_code"] == "deadline_exceeded"
                                               and row["error_message"] == DEADLINE)]
    c.update(count=count, waited=waited, host=host)
    return c


def run(h):
    r = Result("3. Replicate faults: 429, 500, hangs, dropped creates, failed predictions")
    # The three phases have their own stacks (schema, stand-in, host) and run at the same time.
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(phase, h) for phase in (phase_a, phase_b, phase_c)]
        a, b, c = [f.result() for f in futures]
    count_a, count_b, count_c = a["count"], b["count"], c["count"]
    waited_a, waited_b, waited_c = a["waited"], b["waited"], c["waited"]
    armed, injected = a["armed"], a["injected"]
    wrong_a, wrong_b, wrong_c = a["wrong"], b["wrong"], c["wrong"]
    creates_b = dict(b["creates_per_step"])

    r.done.append("Each phase on its own stack (schema, stand-in, host), the three at the same time.")
    r.done.append(f"Phase A: armed {armed} on the stand-in, then started {count_a} tasks; "
                  + (f"all terminal after {waited_a:.1f} s." if waited_a is not None else "NOT all terminal."))
    r.done.append(f"Phase B: every prediction fails; started {count_b} one-garment tasks; "
                  + (f"all terminal after {waited_b:.1f} s." if waited_b is not None else "NOT all terminal."))
    r.done.append(f"Phase C: every create answers 429 (Retry-After 1); started {count_c} tasks with a 6 s deadline; " + (f"all terminal after {waited_c:.1f} s." if waited_c is not None
                                           else "NOT all terminal."))
    r.count("tasks (A / B / C)", f"{count_a} / {count_b} / {count_c}")
    r.count("faults injected in A (consumed switches)", injected)
    r.count("A: completed / failed", f"{a['completed']} / {a['failed']}")
    r.count("A: failure codes", dict(a["failed_codes"]))
    r.count("A: creates, rejected creates", f"{a['creates']}, {a['rejected_creates']}")
    r.count("A: extra creates by cause", dict(a["extra_creates"]))
    r.count("A: attempts per task", attempts_text(a["attempts"]))
    r.expect_zero("A: lease rescues (lease 30 s, twice the longest call; no kills)", a["rescues"])
    r.count("B: failed predictions made", b["creates"])
    r.count("B: creates per step", creates_b)
    r.count("C: 429s answered", c["rejected_creates"])
    r.count("C: latest failure after the deadline, s", round(c["max_deadline_overshoot_s"], 1))

    for label, audit_of, count in (("A", a, count_a), ("B", b, count_b), ("C", c, count_c)):
        r.expect_zero(f"{label}: lost", audit_of["lost"])
        r.expect_zero(f"{label}: stuck in processing/pending", audit_of["stuck"])
        r.expect_zero(f"{label}: duplicated creates (unexplained)", audit_of["duplicated"])
        r.expect_zero(f"{label}: steps processed twice", audit_of["processed_twice"])
        r.result(f"{label}: terminal", f"{audit_of['completed'] + audit_of['failed']} / {count}",
                 audit_of["completed"] + audit_of["failed"] == count, str(count))
    r.expect_zero("A: failed with a wrong error_message", wrong_a)
    r.expect_zero("A: result files missing", a["missing_result_file"])
    r.result("A: every transient fault fired", str(injected),
             all(injected[k] == armed[k if k != "hangCount" else "hangCount"] for k in injected), "all consumed")
    overshoot = max(a["max_deadline_overshoot_s"], b["max_deadline_overshoot_s"])
    r.result("A/B: finished before the 180 s deadline, worst margin", f"{-overshoot:.0f} s", overshoot <= 0, "> 0 s")
    r.expect_zero("B: not failed with the model's error", wrong_b)
    r.result("B: creates per step", str(creates_b), set(creates_b) == {2}, "exactly 2 (one retry)")
    r.expect_zero("C: not failed with the deadline message", wrong_c)
    r.result("C: failed within 12 s of the deadline", f"worst {c['max_deadline_overshoot_s']:.1f} s",
             c["max_deadline_overshoot_s"] <= DEADLINE_SLACK_S, "<= 12 s")
    crashes = {}
    for hst in (a["host"], b["host"], c["host"]):
        for name, p in ((hst.status() or {}).get("functions") or {}).items():
            crashes[name] = crashes.get(name, 0) + p.get("crashes", 0)
    r.expect_zero("worker process crashes", sum(crashes.values()), str(crashes))
    r.seconds = time.time() - r.began
    return r
