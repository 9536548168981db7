"""Sections for the hostile-input work of other branches, run when it is present.

- `scripts/fuzz --runs N --summary FILE.json` (libFuzzer targets);
- the corpus test `swift test --filter HostileInputTests`, which writes its summary to $HOSTILE_SUMMARY.
Absent, the section says "not run" and does not fail the run. Their summaries are JSON objects
whose members are printed as they are (this runner does not guess their schema).
"""
import json
import os
import subprocess
import time

from harness import Result
from stack import ROOT


def _has_hostile_test():
    tests = os.path.join(ROOT, "Tests")
    for folder, _, files in os.walk(tests):
        for name in files:
            if name.endswith(".swift"):
                try:
                    with open(os.path.join(folder, name), errors="replace") as f:
                        if "HostileInputTests" in f.read():
                            return True
                except OSError:
                    pass
    return False


def _summary_rows(r, path):
    try:
        with open(path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as error:
        r.result("summary", f"unreadable: {error}", False, "a JSON summary")
        return None
    if isinstance(summary, dict):
        for key, value in summary.items():
            r.count(key, value if not isinstance(value, (dict, list)) else json.dumps(value)[:300])
    else:
        r.count("summary", json.dumps(summary)[:300])
    return summary


def fuzz(h, runs):
    r = Result("Fuzzing (scripts/fuzz)")
    script = os.path.join(ROOT, "scripts", "fuzz")
    if not os.access(script, os.X_OK):
        r.done.append("not run: scripts/fuzz is not in this tree.")
        return r
    summary = os.path.join(h.scratch, "fuzz-summary.json")
    out = subprocess.run([script, "--runs", str(runs), "--summary", summary], cwd=ROOT, capture_output=True,
                         text=True)
    r.done.append(f"scripts/fuzz --runs {runs}: exit {out.returncode}.")
    _summary_rows(r, summary)
    r.result("fuzz exit status", str(out.returncode), out.returncode == 0, "0")
    if out.returncode != 0:
        r.done.append("Output tail: " + (out.stdout + out.stderr)[-600:].replace("\n", " "))
    r.seconds = time.time() - r.began
    return r


def hostile(h):
    r = Result("Hostile-input corpus (HostileInputTests)")
    if not _has_hostile_test():
        r.done.append("not run: HostileInputTests is not in this tree.")
        return r
    summary = os.path.join(h.scratch, "hostile-summary.json")
    env = dict(os.environ, HOSTILE_SUMMARY=summary, DATABASE_URL=h.cluster.url)
    out = subprocess.run(["swift", "test", "--filter", "HostileInputTests"], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    r.done.append(f"swift test --filter HostileInputTests: exit {out.returncode}.")
    _summary_rows(r, summary)
    r.result("test exit status", str(out.returncode), out.returncode == 0, "0")
    r.seconds = time.time() - r.began
    return r
