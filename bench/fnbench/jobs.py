"""The job-system rows: tasks queued through replicate-async-start, drained by the worker, and the
latency from start's answer to a worker picking the task up. Times on both sides come from the
same machine's clock: the client's own, and PostgreSQL's now() written into the task row."""
import json
import random
import statistics
import threading
import time
import urllib.request

import psycopg2

USER = "bench-user"


def start_body(index, garments):
    """A valid start request whose garment images name the task and the step, so the stand-in's
    call log maps each create to its (task, step)."""
    items = [{"image": garment_url(index, g), "category": "upper_body"} for g in range(garments)]
    return json.dumps({"person_image": f"https://example.com/person-{index}.jpg", "garments": items})


def garment_url(index, step):
    return f"https://example.com/task-{index}/garment-{step}.jpg"


def start_task(url, body):
    """POSTs one start; returns (task_id, the client's clock when the answer arrived)."""
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-User-Id": USER})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    return answer["task_id"], time.time()


def queue_tasks(url, count, garments, first_index=0, threads=8):
    """Starts `count` tasks from `threads` parallel clients; returns their ids."""
    ids = [None] * count
    failures = []

    def run(offset):
        for i in range(offset, count, threads):
            try:
                ids[i] = start_task(url, start_body(first_index + i, garments))[0]
            except Exception as error:
                failures.append(error)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise SystemExit(f"bench: {len(failures)} starts failed, first: {failures[0]}")
    return ids


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Tasks:
    """Read-only views of one schema's replicate_tasks, for measuring (never for the functions)."""

    def __init__(self, database_url, schema):
        self.connection = psycopg2.connect(database_url)
        self.connection.autocommit = True
        self.schema = schema

    def counts(self):
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT status, count(*) FROM {self.schema}.replicate_tasks GROUP BY status")
            return dict(cursor.fetchall())

    def timestamps(self, column, ids):
        """{task id: epoch seconds of `column`} for the given tasks (None while unset)."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT id, extract(epoch FROM {column}) FROM {self.schema}.replicate_tasks "
                           "WHERE id = ANY(%s)", (list(ids),))
            return {row[0]: (float(row[1]) if row[1] is not None else None) for row in cursor.fetchall()}

    def close(self):
        self.connection.close()


def fire_workers(worker_url, parallel):
    """`parallel` concurrent worker invocations, as an outside pinger would send; answers ignored."""
    def call():
        try:
            urllib.request.urlopen(urllib.request.Request(worker_url, headers={"X-Triggered-By": "bench"}),
                                   timeout=330).read()
        except Exception:
            pass
    for _ in range(parallel):
        threading.Thread(target=call, daemon=True).start()


def wait_terminal(tasks, ids, timeout):
    """Waits until every task is completed or failed; returns the client clock at that moment."""
    end = time.time() + timeout
    while time.time() < end:
        with tasks.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {tasks.schema}.replicate_tasks WHERE id = ANY(%s) "
                           "AND status IN ('completed', 'failed')", (list(ids),))
            if cursor.fetchone()[0] == len(ids):
                return time.time()
        time.sleep(0.02)
    raise SystemExit(f"bench: {len(ids)} tasks were not drained within {timeout} s: {tasks.counts()}")


def drain(tasks, ids, garments, first_index, worker_url, parallel, standin_calls):
    """Drain figures for `ids` (already queued): tasks/s from the first claim (the timer may beat
    the fired invocations) to the last completed_at, and per task the time from its last
    prediction's completion to `completed` in the row the status endpoint reads. With the stand-in
    at zero delay a prediction is complete when created, so its completion is the create's time."""
    fire_workers(worker_url, parallel)
    wait_terminal(tasks, ids, timeout=600)
    completed = tasks.timestamps("completed_at", ids)
    failed = [i for i, t in completed.items() if t is None]
    last_done = max(t for t in completed.values() if t is not None)
    started_at = min(t for t in tasks.timestamps("started_at", ids).values() if t is not None)
    last_create = {}
    for call in standin_calls():
        if call["kind"] == "create" and call["status"] == 201 and call.get("garm_img"):
            last_create[call["garm_img"]] = max(last_create.get(call["garm_img"], 0), call["timeMs"] / 1000)
    visible = []
    for position, task_id in enumerate(ids):
        created = last_create.get(garment_url(first_index + position, garments - 1))
        if completed.get(task_id) is not None and created is not None:
            visible.append(completed[task_id] - created)
    return {"tasks": len(ids), "failed": len(failed), "seconds": last_done - started_at,
            "tasks_per_s": len(ids) / (last_done - started_at),
            "visible_p50_ms": 1000 * statistics.median(visible) if visible else None,
            "visible_p99_ms": 1000 * percentile(visible, 0.99) if visible else None}


def pickup(tasks, start_url, count, spacing, garments=1, first_index=0):
    """Starts `count` tasks one by one, `spacing` (a (low, high) range of seconds) apart at random,
    and measures each task's started_at (the worker's claim, PostgreSQL's clock) minus the moment
    start's answer reached the client. Returns p50 and p99 in milliseconds."""
    answered = {}
    for i in range(count):
        task_id, at = start_task(start_url, start_body(first_index + i, garments))
        answered[task_id] = at
        time.sleep(random.uniform(*spacing))
    end = time.time() + 60
    while True:
        started = tasks.timestamps("started_at", answered)
        if all(v is not None for v in started.values()) or time.time() > end:
            break
        time.sleep(0.05)
    waits = [max(0.0, started[i] - answered[i]) for i in answered if started.get(i) is not None]
    missing = sum(1 for i in answered if started.get(i) is None)
    return {"tasks": count, "not_picked_up": missing,
            "p50_ms": 1000 * statistics.median(waits) if waits else None,
            "p99_ms": 1000 * percentile(waits, 0.99) if waits else None,
            "max_ms": 1000 * max(waits) if waits else None}
