"""make bench: the hot paths side by side with their peers and ceilings, in one run on one machine.

Everything runs under the same nginx build (1 worker process), the same PostgreSQL cluster and the
same offline Replicate stand-in (zero delay), each on free loopback ports in a private folder:

  throughput  nginx static `return 200` (the ceiling), a trivial function on fnhost (the host's
              overhead), replicate-async-status for an existing task, the same status handler in
              Python as poehali.dev writes it (psycopg2, a connection per request; and a persistent
              variant) under gunicorn behind nginx, and `pgbench -S` (the database's ceiling);
  python      Python functions (bench/functions-python) on fnhost's fnhost-python workers against the
              same files under gunicorn (4 sync workers each) behind the bench's nginx: a trivial
              handler, and the status handler above (bench/peers/status_peer.py, a connection per
              request) with the function's own psycopg2-binary on both sides;
  reload      hot reload: from saving a Python function's index.py to the first answer of the new
              code, with the host idle and under light load;
  start       replicate-async-start with the worker trigger on (predictions taking 2 x 1.5 s, so
              the triggered workers wait on the stand-in as on Replicate), with the worker's URL
              silent (accepts, never answers) and refusing connections;
  drain       1,000 one-garment and 300 three-garment queued tasks drained by the timer plus
              parallel worker invocations;
  pickup      start's answer to the task being claimed, with the trigger and with the timer only;
  webhook drain  on a stand-in of its own whose predictions take 10 s (5 s per phase, each phase
              jittered by up to 1 s): a lone one-garment and a lone three-garment task (each one's
              own time), then 200 one-garment and 50 three-garment tasks started in one burst
              through replicate-async-start, advanced by the stand-in's signed webhooks; first,
              median and last completion against the own time, with the busy worker processes and
              the database's connections sampled every 0.5 s while they wait;
  front       replicate-async-status for one task straight to one host, then through `fnhost front`
              before 1, 2 and 3 `serve --cluster` hosts on this machine (one database); on 2 cores the
              hosts share the CPU, so the rows price the front and its extra hop, not scaling;
  memory      RSS and PSS of a warm worker process of each function (Swift and Python, and of the
              gunicorn peers' workers) and of the whole stack at idle.

Absolute numbers drift on a shared machine; the ratios within one run are the result.
Options: --duration SECONDS per wrk row (default 5), --connections 1,16,64, --smoke (1-second rows,
small job phases, debug build: checks that every row produced a number; what `make test` runs),
--build debug|release (default release; debug with --smoke), --output FILE (default reports/bench-results.md),
--only SECTION,... (requests, start, drain, pickup, webhook-drain: the requests section is the
throughput, python, reload and memory rows; a partial run prints its table and writes no file),
--python-envs DIR: where the Python functions' environments are built and kept (default
$FNHOST_BENCH_PYTHON_ENVS or .run/bench/python-envs; the first run installs from PyPI).
Needs wrk, pgbench, gunicorn and python3-psycopg2 (scripts/install-deps installs them).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

from .fnbench import jobs, load, memory, processes, reload
from .fnbench.report import Report

ROOT = processes.ROOT
START = "/replicate-async-start"
STATUS = "/replicate-async-status"
WORKER = "/replicate-async-worker"
SECTIONS = ("requests", "front", "start", "drain", "pickup", "webhook-drain")


def main():
    parser = argparse.ArgumentParser(prog="bench/run")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", default=None)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--build", choices=["debug", "release"], default=None)
    parser.add_argument("--output", default=os.path.join(ROOT, "reports", "bench-results.md"))
    parser.add_argument("--python-envs", default=os.environ.get("FNHOST_BENCH_PYTHON_ENVS")
                        or os.path.join(ROOT, ".run", "bench", "python-envs"))
    parser.add_argument("--only", default=None, help="comma-separated sections: " + ", ".join(SECTIONS))
    args = parser.parse_args()
    selected = set(SECTIONS)
    if args.only:
        selected = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = selected - set(SECTIONS)
        if unknown or not selected:
            parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown)) or '(none given)'}; "
                         f"known: {', '.join(SECTIONS)}")
    duration = 1 if args.smoke else args.duration
    counts = [int(c) for c in (args.connections or ("16" if args.smoke else "1,16,64")).split(",")]
    config = args.build or ("debug" if args.smoke else "release")
    sizes = {"drain1": 20, "drain3": 6, "pickup": 10, "timer_window": 6,
             "webhook1": 10, "webhook3": 3, "webhook_delay_ms": 200, "webhook_jitter_ms": 50} if args.smoke else \
        {"drain1": 1000, "drain3": 300, "pickup": 100, "timer_window": 40,
         "webhook1": 200, "webhook3": 50, "webhook_delay_ms": 5000, "webhook_jitter_ms": 1000}
    saves, settle = (1, 0.3) if args.smoke else (10, 1.0)

    bin_dir = processes.binaries(config)
    run_dir = tempfile.mkdtemp(prefix="fnb-", dir="/tmp")  # short: PostgreSQL's socket path has a limit
    os.chmod(run_dir, 0o755)
    report = Report(duration, config, counts)
    started = []

    def keep(service):
        started.append(service)
        return service

    try:
        database = keep(processes.Postgres(os.path.join(run_dir, "pg")))
        standin = keep(processes.StandIn(bin_dir, os.path.join(run_dir, "standin"), delay_ms=0))
        base_env = {"DATABASE_URL": database.url, "REPLICATE_API_TOKEN": "r8_bench",
                    "REPLICATE_BASE_URL": standin.base}

        def stack(name, schema, env=None, extra=()):
            database.migrate(bin_dir, schema)
            return keep(processes.Fnhost(os.path.join(bin_dir, "fnhost"), "functions", os.path.join(run_dir, name),
                                         STATUS, env=dict(base_env, MAIN_DB_SCHEMA=schema, **(env or {})),
                                         extra=extra))

        def stop(service):
            service.stop()
            started.remove(service)

        user = {"X-User-Id": jobs.USER}
        if "requests" in selected:
            # Throughput: the ceiling, the host's overhead, status and its Python peers, the database.
            database.migrate(bin_dir, "transport")
            peer_env = {"DATABASE_URL": database.url, "MAIN_DB_SCHEMA": "transport"}
            peers = {name: keep(processes.Gunicorn(os.path.join(run_dir, "peers"), name, 4,
                                                   dict(peer_env, PEER_CONNECTION=name)))
                     for name in ("per-request", "persistent")}
            # Python functions: a copy of bench/functions-python (links resolved, so the reload phase can
            # save into it), served by fnhost; gunicorn serves the same files, the status peer with the
            # function's own environment first on its path (the same psycopg2 on both sides).
            python_functions = os.path.join(run_dir, "functions-python")
            shutil.copytree(os.path.join(ROOT, "bench", "functions-python"), python_functions)
            fnhost = os.path.join(bin_dir, "fnhost")
            environments = processes.python_environments(fnhost, python_functions, os.path.abspath(args.python_envs))
            status_path = {"PYTHONPATH": processes.site_packages(environments["status"])}
            python_peers = {
                "py-hello": keep(processes.Gunicorn(os.path.join(run_dir, "peers"), "py-hello", 4, {},
                                                    handler=os.path.join(ROOT, "bench", "functions-python", "hello",
                                                                         "index.py"))),
                "py-status": keep(processes.Gunicorn(os.path.join(run_dir, "peers"), "py-status", 4,
                                                     dict(peer_env, **status_path),
                                                     handler=os.path.join(ROOT, "bench", "functions-python", "status",
                                                                          "index.py"))),
            }
            python_host = keep(processes.Fnhost(fnhost, python_functions, os.path.join(run_dir, "python"), "/hello",
                                                env=peer_env,
                                                extra=["--python-envs", os.path.abspath(args.python_envs)]))
            gunicorn_python = processes.interpreter_of(shutil.which("gunicorn") or "/usr/bin/gunicorn")
            report.note("Python status rows: fnhost's function imports "
                        + processes.psycopg2_of(os.path.join(environments["status"], "bin", "python3"))
                        + "; its gunicorn peer imports " + processes.psycopg2_of(gunicorn_python, status_path)
                        + ". The older Python status peers use Debian's: " + processes.psycopg2_of(gunicorn_python)
                        + ".")
            front = keep(processes.BenchNginx(run_dir, {name: peer.socket
                                                        for name, peer in {**peers, **python_peers}.items()}))
            hello = keep(processes.Fnhost(os.path.join(bin_dir, "fnhost-testhost"),
                                          os.path.join(ROOT, "bench", "functions"), os.path.join(run_dir, "hello"),
                                          "/hello"))
            shipped = stack("shipped", "transport")
            task_id, _ = jobs.start_task(shipped.url + START, jobs.start_body(0, 1))
            jobs.wait_terminal(jobs_view := jobs.Tasks(database.url, "transport"), [task_id], timeout=60)
            jobs_view.close()
            status_query = f"?task_id={task_id}"
            status_urls = [front.url + "/" + name for name in (*peers, "py-status")] + [python_host.url + "/status"]
            for url in status_urls:  # the peers and the Python function answer the same task the same way
                request = urllib.request.Request(url + status_query, headers=user)
                check = json.loads(urllib.request.urlopen(request).read())
                if check.get("status") != "completed":
                    raise SystemExit(f"bench: {url} answered {check}")
            for url in (front.url + "/py-hello", python_host.url + "/hello"):
                check = json.loads(urllib.request.urlopen(url).read())
                if check != {"ok": True}:
                    raise SystemExit(f"bench: {url} answered {check}")
            for c in counts:
                report.row("throughput", "nginx static return 200", c, load.wrk(front.url + "/static", c, duration))
                report.row("throughput", "hello on fnhost (4 workers)", c, load.wrk(hello.url + "/hello", c, duration))
                report.row("throughput", "hello on fnhost (16 workers)", c,
                           load.wrk(hello.url + "/hello-wide", c, duration))
                report.row("throughput", "status on fnhost (4 workers)", c,
                           load.wrk(shipped.url + STATUS + status_query, c, duration, headers=user))
                report.row("throughput", "status in Python, connection per request (gunicorn, 4 workers)", c,
                           load.wrk(front.url + "/per-request" + status_query, c, duration, headers=user))
                report.row("throughput", "status in Python, persistent connection (gunicorn, 4 workers)", c,
                           load.wrk(front.url + "/persistent" + status_query, c, duration, headers=user))
                report.row("throughput", "pgbench -S (primary-key read, prepared)", c,
                           load.pgbench_select(database.url, c, duration))
                report.row("python", "Python hello on fnhost (4 workers)", c,
                           load.wrk(python_host.url + "/hello", c, duration))
                report.row("python", "Python hello on gunicorn (4 sync workers)", c,
                           load.wrk(front.url + "/py-hello", c, duration))
                report.row("python", "Python status on fnhost, connection per request (4 workers)", c,
                           load.wrk(python_host.url + "/status" + status_query, c, duration, headers=user))
                report.row("python", "Python status on gunicorn, connection per request (4 sync workers)", c,
                           load.wrk(front.url + "/py-status" + status_query, c, duration, headers=user))
            time.sleep(0.5)
            report.memory_of_workers(hello.process.pid)
            report.memory_of_workers(shipped.process.pid)
            report.memory_of_workers(python_host.process.pid, "Python")
            report.memory_of_peer("warm gunicorn worker process, Python `hello`",
                                  python_peers["py-hello"].worker_pids())
            report.memory_of_peer("warm gunicorn worker process, Python `status`",
                                  python_peers["py-status"].worker_pids())
            report.memory_of_stack("idle stack: master, workers of the 3 functions, nginx", shipped.process.pid)
            for service in (hello, front, *peers.values(), *python_peers.values()):
                stop(service)

            # Hot reload: saves of the Python hello's index.py, idle, then under light load.
            index = os.path.join(python_functions, "hello", "index.py")
            with open(index) as f:
                original = f.read()
            report.reload("idle", reload.measure(index, original, python_host.url + "/hello", saves, 1, settle=settle))
            report.reload("light load (2 connections, each a request every 10 ms)",
                          reload.measure(index, original, python_host.url + "/hello", saves, saves + 1,
                                         load=(2, 0.01), settle=settle))
            stop(python_host)
            stop(shipped)

        if "start" in selected:
            # Start: requests/s and p99 with the trigger on, then with the worker's URL silent or refusing.
            body = jobs.start_body(1, 1)
            start_headers = dict(user, **{"Content-Type": "application/json"})
            silent = keep(processes.SilentServer())
            variants = [("start, worker trigger on", {}),
                        ("start, worker URL silent (never answers)",
                         {"WORKER_URL": f"http://127.0.0.1:{silent.port}/"}),
                        ("start, worker URL refusing connections",
                         {"WORKER_URL": f"http://127.0.0.1:{processes.free_port()}/"})]
            # Predictions take time again (1.5 s per phase), so triggered workers mostly wait on Replicate
            # as in production instead of competing with start for the CPU at zero delay.
            standin.set_faults(delayMs=1500)
            for index, (name, env) in enumerate(variants):
                host = stack(f"start{index}", f"start{index}", env=env)
                for c in counts:
                    report.row("start", name, c, load.wrk(host.url + START, c, duration, method="POST", body=body,
                                                          headers=start_headers))
                stop(host)
            stop(silent)
            standin.set_faults(delayMs=0)

        if "drain" in selected:
            # Drain: tasks queued with no worker running, then a fresh host drains them with its timer
            # and four parallel worker invocations (the worker's concurrency).
            for garments, size in ((1, sizes["drain1"]), (3, sizes["drain3"])):
                schema = f"drain{garments}"
                queueing = stack(f"queue{garments}", schema, env={"WORKER_TRIGGER": "off"}, extra=["--no-timers"])
                ids = jobs.queue_tasks(queueing.url + START, size, garments, first_index=1000 * garments)
                stop(queueing)
                draining = stack(f"drain{garments}", schema)
                view = jobs.Tasks(database.url, schema)
                result = jobs.drain(view, ids, garments, 1000 * garments, draining.url + WORKER, 4,
                                    standin.calls)
                view.close()
                report.drain(f"{size} queued {garments}-garment tasks", result)
                stop(draining)

        if "pickup" in selected:
            # Pickup: from start's answer to the worker's claim.
            for name, env, spacing, count in (
                    ("with the start trigger", {}, (0.02, 0.08), sizes["pickup"]),
                    ("trigger lost (timer every 5 s only)", {"WORKER_TRIGGER": "off"}, None, None)):
                schema = "pickup_trigger" if not env else "pickup_timer"
                host = stack(schema, schema, env=env)
                view = jobs.Tasks(database.url, schema)
                if spacing is None:  # arrivals spread over several timer periods
                    window = sizes["timer_window"]
                    count = max(4, window * 2)
                    spacing = (0, 2 * window / count)
                report.pickup(name, jobs.pickup(view, host.url + START, count, spacing, first_index=5000))
                view.close()
                stop(host)

        if "front" in selected:
            # The cluster's front: the same status request direct to one host and through the front
            # before 1, 2 and 3 hosts; each host a `serve --cluster` on the one database.
            database.migrate(bin_dir, "front")
            fnhost = os.path.join(bin_dir, "fnhost")
            hosts = [stack(f"front-h{n}", "front", extra=["--cluster", "--host-name", f"h{n}", "--no-watch"])
                     for n in (1, 2, 3)]
            task_id, _ = jobs.start_task(hosts[0].url + START, jobs.start_body(0, 1))
            jobs.wait_terminal(view := jobs.Tasks(database.url, "front"), [task_id], timeout=60)
            view.close()
            path = STATUS + f"?task_id={task_id}"
            for c in counts:
                report.row("front", "status straight to one host", c, load.wrk(hosts[0].url + path, c, duration,
                                                                             headers=user))
            for size in (1, 2, 3):
                front = keep(processes.Front(fnhost, os.path.join(run_dir, f"front{size}"),
                                             [f"127.0.0.1:{host.port}" for host in hosts[:size]], "/_fnhost/health"))
                for c in counts:
                    report.row("front", f"status through the front, {size} host{'s' if size > 1 else ''}", c,
                               load.wrk(front.url + path, c, duration, headers=user))
                stop(front)
            for c in counts:
                direct, fronted = report.find("status straight to one host", c), report.find("status through the front, 1 host", c)
                if direct and fronted and direct["rps"] and direct["p50"] is not None and fronted["p50"] is not None:
                    report.note(f"Front, c={c}: one host through the front serves {fronted['rps'] / direct['rps']:.2f} of "
                                f"its requests/s straight; the hop adds {fronted['p50'] - direct['p50']:.2f} ms at p50.")
            for host in hosts:
                stop(host)

        # Webhook drain: tasks that wait for Replicate without a process, on a stand-in whose
        # predictions take as long as real ones (2 phases of 5 s, each jittered), delivering signed
        # webhooks to this host's replicate-webhook; trigger, timers and pool sizes as shipped.
        if "webhook-drain" in selected:
            delay, jitter = sizes["webhook_delay_ms"], sizes["webhook_jitter_ms"]
            slow = keep(processes.StandIn(bin_dir, os.path.join(run_dir, "standin-webhooks"), delay_ms=delay,
                                          extra=["--delay-jitter-ms", str(jitter)]))
            host = stack("webhook_drain", "webhook_drain", env={"REPLICATE_BASE_URL": slow.base})
            view = jobs.Tasks(database.url, "webhook_drain")
            result = jobs.webhook_drain(view, host, host.url + START, sizes["webhook1"], sizes["webhook3"],
                                        first_index=20000, timeout=120 if args.smoke else 600)
            view.close()
            totals = slow.stats().get("totals") or {}
            result["deliveries"] = totals.get("webhooksSucceeded")
            result["gets"] = totals.get("gets")
            report.webhook_drain("burst", result, f"{delay} ms ± up to {jitter} ms per phase, 2 phases per prediction")
            stop(host)
            stop(slow)
    finally:
        for service in reversed(started):
            try:
                service.stop()
            except Exception as error:
                print(f"bench: stopping {type(service).__name__}: {error}", file=sys.stderr)
        shutil.rmtree(run_dir, ignore_errors=True)

    text = report.markdown()
    print(text)
    missing = report.missing()
    if missing:
        print("bench: rows without a number: " + ", ".join(missing), file=sys.stderr)
        return 1
    if args.smoke:
        print(f"bench smoke: all {report.count()} rows produced numbers")
    elif args.only:
        print(f"bench: a partial run (--only {args.only}); {args.output} left as it is")
    else:
        with open(args.output, "w") as f:
            f.write(text)
        print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
