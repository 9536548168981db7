"""Try-on tasks a scenario starts, and the audit that ends every scenario.

Every task gets a random tag; its garment images are `https://garments.chaos.test/<tag>/s<step>.png`,
so each create in the stand-in's call log names its (task, step) through the `garm_img` it carries,
with no help from the worker. The audit reads every task's row from PostgreSQL and the call log,
and counts, per task and step, the predictions created and how each extra one came about.
"""
import collections
import concurrent.futures
import os
import re
import secrets
import threading
import time

from tools.fnhoststack import http

START = "/replicate-async-start"
STATUS = "/replicate-async-status"
WORKER = "/replicate-async-worker"
GARMENT_URL = re.compile(r"^https://garments\.chaos\.test/([0-9a-f]+)/s(\d+)\.png$")
TERMINAL = ("completed", "failed")
# The worker's longest single Replicate call (ReplicateClient / TaskProcessor.budget), seconds.
CLIENT_TIMEOUT_S = 15


class ClientCounts:
    """What clients saw: answers by status, connection errors, and 5xx bodies that were not JSON."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = collections.Counter()
        self.non_json_5xx = 0
        self.samples = []

    def add(self, answer):
        with self.lock:
            self.by_status["no answer" if answer.status is None else answer.status] += 1
            if answer.status is not None and answer.status >= 500 and not answer.is_json:
                self.non_json_5xx += 1
            if (answer.status is None or answer.status >= 500) and len(self.samples) < 5:
                self.samples.append(f"{answer.status} {answer.error or answer.body[:160]!r}")

    @property
    def total(self):
        return sum(self.by_status.values())

    @property
    def server_errors(self):
        return sum(n for status, n in self.by_status.items() if status == "no answer" or status >= 500)

    def summary(self):
        return {str(k): v for k, v in sorted(self.by_status.items(), key=lambda item: str(item[0]))}


class TaskSet:
    """Tasks started through nginx, remembered by tag and id."""

    def __init__(self, host, user="chaos-user"):
        self.host = host
        self.user = user
        self.by_tag = {}
        self.steps = {}
        self.start_counts = ClientCounts()
        self.lock = threading.Lock()

    def start_one(self, steps, retry_for=0.0, on_answer=None):
        """Starts one task of `steps` garments; retries non-2xx answers for up to `retry_for` s (with
        the same Idempotency-Key, so a retry never makes a second task). Returns its id or None.
        `on_answer(sent_at, answer)` sees every answer."""
        tag = secrets.token_hex(8)
        body = {"person_image": f"https://people.chaos.test/{tag}.png",
                "garments": [{"image": f"https://garments.chaos.test/{tag}/s{step}.png", "category": "upper_body"}
                             for step in range(steps)]}
        headers = {"X-User-Id": self.user, "Idempotency-Key": tag}
        end = time.time() + retry_for
        while True:
            sent = time.time()
            answer = http("POST", self.host.base + START, body=body, headers=headers)
            self.start_counts.add(answer)
            if on_answer is not None:
                on_answer(sent, answer)
            if answer.status == 200 and answer.json and answer.json.get("task_id"):
                with self.lock:
                    self.by_tag[tag] = answer.json["task_id"]
                    self.steps[answer.json["task_id"]] = steps
                return answer.json["task_id"]
            if time.time() >= end:
                return None
            time.sleep(0.2)

    def start_many(self, count, threads=8, steps_of=lambda i: 1 + i % 2, retry_for=0.0):
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda i: self.start_one(steps_of(i), retry_for), range(count)))

    @property
    def ids(self):
        with self.lock:
            return list(self.by_tag.values())

    def status_of(self, task_id, counts=None):
        answer = http("GET", f"{self.host.base}{STATUS}?task_id={task_id}", headers={"X-User-Id": self.user})
        if counts is not None:
            counts.add(answer)
        return answer


def rows(cluster, schema):
    """Every task row, by id."""
    found = {}
    for r in cluster.psql(schema, """
            SELECT id, status, attempt, max_attempts, step, total_steps, coalesce(error_code, ''),
                   coalesce(error_message, ''), rescue_count, extract(epoch FROM deadline_at),
                   coalesce(extract(epoch FROM completed_at)::text, ''), coalesce(result_url, ''),
                   extract(epoch FROM now())
            FROM replicate_tasks"""):
        found[r[0]] = {"status": r[1], "attempt": int(r[2]), "max_attempts": int(r[3]), "step": int(r[4]),
                       "total_steps": int(r[5]), "error_code": r[6], "error_message": r[7],
                       "rescues": int(r[8]), "deadline": float(r[9]),
                       "completed_at": float(r[10]) if r[10] else None, "result_url": r[11], "now": float(r[12])}
    return found


def wait_terminal(cluster, schema, ids, timeout, poll=1.0):
    """Waits until every task in `ids` is completed or failed; returns seconds waited, or None on timeout."""
    began = time.time()
    wanted = set(ids)
    while time.time() - began < timeout:
        try:
            current = rows(cluster, schema)
        except RuntimeError:
            current = {}
        if current and all(current.get(i, {}).get("status") in TERMINAL for i in wanted):
            return time.time() - began
        time.sleep(poll)
    return None


def audit(cluster, schema, task_set, standin, results_dir, explain=None):
    """Audits every task of `task_set`. `explain(call, prediction)` may name why an extra create
    happened (a kill, a fault); an extra create nothing explains is a duplicate."""
    table = rows(cluster, schema)
    calls = standin.calls()
    stats = (http("GET", standin.base + "/_standin/stats", timeout=60).json or {}).get("predictions", {})
    id_by_tag = dict(task_set.by_tag)
    creates = collections.defaultdict(list)
    rejected = collections.defaultdict(int)
    foreign_creates = 0
    for call in calls:
        if call["kind"] != "create":
            continue
        match = GARMENT_URL.match(call.get("garm_img") or "")
        task = id_by_tag.get(match.group(1)) if match else None
        if task is None:
            foreign_creates += 1
            continue
        key = (task, int(match.group(2)))
        if call.get("prediction_id"):
            creates[key].append(call)
        else:
            rejected[key] += 1

    result = {"tasks": len(id_by_tag), "completed": 0, "failed": 0, "lost": [], "stuck": [], "duplicated": [],
              "processed_twice": [], "late": [], "missing_result_file": [], "attempts": collections.Counter(),
              "rescues": 0, "creates": 0, "rejected_creates": sum(rejected.values()),
              "creates_per_step": collections.Counter(), "extra_creates": collections.Counter(),
              "max_extra_per_step": 0, "failed_codes": collections.Counter(), "failed_messages": collections.Counter(),
              "foreign_creates": foreign_creates, "rows": table, "creates_by_step": creates,
              "rejected_by_step": rejected, "max_deadline_overshoot_s": float("-inf")}
    for task in id_by_tag.values():
        row = table.get(task)
        if row is None:
            result["lost"].append(task)
            continue
        result["attempts"][row["attempt"]] += 1
        result["rescues"] += row["rescues"]
        if row["status"] not in TERMINAL:
            (result["stuck"] if row["now"] >= row["deadline"] else result["lost"]).append(task)
            continue
        result[row["status"]] += 1
        if row["completed_at"] is not None:
            overshoot = row["completed_at"] - row["deadline"]
            result["max_deadline_overshoot_s"] = max(result["max_deadline_overshoot_s"], overshoot)
        if row["status"] == "failed":
            result["failed_codes"][row["error_code"] or "(none)"] += 1
            result["failed_messages"][row["error_message"] or "(none)"] += 1
        elif row["step"] != row["total_steps"] or not row["result_url"]:
            result["lost"].append(task)
        else:
            name = row["result_url"].rsplit("/", 2)
            if not os.path.exists(os.path.join(results_dir, name[-2], name[-1])):
                result["missing_result_file"].append(task)
        for step in range(row["total_steps"]):
            made = creates.get((task, step), [])
            result["creates"] += len(made)
            result["creates_per_step"][len(made)] += 1
            downloaded = {c["prediction_id"] for c in made if stats.get(c["prediction_id"], {}).get("files", 0) > 0}
            if len(downloaded) > 1:
                result["processed_twice"].append((task, step))
            if row["status"] == "completed" and not made:
                result["lost"].append(task)
            extras_here = collections.Counter()
            # Every prediction of the step but the last was superseded: each needs a reason.
            for call in made[:-1]:
                prediction = stats.get(call["prediction_id"], {})
                reason = None
                if prediction.get("status") in ("failed", "canceled"):
                    reason = "new prediction after a failed one"
                elif call.get("dropped"):
                    reason = "create answered by a dropped connection"
                elif call.get("heldMs", 0) >= CLIENT_TIMEOUT_S * 1000:
                    reason = "create held past the client timeout"
                elif explain is not None:
                    reason = explain(call, prediction)
                label = reason or "unexplained"
                extras_here[label] += 1
                result["extra_creates"][label] += 1
                if reason is None:
                    result["duplicated"].append((task, step, call["prediction_id"]))
            result["max_extra_per_step"] = max(result["max_extra_per_step"], sum(extras_here.values()))
    return result


def attempts_text(counter):
    return ", ".join(f"{n} task{'s' if n != 1 else ''} x{a}" for a, n in sorted(counter.items()))
