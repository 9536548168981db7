"""RELIABILITY.md and the console tables, from the scenarios' `Result`s of this run."""
import datetime
import os

# The cluster's section (written by `make cluster`, cluster/report.py) sits between these lines;
# `write` carries it over when it writes the rest of the file anew.
CLUSTER_BEGIN = "<!-- cluster: written by make cluster (cluster/run); make chaos keeps this section -->"
CLUSTER_END = "<!-- /cluster -->"


def _cell(value):
    if isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _verdict(result):
    if not result.outcome and not result.failures:
        return "not run" if any(line.startswith("not run") for line in result.done) else "-"
    return "FAIL" if result.failures else "pass"


def section(result):
    lines = [f"## {result.title}", ""]
    lines += [f"- {line}" for line in result.done]
    if result.seconds:
        lines.append(f"- Took {result.seconds:.0f} s.")
    if result.counts:
        lines += ["", "| count | value |", "|---|---|"]
        lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in result.counts]
    if result.outcome:
        lines += ["", "| outcome | value | ok |", "|---|---|---|"]
        lines += [f"| {_cell(k)} | {_cell(v)} | {'yes' if ok else '**NO**'} |" for k, v, ok in result.outcome]
    lines += ["", f"Verdict: **{_verdict(result)}**", ""]
    return "\n".join(lines)


def summary_table(results):
    lines = ["| scenario | verdict | failed expectations |", "|---|---|---:|"]
    lines += [f"| {r.title} | {_verdict(r)} | {len(r.failures)} |" for r in results]
    return "\n".join(lines)


def document(results, short, seconds):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    head = [
        "# fnhost reliability",
        "",
        f"Written by `make chaos` (chaos/run{' --short' if short else ''}) on {when}, {os.cpu_count()} cores, "
        f"{memory} GiB, in {seconds:.0f} s. Every figure below comes from that run: the real stack (nginx, "
        "`fnhost serve`, PostgreSQL, the `replicate-standin` Replicate stand-in as a separate HTTP server), "
        "then an audit of every task from the database and the stand-in's call log.",
        "",
        "How the audit counts: **lost** = a task whose start was answered 200 but that is missing, or not "
        "`completed`/`failed` at the end while its deadline has not passed (or `completed` without its result); "
        "**stuck** = still `pending`/`processing` after its deadline; **duplicated** = a create for a (task, step) "
        "beyond the first that no injected cause explains (each create names its task and step through the "
        "garment URL it carries); **processed twice** = outputs of two different predictions downloaded for one "
        "(task, step); **5xx** = answers >= 500 or no answer at all, seen by clients; **crashes** = the host's "
        "own counters on its status page, against the kills this run made. Webhook faults are checked from the "
        "stand-in's log of its deliveries (each attempt, with the host's answer) and the host's record of "
        "verified completions (`replicate_prediction_events`).",
        "",
        summary_table(results),
        "",
    ]
    return "\n".join(head + [section(r) for r in results])


def write(path, text):
    """Writes `text` to `path`, followed by the cluster's section of the file there now, if any."""
    kept = ""
    try:
        with open(path) as f:
            existing = f.read()
        if CLUSTER_BEGIN in existing and CLUSTER_END in existing:
            kept = CLUSTER_BEGIN + existing.split(CLUSTER_BEGIN, 1)[1].split(CLUSTER_END, 1)[0] + CLUSTER_END + "\n"
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n" + ("\n" + kept if kept else ""))
