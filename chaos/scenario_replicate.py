"""Scenario 3: the stand-in Replicate misbehaving, through its fault switches.

Phase A (transient faults): 429 with Retry-After, 500s on creates and GETs, calls held past the
worker's 15 s client timeout, and creates that succeed but drop the connection, armed before a
batch of tasks starts. Webhooks are off there (REPLICATE_WEBHOOK_URL=off): the worker's checks read
each prediction by GET, which is where the GET faults can fire. Every task must end `completed`, or `failed` with a "Replicate is
unavailable" message after using all its attempts; every extra create must be explained by a
dropped or held create.
Phase B (failed predictions): every prediction fails. Every task must end `failed` with the
model's error in `error_message`, after exactly two creates (the one retry the policy allows).
Phase C (deadline): every create answers 429 on a stack whose tasks have a 6 s deadline. Every
task must end `failed` with the deadline message, soon after its deadline.
Phase D (webhook faults made up): the stand-in delivers each completion as a signed webhook to the
host's replicate-webhook, and the timer checks a waiting prediction 2 s after its create
(WAIT_CHECK_SECONDS). Armed one after another, each before a small batch of tasks and until it has
fired: completed deliveries dropped, duplicated (same webhook-id), delivery attempts failed (retried),
and deliveries forged (signed with a wrong secret, retried while refused). Every task must end `completed` with
one create per step; the stand-in's log must show every fault fired, the host must have answered
401 to every forged attempt and 2xx to both copies of a duplicate, and `replicate_prediction_events`
must hold no forged delivery and one row per duplicated one.
Phase E (a delivery later than the deadline): tasks with an 8 s deadline whose completion is
delivered 20 s late (and no timer check before 60 s). Every task must end `failed` with the
deadline message; the late delivery, answered 2xx after the task failed, must change nothing.
No task may be left in `processing`, and every phase must finish well inside its deadline.
"""
import collections
import concurrent.futures
import os
import time

from .harness import Result
from .tasks import GARMENT_URL, TaskSet, attempts_text, audit, rows, wait_terminal

HANG_MS = 16_000  # past the worker's 15 s client timeout
PREDICTION_FAILED = "The model could not process the images: "
UNAVAILABLE = "Replicate is unavailable: "
DEADLINE = "The try-on took longer than its deadline"
# How long after its deadline a phase C task may still be unfailed: the sweep runs at the next
# worker invocation (the timer fires every 5 s) and may wait out a lease.
DEADLINE_SLACK_S = 12.0
# Phase E: a short deadline, and a delivery held back well past it.
LATE_DEADLINE_S = 8
LATE_DELIVERY_MS = 20_000


def phase_a(h):
    """Transient faults armed before the batch starts. Webhooks are off, so the worker's checks read
    every prediction by GET and meet the GET faults (phase D has the webhooks' own faults)."""
    host, standin, schema = h.try_on_stack("replicate_a", delay_ms=100,
                                           env={"TASK_DEADLINE_SECONDS": "180", "LEASE_SECONDS": "30",
                                                "REPLICATE_WEBHOOK_URL": "off"})
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


def webhook_calls(standin):
    """The stand-in's delivery attempts (and dropped deliveries), oldest first."""
    return [call for call in standin.calls() if call["kind"] == "webhook"]


def events(cluster, schema):
    """replicate_prediction_events: {delivery id: prediction id}."""
    return {r[0]: r[1] for r in cluster.psql(schema,
                                             "SELECT delivery_id, prediction_id FROM replicate_prediction_events")}


def wait_for(check, timeout, poll=0.2):
    """Polls `check()` until it is true or `timeout` s pass; returns whether it became true."""
    end = time.time() + timeout
    while time.time() < end:
        if check():
            return True
        time.sleep(poll)
    return check()


def phase_d(h):
    """Dropped, duplicated, failed and forged webhook deliveries, each armed for its own batch once the
    one before has fired. Failed attempts come before forged deliveries, whose retries go on after
    the switch has fired: a failed attempt is any delivery's, a forged one's retry included."""
    host, standin, schema = h.try_on_stack(
        "replicate_d", delay_ms=100, env={"TASK_DEADLINE_SECONDS": "180", "WAIT_CHECK_SECONDS": "2"},
        standin_extra=["--webhook-retry-ms", "300", "--webhook-attempts", "3"])
    per_fault, per_batch = (2, 3) if h.short else (10, 15)
    faults = ("webhookDrop", "webhookDuplicate", "webhookFail", "webhookForge")
    tasks = TaskSet(host, user="chaos-d")
    fired = {}
    for fault in faults:
        standin.set_faults(**{fault: per_fault})
        tasks.start_many(per_batch)
        wait_for(lambda: standin.faults().get(fault, 0) == 0, timeout=60)
        fired[fault] = per_fault - standin.faults().get(fault, 0)
    standin.clear_faults()
    count = len(tasks.ids)
    waited = wait_terminal(h.cluster, schema, tasks.ids, timeout=120)

    def settled():
        # Every forged delivery refused to its last attempt, every failed attempt followed by a 2xx one.
        calls = webhook_calls(standin)
        forged = {c["webhook_id"] for c in calls if c.get("forged")}
        gave_up = {c["webhook_id"] for c in calls if c.get("forged") and c.get("gave_up")}
        retried = {c["webhook_id"] for c in calls if c.get("injected")}
        answered = {c["webhook_id"] for c in calls if 200 <= c["status"] < 300}
        return forged == gave_up and retried <= answered
    settled_in_time = wait_for(settled, timeout=30)
    d = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))
    calls = webhook_calls(standin)
    recorded = events(h.cluster, schema)
    by_id = collections.defaultdict(list)
    for call in calls:
        if call.get("webhook_id"):
            by_id[call["webhook_id"]].append(call)
    dropped = [c for c in calls if c.get("dropped")]
    duplicates = {c["webhook_id"] for c in calls if c.get("duplicate")}
    forged = {c["webhook_id"] for c in calls if c.get("forged")}
    forged_predictions = {c["prediction_id"] for c in calls if c.get("forged")}
    failed_attempts = [c for c in calls if c.get("injected")]
    d["wrong"] = [(t, row["status"], row["error_message"]) for t, row in d["rows"].items()
                  if t in tasks.steps and row["status"] != "completed"]
    # Both copies answered 2xx (an attempt failed by webhookFail before sending is retried, not answered).
    d["dup_not_2xx"] = [i for i in duplicates
                        if sum(1 for c in by_id[i] if 200 <= c["status"] < 300) != 2
                        or any(not c.get("injected") and not 200 <= c["status"] < 300 for c in by_id[i])]
    d["dup_rows_not_one"] = [i for i in duplicates if sum(1 for k in recorded if k == i) != 1]
    d["forged_not_401"] = [(i, c["status"]) for i in forged for c in by_id[i]
                           if c["status"] != 401 and not c.get("injected")]
    d["forged_recorded"] = [i for i in forged if i in recorded]
    d["forged_prediction_recorded"] = [p for p in forged_predictions if p in recorded.values()]
    d["failed_not_retried"] = [c["webhook_id"] for c in failed_attempts
                               if not any(200 <= o["status"] < 300 for o in by_id[c["webhook_id"]])]
    # Made up by the timer: each dropped or forged prediction's task went on (completed), having read it by GET.
    gets = collections.Counter(c["prediction_id"] for c in standin.calls() if c["kind"] == "get")
    lost_predictions = {c["prediction_id"] for c in dropped} | forged_predictions
    d["not_read_by_timer"] = [p for p in lost_predictions if not gets.get(p)]
    d.update(count=count, waited=waited, host=host, fired=fired, armed=per_fault, settled=settled_in_time,
             delivered={"dropped": len(dropped), "duplicated": len(duplicates), "forged": len(forged),
                        "forged attempts": sum(len(by_id[i]) for i in forged),
                        "failed attempts": len(failed_attempts),
                        "answered 2xx": sum(1 for c in calls if 200 <= c["status"] < 300)},
             events=len(recorded))
    return d


def phase_e(h):
    """Completions delivered 20 s late to tasks with an 8 s deadline."""
    host, standin, schema = h.try_on_stack(
        "replicate_e", delay_ms=100, env={"TASK_DEADLINE_SECONDS": str(LATE_DEADLINE_S), "WAIT_CHECK_SECONDS": "60"})
    count = 4 if h.short else 12
    standin.set_faults(webhookDelayMs=LATE_DELIVERY_MS, webhookDelayCount=count)
    tasks = TaskSet(host, user="chaos-e")
    tasks.start_many(count, steps_of=lambda i: 1)
    waited = wait_terminal(h.cluster, schema, tasks.ids, timeout=40)
    before = rows(h.cluster, schema)

    def late():
        return [c for c in webhook_calls(standin) if c.get("delayMs", 0) >= LATE_DELIVERY_MS and c["status"]]
    delivered_in_time = wait_for(lambda: len(late()) >= count, timeout=40)
    e = audit(h.cluster, schema, tasks, standin, os.path.join(host.run_dir, "results"))
    after = e["rows"]
    task_of_prediction = {}
    for call in standin.calls():
        match = GARMENT_URL.match(call.get("garm_img") or "") if call["kind"] == "create" else None
        if match and call.get("prediction_id"):
            task_of_prediction[call["prediction_id"]] = tasks.by_tag.get(match.group(1))
    keys = ("status", "step", "error_code", "error_message", "completed_at", "result_url", "attempt")
    e["changed"] = [t for t in tasks.ids if t in before and t in after
                    and any(before[t][k] != after[t][k] for k in keys)]
    e["wrong"] = [(t, row["error_code"], row["error_message"]) for t, row in after.items()
                  if t in tasks.steps and not (row["status"] == "failed" and row["error_code"] == "deadline_exceeded"
                                               and row["error_message"] == DEADLINE)]
    deliveries = late()
    e["not_after_failure"] = []
    for call in deliveries:
        row = after.get(task_of_prediction.get(call["prediction_id"]))
        if row is None or row["completed_at"] is None or call["timeMs"] / 1000 <= row["completed_at"]:
            e["not_after_failure"].append(call["prediction_id"])
    e["late_not_2xx"] = [(c["prediction_id"], c["status"]) for c in deliveries if not 200 <= c["status"] < 300]
    e.update(count=count, waited=waited, host=host, delivered=len(deliveries), delivered_in_time=delivered_in_time)
    return e


def run(h):
    r = Result("3. Replicate faults: 429, 500, hangs, dropped creates, failed predictions, webhook faults")
    # The phases have their own stacks (schema, stand-in, host) and run at the same time.
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        futures = [pool.submit(phase, h) for phase in (phase_a, phase_b, phase_c, phase_d, phase_e)]
        a, b, c, d, e = [f.result() for f in futures]
    count_a, count_b, count_c = a["count"], b["count"], c["count"]
    waited_a, waited_b, waited_c = a["waited"], b["waited"], c["waited"]
    armed, injected = a["armed"], a["injected"]
    wrong_a, wrong_b, wrong_c = a["wrong"], b["wrong"], c["wrong"]
    creates_b = dict(b["creates_per_step"])

    r.done.append("Each phase on its own stack (schema, stand-in, host), the five at the same time.")
    r.done.append(f"Phase A: webhooks off (the worker's checks read every prediction); armed {armed} on the "
                  f"stand-in, then started {count_a} tasks; "
                  + (f"all terminal after {waited_a:.1f} s." if waited_a is not None else "NOT all terminal."))
    r.done.append(f"Phase B: every prediction fails; started {count_b} one-garment tasks; "
                  + (f"all terminal after {waited_b:.1f} s." if waited_b is not None else "NOT all terminal."))
    r.done.append(f"Phase C: every create answers 429 (Retry-After 1); started {count_c} tasks with a 6 s deadline; "
                  + (f"all terminal after {waited_c:.1f} s." if waited_c is not None else "NOT all terminal."))
    r.done.append(f"Phase D: webhooks on, the timer's check 2 s after each create; webhookDrop, webhookDuplicate, "
                  f"webhookFail and webhookForge armed {d['armed']} each, one after another, each before a batch "
                  f"of tasks ({d['count']} in all) and until it fired; "
                  + (f"all terminal after {d['waited']:.1f} s." if d["waited"] is not None else "NOT all terminal."))
    r.done.append(f"Phase E: {e['count']} one-garment tasks with a {LATE_DEADLINE_S} s deadline, each completion "
                  f"delivered {LATE_DELIVERY_MS // 1000} s late (webhookDelayMs), no timer check before 60 s; "
                  + (f"all terminal after {e['waited']:.1f} s" if e["waited"] is not None else "NOT all terminal")
                  + (f", all {e['delivered']} late deliveries made." if e["delivered_in_time"]
                     else f", only {e['delivered']} late deliveries made."))
    r.count("tasks (A / B / C / D / E)", f"{count_a} / {count_b} / {count_c} / {d['count']} / {e['count']}")
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
    r.count("D: faults fired (consumed switches)", d["fired"])
    r.count("D: deliveries in the stand-in's log", d["delivered"])
    r.count("D: completions recorded (replicate_prediction_events)", d["events"])
    r.count("D: creates per step", dict(d["creates_per_step"]))
    r.count("E: latest failure after the deadline, s", round(e["max_deadline_overshoot_s"], 1))

    for label, audit_of, count in (("A", a, count_a), ("B", b, count_b), ("C", c, count_c), ("D", d, d["count"]),
                                   ("E", e, e["count"])):
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
    r.expect_zero("D: not completed", d["wrong"])
    r.expect_zero("D: result files missing", d["missing_result_file"])
    r.result("D: creates per step", str(dict(d["creates_per_step"])), set(d["creates_per_step"]) == {1}, "exactly 1")
    r.result("D: every webhook fault fired", str(d["fired"]), all(v == d["armed"] for v in d["fired"].values()),
             f"{d['armed']} of each")
    r.result("D: dropped deliveries in the log", d["delivered"]["dropped"], d["delivered"]["dropped"] == d["armed"],
             str(d["armed"]))
    r.result("D: duplicated deliveries in the log", d["delivered"]["duplicated"],
             d["delivered"]["duplicated"] == d["armed"], str(d["armed"]))
    r.result("D: forged deliveries in the log", d["delivered"]["forged"], d["delivered"]["forged"] == d["armed"],
             str(d["armed"]))
    r.result("D: failed attempts in the log", d["delivered"]["failed attempts"],
             d["delivered"]["failed attempts"] == d["armed"], str(d["armed"]))
    r.result("D: forged retries refused to the last attempt, failed attempts retried", d["settled"], d["settled"],
             "within 30 s")
    r.expect_zero("D: forged attempts not answered 401", d["forged_not_401"])
    r.expect_zero("D: forged deliveries in replicate_prediction_events", d["forged_recorded"])
    r.expect_zero("D: forged predictions in replicate_prediction_events", d["forged_prediction_recorded"])
    r.expect_zero("D: duplicate copies not answered 2xx", d["dup_not_2xx"])
    r.expect_zero("D: duplicated deliveries not recorded exactly once", d["dup_rows_not_one"])
    r.expect_zero("D: failed attempts never followed by a 2xx one", d["failed_not_retried"])
    r.expect_zero("D: dropped or forged predictions the timer never read", d["not_read_by_timer"])
    r.expect_zero("E: not failed with the deadline message", e["wrong"])
    r.result(f"E: failed within {DEADLINE_SLACK_S:.0f} s of the deadline",
             f"worst {e['max_deadline_overshoot_s']:.1f} s", e["max_deadline_overshoot_s"] <= DEADLINE_SLACK_S,
             f"<= {DEADLINE_SLACK_S:.0f} s")
    r.result("E: late deliveries made", f"{e['delivered']} / {e['count']}", e["delivered"] == e["count"],
             str(e["count"]))
    r.expect_zero("E: late deliveries not after the task failed", e["not_after_failure"])
    r.expect_zero("E: late deliveries not answered 2xx", e["late_not_2xx"])
    r.expect_zero("E: tasks changed by the late delivery", e["changed"])
    r.result("E: creates per step", str(dict(e["creates_per_step"])), set(e["creates_per_step"]) == {1}, "exactly 1")
    crashes = {}
    for hst in (a["host"], b["host"], c["host"], d["host"], e["host"]):
        for name, p in ((hst.status() or {}).get("functions") or {}).items():
            crashes[name] = crashes.get(name, 0) + p.get("crashes", 0)
    r.expect_zero("worker process crashes", sum(crashes.values()), str(crashes))
    r.seconds = time.time() - r.began
    return r
