"""The cluster's section of reports/RELIABILITY.md, next to the single-host one `make chaos` writes.

The section sits between two marker lines (`BEGIN`, `END`): `write` replaces what is between them,
or appends the block when the file has none, and leaves everything else of the file as it was;
`make chaos`, which writes the rest of the file anew, carries the block over (chaos/report.py).
Each scenario is rendered by chaos's `section`, one heading level down.
"""
import datetime
import os

from chaos import report as chaos_report
from tools.fnhoststack import ROOT

DEFAULT_OUTPUT = os.path.join(ROOT, "reports", "RELIABILITY.md")
BEGIN = chaos_report.CLUSTER_BEGIN
END = chaos_report.CLUSTER_END
COLUMNS = ("failed requests", "longest error window, s", "tasks lost", "processed twice", "extra creates",
           "ticks doubled / missed", "images not fetched")


def _cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def summary_table(results):
    """One row per scenario: the figures every scenario reports, and its verdict."""
    lines = ["| scenario | " + " | ".join(COLUMNS) + " | verdict |", "|---|" + "---:|" * len(COLUMNS) + "---|"]
    for r in results:
        figures = getattr(r, "figures", {})
        verdict = "FAIL" if r.failures else ("pass" if r.outcome else "-")
        lines.append(f"| {_cell(r.title)} | " + " | ".join(_cell(figures.get(c, "-")) for c in COLUMNS)
                     + f" | {verdict} |")
    return "\n".join(lines)


def block(results, seconds, short):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        "## Cluster: three hosts behind one front (make cluster)",
        "",
        f"Written by `make cluster` (cluster/run{' --short' if short else ''}) on {when}, {os.cpu_count()} cores, "
        f"in {seconds:.0f} s. Three `fnhost serve --cluster` hosts, the front (`fnhost front`), one PostgreSQL and the "
        "`replicate-standin` Replicate stand-in, each in its own network namespace on one bridge (addresses that "
        "exist only inside them); the load is simulated try-on pages in a namespace of their own that reach the "
        "front only. Each host has its own run folder and log. Every figure below was measured in that run.",
        "",
        "How it counts: **failed requests** = answers other than 200 (or no answer, or a result that is not a "
        "PNG) seen by the pages, by kind and status; **error window** = for one page, from sending the first of "
        "a run of failed requests to the answer of the last of them (pages poll every 3 s, so two failures in a "
        "row make a window of at least 3 s); **lost** = a started task not completed or failed at the end; "
        "**processed twice** = outputs of two predictions downloaded for one step; **extra creates** = "
        "predictions beyond one per step in the stand-in's call log (each must be explained by a fault of this "
        "scenario near it); **ticks** = the worker's `drain-queue` timer ticks in the scenario, counted from "
        "every host's `timer_fired` lines: fired by two hosts (doubled) or by none (missed); **images not "
        "fetched** = result images the pages, or a final check of every completed task, could not GET through "
        "the front.",
        "",
        summary_table(results),
        "",
    ]
    for r in results:
        lines.append("#" + chaos_report.section(r))
    lines.append(END)
    return "\n".join(lines) + "\n"


def write(path, results, seconds, short=False):
    text = block(results, seconds, short)
    try:
        with open(path) as f:
            existing = f.read()
    except FileNotFoundError:
        existing = ""
    if BEGIN in existing and END in existing:
        head, rest = existing.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        updated = head + text + tail
    else:
        updated = existing.rstrip("\n") + ("\n\n" if existing else "") + text
    with open(path, "w") as f:
        f.write(updated)
