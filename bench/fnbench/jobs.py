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


def _connections(tasks):
    """Backends connected to the tasks' database, the bench's own connection left out."""
    with tasks.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminal(tasks, ids):
    """{task id: (status, epoch seconds of completed_at or None)} for the tasks that are completed or failed."""
    with tasks.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, status, extract(epoch FROM completed_at) FROM {tasks.schema}.replicate_tasks "
                       "WHERE id = ANY(%s) AND status IN ('completed', 'failed')", (list(ids),))
        return {row[0]: (row[1], float(row[2]) if row[2] is not None else None) for row in cursor.fetchall()}


def webhook_drain(tasks, host, start_url, ones, threes, first_index=0, timeout=600, sample_every=0.5,
                  threads=16):
    """Tasks waiting for Replicate through webhooks, drained by the shipped pools.

    First each task's own time on this stack: a lone one-garment and a lone three-garment task
    (started together, nothing else running), from the moment its start was sent to `completed_at`.
    Then `ones` one-garment and `threes` three-garment tasks (interleaved: every fifth is a
    three-garment one while both remain) started in one burst from `threads` clients; every
    completion is read from its row and counted from the moment the burst began (the first start
    sent). Every `sample_every` s until all are terminal: the busy workers of replicate-async-worker
    and replicate-webhook on the host's status page, and the database's connections (pg_stat_activity,
    this bench's own left out). Returns the figures per group and the maxima."""
    def lone(garments, index):
        sent = time.time()
        task_id, _ = start_task(start_url, start_body(index, garments))
        return task_id, sent

    lone_tasks = {garments: lone(garments, first_index + garments - 1) for garments in (1, 3)}
    lone_ids = [task_id for task_id, _ in lone_tasks.values()]
    end = time.time() + timeout
    while len(_terminal(tasks, lone_ids)) < len(lone_ids):
        if time.time() > end:
            raise SystemExit(f"bench: the lone tasks did not finish within {timeout} s: {tasks.counts()}")
        time.sleep(0.1)
    finished = _terminal(tasks, lone_ids)
    own = {}
    for garments, (task_id, sent) in lone_tasks.items():
        status, completed_at = finished[task_id]
        if status != "completed":
            raise SystemExit(f"bench: the lone {garments}-garment task ended {status}")
        own[garments] = completed_at - sent

    plan = []
    left = {1: ones, 3: threes}
    while left[1] or left[3]:
        garments = 3 if left[3] and (len(plan) % 5 == 4 or not left[1]) else 1
        plan.append(garments)
        left[garments] -= 1
    answered = [None] * len(plan)
    failures = []
    base = first_index + 10

    def run(offset):
        for i in range(offset, len(plan), threads):
            try:
                answered[i] = start_task(start_url, start_body(base + i, plan[i]))
            except Exception as error:
                failures.append(error)

    busy = {"replicate-async-worker": 0, "replicate-webhook": 0}
    busy_together = 0
    connections = 0
    samples = 0

    def sample():
        nonlocal busy_together, connections, samples
        pools_now = (host.status() or {}).get("functions") or {}
        now_busy = {function: int((pools_now.get(function) or {}).get("busy", 0)) for function in busy}
        for function, value in now_busy.items():
            busy[function] = max(busy[function], value)
        busy_together = max(busy_together, sum(now_busy.values()))
        connections = max(connections, _connections(tasks))
        samples += 1

    began = time.time()
    clients = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for client in clients:
        client.start()
    next_sample = began
    while any(client.is_alive() for client in clients):  # the burst itself is sampled too
        if time.time() >= next_sample:
            sample()
            next_sample += sample_every
        time.sleep(0.02)
    if failures:
        raise SystemExit(f"bench: {len(failures)} starts of the burst failed, first: {failures[0]}")
    burst_seconds = max(at for _, at in answered) - began
    garments_of = {task_id: plan[i] for i, (task_id, _) in enumerate(answered)}
    ids = list(garments_of)
    done = {}
    while time.time() < end:
        if time.time() >= next_sample:
            sample()
            next_sample += sample_every
        done = _terminal(tasks, ids)
        if len(done) == len(ids):
            break
        time.sleep(0.05)
    pools_after = (host.status() or {}).get("functions") or {}
    pools = {function: int((pools_after.get(function) or {}).get("pool_size", 0)) for function in busy}
    max_active = {function: int((pools_after.get(function) or {}).get("max_active", 0)) for function in busy}

    groups = {}
    for garments, count in ((1, ones), (3, threes)):
        members = [task_id for task_id in ids if garments_of[task_id] == garments]
        finished_at = sorted(done[t][1] - began for t in members
                             if t in done and done[t][0] == "completed" and done[t][1] is not None)
        last = finished_at[-1] if finished_at else None
        groups[garments] = {
            "tasks": count, "completed": len(finished_at),
            "failed": sum(1 for t in members if t in done and done[t][0] == "failed"),
            "unfinished": sum(1 for t in members if t not in done),
            "first_s": finished_at[0] if finished_at else None,
            "median_s": statistics.median(finished_at) if finished_at else None,
            "last_s": last, "own_s": own[garments],
            "ratio": last / own[garments] if last is not None and own[garments] else None}
    return {"groups": groups, "burst_s": burst_seconds, "busy": busy, "busy_together": busy_together,
            "connections": connections, "samples": samples, "pool_size": pools, "max_active": max_active}
