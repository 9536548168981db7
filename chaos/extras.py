"""The hostile-input sections of RELIABILITY.md:

- `scripts/fuzz --runs N --summary FILE.json`: the libFuzzer targets, a row per target;
- the corpus test `swift test --filter HostileCorpusTests`, which writes its summary to
  $HOSTILE_SUMMARY: a row per function (inputs, answers by status, 5xx, crashes, database changed).
"""
import json
import os
import subprocess
import time

from tools.fnhoststack import ROOT

from .harness import Result


def _has_hostile_test():
    tests = os.path.join(ROOT, "Tests")
    for folder, _, files in os.walk(tests):
        for name in files:
            if name.endswith(".swift"):
                try:
                    with open(os.path.join(folder, name), errors="replace") as f:
                        if "HostileCorpusTests" in f.read():
                            return True
                except OSError:
                    pass
    return False


def _load(r, path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        r.result("summary", f"unreadable: {error}", False, "a JSON summary")
        return None


def fuzz(h, runs):
    r = Result("Fuzzing (scripts/fuzz)")
    script = os.path.join(ROOT, "scripts", "fuzz")
    if not os.access(script, os.X_OK):
        r.done.append("not run: scripts/fuzz is not in this tree.")
        return r
    summary = os.path.join(h.scratch, "fuzz-summary.json")
    out = subprocess.run([script, "--runs", str(runs), "--summary", summary], cwd=ROOT, capture_output=True,
                         text=True)
    r.done.append(f"scripts/fuzz --runs {runs}: each target run {runs:,} times under libFuzzer with "
                  "AddressSanitizer, from the committed seeds plus the working corpus of earlier runs.")
    data = _load(r, summary)
    for name, target in ((data or {}).get("targets") or {}).items():
        r.count(f"{name}: runs, exec/s, corpus", f"{target.get('runs')}, {target.get('execPerSecond')}, "
                f"{target.get('corpusSize')}")
        r.expect_zero(f"{name}: crashes", target.get("crashes", 0))
    r.result("fuzz exit status", str(out.returncode), out.returncode == 0, "0")
    if out.returncode != 0:
        r.done.append("Output tail: " + (out.stdout + out.stderr)[-600:].replace("\n", " "))
    r.seconds = time.time() - r.began
    return r


def hostile(h):
    r = Result("Hostile-input corpus (HostileCorpusTests)")
    if not _has_hostile_test():
        r.done.append("not run: HostileCorpusTests is not in this tree.")
        return r
    summary = os.path.join(h.scratch, "hostile-summary.json")
    env = dict(os.environ, HOSTILE_SUMMARY=summary, DATABASE_URL=h.cluster.url)
    out = subprocess.run(["swift", "test", "--filter", "HostileCorpusTests"], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    r.done.append("swift test --filter HostileCorpusTests: every request of the generated corpus sent through "
                  "nginx to the real stack (PostgreSQL, the stand-in); refused ones must get a 4xx JSON error "
                  "and leave replicate_tasks unchanged. The worker's requests that carry the right token are only "
                  "required never to get a 5xx (it ignores its body and answers 200 when no task is ready).")
    data = _load(r, summary) or {}
    for function, entry in sorted(data.items()):
        if not isinstance(entry, dict) or "inputs" not in entry:
            continue
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted((entry.get("by_status") or {}).items()))
        r.count(f"{function}: inputs", entry["inputs"])
        r.count(f"{function}: answers", statuses)
        r.expect_zero(f"{function}: 5xx", entry.get("server_errors", 0))
        r.expect_zero(f"{function}: rule violations", entry.get("rule_violations", 0))
        r.expect_zero(f"{function}: process crashes", entry.get("crashes", 0))
        r.result(f"{function}: database changed", "yes" if entry.get("database_changed") else "no",
                 not entry.get("database_changed"), "no")
    r.result("test exit status", str(out.returncode), out.returncode == 0, "0")
    r.seconds = time.time() - r.began
    return r
