"""The run's figures and their rendering: the markdown table reports/bench-results.md holds, with the
issue's targets checked against this run's own numbers."""
import datetime
import os

from . import memory, processes


def _fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


class Report:
    def __init__(self, duration, config, counts):
        self.duration = duration
        self.config = config
        self.counts = counts
        self.rows = []        # (section, name, connections, result)
        self.memory = []      # (what, rss kB, pss kB, processes, held to the Swift worker's 20 MB target)
        self.drains = []      # (name, result)
        self.pickups = []     # (name, result)
        self.reloads = []     # (name, result)
        self.webhook_drains = []  # (name, result, stand-in delay text)
        self.notes = []       # lines under the requests table (which library each Python row uses)

    def row(self, section, name, connections, result):
        self.rows.append((section, name, connections, result))
        print(f"  {name} c={connections}: {result['rps']:.0f}/s p99 {_fmt(result['p99'])} ms", flush=True)

    def memory_of_workers(self, master_pid, language=None):
        """One warm worker process per function of the host whose master is `master_pid` (the largest
        RSS among that function's workers). `language` ("Python") names rows of a non-Swift host,
        which the Swift workers' 20 MB target does not cover."""
        best = {}
        for pid in processes.children(master_pid):
            function = memory.function_of(pid)
            if function:
                rss, pss = memory.rss_kb(pid), memory.pss_kb(pid)
                if rss > best.get(function, (0, 0))[0]:
                    best[function] = (rss, pss)
        for function, (rss, pss) in sorted(best.items()):
            if language:
                self.memory.append((f"warm {language} `{function}` worker process (fnhost)", rss, pss, 1, False))
            else:
                self.memory.append((f"warm `{function}` worker process", rss, pss, 1, True))

    def memory_of_peer(self, what, pids):
        """The warm process with the largest RSS among `pids` (a gunicorn peer's workers)."""
        sizes = [(memory.rss_kb(pid), memory.pss_kb(pid)) for pid in pids]
        rss, pss = max(sizes) if sizes else (0, 0)
        self.memory.append((what, rss, pss, 1, False))

    def memory_of_stack(self, what, master_pid):
        pids = [master_pid] + processes.descendants(master_pid)
        self.memory.append((what, sum(memory.rss_kb(p) for p in pids), sum(memory.pss_kb(p) for p in pids),
                            len(pids), False))

    def drain(self, name, result):
        self.drains.append((name, result))
        print(f"  drain {name}: {result['tasks_per_s']:.0f} tasks/s", flush=True)

    def pickup(self, name, result):
        self.pickups.append((name, result))
        print(f"  pickup {name}: p50 {_fmt(result['p50_ms'])} ms, p99 {_fmt(result['p99_ms'])} ms", flush=True)

    def webhook_drain(self, name, result, delay):
        self.webhook_drains.append((name, result, delay))
        for garments, g in sorted(result["groups"].items()):
            print(f"  webhook drain {g['tasks']} x {garments}-garment: first {_fmt(g['first_s'])} s, median "
                  f"{_fmt(g['median_s'])} s, last {_fmt(g['last_s'])} s; own {_fmt(g['own_s'])} s, last/own "
                  f"{_fmt(g['ratio'])}; failed {g['failed']}, unfinished {g['unfinished']}", flush=True)
        print(f"  webhook drain: busy workers at most {result['busy']}, database connections at most "
              f"{result['connections']} ({result['samples']} samples)", flush=True)

    def reload(self, name, result):
        self.reloads.append((name, result))
        print(f"  hot reload {name}: median {_fmt(result['p50_ms'])} ms, max {_fmt(result['max_ms'])} ms "
              f"({result['answered']} of {result['saves']} saves)", flush=True)

    def note(self, text):
        self.notes.append(text)

    def count(self):
        return (len(self.rows) + len(self.memory) + len(self.drains) + len(self.pickups) + len(self.reloads)
                + len(self.webhook_drains))

    def missing(self):
        gaps = [f"{name} c={c}" for _, name, c, r in self.rows if not r["rps"]]
        gaps += [name for name, r in self.drains if not r["tasks_per_s"] or r["visible_p50_ms"] is None]
        gaps += [name for name, r in self.pickups if r["p50_ms"] is None or r["not_picked_up"]]
        gaps += [f"hot reload {name}" for name, r in self.reloads if r["p50_ms"] is None or r["unanswered"]]
        gaps += [what for what, rss, *_ in self.memory if not rss]
        measured_requests = any(section == "throughput" for section, *_ in self.rows)
        if measured_requests and not any("worker process" in what for what, *_ in self.memory):
            gaps.append("worker memory")
        for name, r, _ in self.webhook_drains:
            for garments, g in r["groups"].items():
                if g["ratio"] is None or g["median_s"] is None or g["failed"] or g["unfinished"]:
                    gaps.append(f"{name}, {garments}-garment tasks")
            if not r["samples"] or not r["connections"] or not r["busy"]["replicate-async-worker"]:
                gaps.append(f"{name}: processes and connections")
        return gaps

    def find(self, name, connections):
        """The row named exactly `name` at `connections`, or None."""
        for _, row_name, c, r in self.rows:
            if row_name == name and c == connections:
                return r
        return None

    def _rps(self, prefix, connections):
        for _, name, c, r in self.rows:
            if name.startswith(prefix) and c == connections:
                return r
        return None

    def targets(self):
        """The issue's targets, each with this run's figure and whether it is met."""
        lines = []
        high = max(self.counts)
        mid = 16 if 16 in self.counts else high

        def ratio(a, b, c):
            x, y = self._rps(a, c), self._rps(b, c)
            return x["rps"] / y["rps"] if x and y and y["rps"] else None

        def p99_ratio(a, b, c):
            x, y = self._rps(a, c), self._rps(b, c)
            return x["p99"] / y["p99"] if x and y and x["p99"] is not None and y["p99"] else None

        def check(label, value, goal, good):
            verdict = "-" if value is None else ("met" if good(value) else "NOT met")
            lines.append(f"| {label} | {goal} | {_fmt(value)} | {verdict} |")

        for c in self.counts:
            check(f"status / Python per-request peer, c={c}", ratio("status on fnhost", "status in Python, connection per", c),
                  ">= 30", lambda v: v >= 30)
            check(f"status / Python persistent peer, c={c}", ratio("status on fnhost", "status in Python, persistent", c),
                  ">= 4", lambda v: v >= 4)
            check(f"status / hello (4 workers), c={c}", ratio("status on fnhost", "hello on fnhost (4", c), ">= 0.6",
                  lambda v: v >= 0.6)
            check(f"hello (4 workers) / nginx static, c={c}", ratio("hello on fnhost (4", "nginx static", c), ">= 0.2",
                  lambda v: v >= 0.2)
        for c in self.counts:
            for what in ("hello", "status"):
                if not self._rps(f"Python {what} on fnhost", c):
                    continue
                check(f"Python {what}: fnhost / gunicorn, c={c}",
                      ratio(f"Python {what} on fnhost", f"Python {what} on gunicorn", c), ">= 1", lambda v: v >= 1)
                check(f"Python {what}: p99 fnhost / gunicorn, c={c}",
                      p99_ratio(f"Python {what} on fnhost", f"Python {what} on gunicorn", c), "<= 1",
                      lambda v: v <= 1)
        for name, r in self.reloads:
            check(f"hot reload ms, {name}: median", r["p50_ms"], "< 1000", lambda v: v < 1000)
            check(f"hot reload ms, {name}: max", r["max_ms"], "< 1000", lambda v: v < 1000)
        status_high = self._rps("status on fnhost", high)
        check(f"status p99 ms, c={high}", status_high and status_high["p99"], "< 10", lambda v: v < 10)
        for _, name, c, r in self.rows:
            if name.startswith("start") and c == mid:
                check(f"{name}: p99 ms, c={c}", r["p99"], "< 15", lambda v: v < 15)
        for name, r in self.pickups:
            if "trigger lost" in name:
                check(f"pickup p99 ms, {name}", r["p99_ms"], "< 6000 (period + 1 s)", lambda v: v < 6000)
            else:
                check(f"pickup p50 ms, {name}", r["p50_ms"], "< 50", lambda v: v < 50)
        for name, r, _ in self.webhook_drains:
            g = r["groups"].get(1)
            if g:
                complete = not g["failed"] and not g["unfinished"]
                value = g["ratio"] if complete else None
                check(f"webhook drain: last of the {g['tasks']} one-garment tasks / one task's own time", value,
                      "<= 2 (worker pool 4)", lambda v: v <= 2)
        for what, rss, _, _, swift_worker in self.memory:
            if swift_worker:
                check(f"{what}: RSS MiB", rss / 1024, "< 20 MB (19.07 MiB)", lambda v: v < 20e6 / 2**20)
        return lines

    def markdown(self):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
        out = ["# fnhost benchmarks", "",
               f"Run {now} on {os.cpu_count()} cores, {memory_gib} GiB; {self.config} build; wrk {self.duration} s "
               "per row; nginx with 1 worker process everywhere; one PostgreSQL cluster (unix socket) and the "
               "Replicate stand-in at zero delay (the start rows: 1.5 s per phase; the webhook drain: its own "
               "stand-in, as its note says). Ratios are against nginx's static row at the same "
               "connection count; absolute numbers drift on this shared machine, the ratios within one run are the "
               "result.", "",
               "## Requests", "",
               "| row | connections | requests/s | ratio to nginx | p50 ms | p99 ms | non-2xx |",
               "|---|---:|---:|---:|---:|---:|---:|"]
        ceiling = {c: r["rps"] for _, name, c, r in self.rows if name.startswith("nginx")}
        for section, name, c, r in self.rows:
            ratio = r["rps"] / ceiling[c] if ceiling.get(c) else None
            p50 = _fmt(r["p50"]) + (" (avg)" if r.get("p50_is_average") else "")
            out.append(f"| {name} | {c} | {r['rps']:.0f} | {_fmt(ratio, 3)} | {p50} | {_fmt(r['p99'])} | "
                       f"{r['non2xx']} |")
        out += ["", "pgbench reports transactions/s and an average latency (no percentiles)."]
        out += [""] + self.notes if self.notes else []
        out += ["",
                "## Worker drain", "",
                "| queue | tasks | failed | seconds | tasks/s | prediction done to `completed` visible, p50 ms | p99 ms |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        for name, r in self.drains:
            out.append(f"| {name} | {r['tasks']} | {r['failed']} | {_fmt(r['seconds'])} | {_fmt(r['tasks_per_s'], 0)} | "
                       f"{_fmt(r['visible_p50_ms'])} | {_fmt(r['visible_p99_ms'])} |")
        out += ["", "Drained by the worker's 5-second timer plus 4 parallel worker invocations (its concurrency), "
                "each invocation chaining the next while tasks are ready; seconds run from the first claim to the "
                "last `completed`.", "",
                "## Pickup: start's answer to the task being `processing`", "",
                "| trigger | tasks | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for name, r in self.pickups:
            out.append(f"| {name} | {r['tasks']} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} | {_fmt(r['max_ms'])} |")
        if self.webhook_drains:
            out += ["", "## Webhook drain: a burst of tasks waiting for Replicate without a process", "",
                    "| tasks | failed | first s | median s | last s | one task's own s | last / own |",
                    "|---|---:|---:|---:|---:|---:|---:|"]
            for name, r, delay in self.webhook_drains:
                for garments, g in sorted(r["groups"].items()):
                    out.append(f"| {g['tasks']} {garments}-garment ({name}) | {g['failed'] + g['unfinished']} | "
                               f"{_fmt(g['first_s'])} | {_fmt(g['median_s'])} | {_fmt(g['last_s'])} | "
                               f"{_fmt(g['own_s'])} | {_fmt(g['ratio'])} |")
            out += [""]
            for name, r, delay in self.webhook_drains:
                busy, pools = r["busy"], r["pool_size"]
                out.append(
                    f"{name}: stand-in {delay}. All starts answered {_fmt(r['burst_s'])} s after the burst began. "
                    f"During the wait ({r['samples']} samples, every 0.5 s): at most "
                    f"{busy['replicate-async-worker']} of {pools['replicate-async-worker']} `replicate-async-worker` "
                    f"and {busy['replicate-webhook']} of {pools['replicate-webhook']} `replicate-webhook` workers "
                    f"busy ({r['busy_together']} together), at most {r['connections']} PostgreSQL connections "
                    f"(the bench's own left out). Advanced by {_fmt(r.get('deliveries'), 0)} webhook deliveries "
                    f"answered 2xx; predictions read by GET (the worker's checks): {_fmt(r.get('gets'), 0)}.")
            out += ["", "Completions are `completed_at` in each row, counted from the moment the burst's first start "
                    "was sent; one task's own time is a lone task's, from its start to `completed_at`, on the same "
                    "stack just before the burst (the one-garment and three-garment ones started together)."]
        if self.reloads:
            out += ["", "## Hot reload of a Python function", "",
                    "| host | saves | answered | median ms | max ms | background requests/s | failed requests |",
                    "|---|---:|---:|---:|---:|---:|---:|"]
            for name, r in self.reloads:
                out.append(f"| {name} | {r['saves']} | {r['answered']} | {_fmt(r['p50_ms'])} | {_fmt(r['max_ms'])} | "
                           f"{_fmt(r['load_rps'], 0)} | {r['requests_failed']} |")
            out += ["", "From just before the rename of a new `index.py` over the old one (as editors save) to the "
                    "end of the first answer produced by the new code, asked every 5 ms on a kept-alive connection; "
                    "the pool rolls for a second before the next save. Failed requests: answers other than 200 "
                    "during the saves."]
        out += ["", "## Memory", "", "| process | count | RSS MiB | PSS MiB |", "|---|---:|---:|---:|"]
        for what, rss, pss, n, _ in self.memory:
            out.append(f"| {what} | {n} | {rss / 1024:.1f} | {pss / 1024:.1f} |")
        out += ["", "RSS counts shared libraries in full in every process; PSS divides shared pages among the "
                "processes mapping them.", "", "## Targets", "",
                "Why the targets a 2-core run misses are missed: `docs/benchmarks.md`.", "",
                "| target | goal | this run | verdict |", "|---|---|---:|---|"]
        out += self.targets()
        return "\n".join(out) + "\n"
