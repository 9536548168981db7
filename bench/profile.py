"""Instructions per request of a shipped function in its worker process, counted by valgrind's
callgrind (instruction counts are stable on a noisy machine, unlike times).

Starts a private PostgreSQL and `fnhost serve` under callgrind (nginx is not traced) with the function
alone at concurrency 1, warms the worker up, zeroes its counters, sends --requests keep-alive requests
through nginx, dumps the counters and prints the instructions per request and the functions that cost
the most. --function status (default): GET of one stored task; --function start: POSTs of a valid
one-garment request (each stores a task; the worker trigger is off). Writes
reports/profile-<function>.txt with the same text and keeps the dump as bench/out/callgrind.<function>
(for callgrind_annotate or kcachegrind).

valgrind 3.19 cannot read the DWARF 5 the Swift toolchain emits, so the binary is profiled from a
copy without debug sections (`strip -g`; symbols stay).
Options: --function status|start, --requests N (default 2000), --build debug|release (default release).
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from .fnbench import jobs, processes

ROOT = processes.ROOT
STATUS = "replicate-async-status"
START = "replicate-async-start"


def self_costs(dump):
    """Instructions spent in each function itself, read from the callgrind file (callgrind_annotate
    3.19 attributes all self cost of a dump taken after --zero to the outermost frame). A cost line
    right after `calls=` is a callee's inclusive cost and is not the caller's own."""
    names, costs, function, after_call = {}, {}, None, False
    with open(dump) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("fn="):
                key, _, name = line[3:].partition(" ")
                if name:
                    names[key] = name
                function = names.get(key, key)
            elif line.startswith("cfn="):
                key, _, name = line[4:].partition(" ")
                if name:
                    names[key] = name
            elif line.startswith("calls="):
                after_call = True
            elif line and (line[0].isdigit() or line[0] in "+-*"):
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and function:
                    costs[function] = costs.get(function, 0) + int(parts[1])
    return sorted(costs.items(), key=lambda item: -item[1])


def requests(port, path, count, headers, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        connection.request("POST" if body else "GET", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise SystemExit(f"profile: {path} answered {response.status}: {answer[:200]!r}")
    connection.close()


def main():
    parser = argparse.ArgumentParser(prog="bench/profile")
    parser.add_argument("--function", choices=["status", "start"], default="status")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--build", choices=["debug", "release"], default="release")
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    function = STATUS if args.function == "status" else START
    output = args.output or os.path.join(ROOT, "reports", f"profile-{args.function}.txt")
    bin_dir = processes.binaries(args.build)
    run_dir = tempfile.mkdtemp(prefix="fnp-", dir="/tmp")
    os.chmod(run_dir, 0o755)
    binary = os.path.join(run_dir, "fnhost")
    shutil.copy(os.path.join(bin_dir, "fnhost"), binary)
    subprocess.run(["strip", "-g", binary], check=True)
    functions = os.path.join(run_dir, "functions")
    os.makedirs(os.path.join(functions, function))
    with open(os.path.join(ROOT, "functions", "func2url.json")) as f:
        urls = json.load(f)
    with open(os.path.join(functions, "func2url.json"), "w") as f:
        json.dump({function: urls[function]}, f)
    with open(os.path.join(functions, function, "function.json"), "w") as f:
        json.dump({"timeout": 60, "concurrency": 1}, f)

    database = processes.Postgres(os.path.join(run_dir, "pg"))
    host = None
    try:
        database.migrate(bin_dir, "profile")
        # One task to read, stored through the real start function on an ordinary host.
        starter = processes.Fnhost(os.path.join(bin_dir, "fnhost"), "functions", os.path.join(run_dir, "starter"),
                                   "/" + STATUS, env={"DATABASE_URL": database.url, "MAIN_DB_SCHEMA": "profile",
                                                      "WORKER_TRIGGER": "off"}, extra=["--no-timers"])
        task_id, _ = jobs.start_task(starter.url + "/replicate-async-start", jobs.start_body(0, 1))
        starter.stop()
        callgrind_out = os.path.join(run_dir, "callgrind.out.%p")
        port = processes.free_port()
        log = open(os.path.join(run_dir, "serve.log"), "w")
        host = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--trace-children=yes", "--trace-children-skip=*nginx*",
             f"--callgrind-out-file={callgrind_out}", "--dump-instr=no", binary, "serve", "--functions", functions,
             "--port", str(port), "--run-dir", os.path.join(run_dir, "host"), "--admin-port", "0", "--no-timers"],
            cwd=ROOT, stdout=log, stderr=log, env=dict(os.environ, DATABASE_URL=database.url, MAIN_DB_SCHEMA="profile",
                                                       WORKER_TRIGGER="off"))
        headers = {"X-User-Id": jobs.USER}
        if function == STATUS:
            path, body = f"/{STATUS}?task_id={task_id}", None
            processes.wait_http(f"http://127.0.0.1:{port}{path}", deadline=120, headers=headers)
        else:
            path, body = f"/{START}", jobs.start_body(1, 1).encode()
            headers["Content-Type"] = "application/json"
            processes.wait_http(f"http://127.0.0.1:{port}{path}", deadline=120)  # a GET: 405 JSON means up
        requests(port, path, 200, headers, body)  # warm: connection, prepared statements, caches
        workers = [pid for pid in processes.descendants(host.pid) if "--function" in open(f"/proc/{pid}/cmdline").read()]
        if len(workers) != 1:
            raise SystemExit(f"profile: expected one {function} worker, found {workers}")
        worker = workers[0]
        subprocess.run(["callgrind_control", "--zero", str(worker)], check=True, capture_output=True)
        requests(port, path, args.requests, headers, body)
        subprocess.run(["callgrind_control", "--dump=measured", str(worker)], check=True, capture_output=True)
        time.sleep(1)
        dumps = [os.path.join(run_dir, name) for name in os.listdir(run_dir)
                 if name.startswith(f"callgrind.out.{worker}.")]
        if not dumps:
            raise SystemExit("profile: callgrind wrote no dump for the worker")
        dump = max(dumps, key=os.path.getmtime)
        os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
        dump = shutil.copy(dump, os.path.join(ROOT, "bench", "out", f"callgrind.{args.function}"))
        own = self_costs(dump)
        inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", dump],
                                   capture_output=True, text=True, check=True).stdout
    finally:
        if host:
            host.terminate()
            try:
                host.wait(timeout=60)
            except subprocess.TimeoutExpired:
                host.kill()
        database.stop()

    total = sum(cost for _, cost in own)
    per_request = total / args.requests

    def top(text, count):
        lines = [line for line in text.splitlines() if "(" in line and "%)" in line and "PROGRAM TOTALS" not in line]
        return [line[:200] for line in lines[:count]]

    what = "GETs of one stored task" if function == STATUS else "POSTs of a one-garment try-on"
    report = [f"{function} worker, {args.build} build, {args.requests} keep-alive {what} through nginx: "
              f"{per_request:,.0f} instructions per request (callgrind Ir, worker process only).",
              "", "Self cost per request, top 30 (instructions, share):",
              *[f"{cost / args.requests:>9,.0f}  {100 * cost / total:5.1f}%  {name[:160]}" for name, cost in own[:30]],
              "", "Inclusive cost, top 40 (whole run):", *top(inclusive, 40), ""]
    text = "\n".join(report)
    print(text)
    with open(output, "w") as f:
        f.write(text)
    shutil.rmtree(run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
