"""make chaos: reliability scenarios against the real stack, each ending with an audit of every task.

  1. worker processes SIGKILLed under a 1,000-task backlog   (scenario_kills.py)
  2. PostgreSQL restarted under load                        (scenario_database.py)
  3. Replicate faults: 429, 500, hangs, drops, failures,    (scenario_replicate.py)
     and webhooks dropped, duplicated, failed, forged, and
     delivered after the task's deadline
  4. handler timeouts                                        (scenario_timeouts.py)
  5. nginx killed and the host restarted while pages poll    (scenario_restarts.py)
  6. signals and sockets: the master SIGKILLed and a new      (scenario_signals.py)
     serve on the same port, Ctrl-C and Ctrl-\\ under load,
     short FastCGI bodies under load, a request posing as a timer
  plus scripts/fuzz and the hostile-input corpus (HostileCorpusTests) in the full run (extras.py).

Uses the release build (or --build debug) of fnhost, replicate-standin and fnhost-testhost, and one private PostgreSQL
cluster (scripts/pg) with a schema per scenario. Writes reports/RELIABILITY.md.

Options: --short (fewer tasks and kills, no fuzzing: what `make test` runs, well under 2 minutes;
prints its table and writes nothing), --only 1,3 (some scenarios), --output FILE, --fuzz-runs N,
--build debug|release (default release).
Exit status 1 when any expectation failed.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback


from tools.fnhoststack import ROOT, Cluster, bin_dir

from . import (extras, report, scenario_database, scenario_kills, scenario_replicate, scenario_restarts,
               scenario_signals, scenario_timeouts)
from .harness import Harness, Result

SCENARIOS = {"1": scenario_kills.run, "2": scenario_database.run, "3": scenario_replicate.run,
             "4": scenario_timeouts.run, "5": scenario_restarts.run, "6": scenario_signals.run}


def main():
    parser = argparse.ArgumentParser(prog="chaos/run", description="fnhost chaos scenarios")
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--only", default="1,2,3,4,5,6")
    parser.add_argument("--output", default=os.path.join(ROOT, "reports", "RELIABILITY.md"))
    parser.add_argument("--fuzz-runs", type=int, default=200000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs) afterwards")
    parser.add_argument("--build", choices=["debug", "release"], default="release",
                        help="whose products to run (make test's short run uses the debug build it already has)")
    args = parser.parse_args()

    binaries = bin_dir(args.build)
    for name in ("fnhost", "replicate-standin", "fnhost-testhost"):
        if not os.path.exists(os.path.join(binaries, name)):
            print(f"chaos: {binaries}/{name} is missing: run `swift build -c {args.build}` first", file=sys.stderr)
            return 2
    # Short: scripts/pg refuses socket paths over 107 bytes.
    scratch = tempfile.mkdtemp(prefix="fnchaos-", dir="/tmp")
    os.chmod(scratch, 0o755)
    cluster = Cluster(os.path.join(scratch, "pg"))
    harness = Harness(binaries, cluster, scratch, args.short)
    results = []
    began = time.time()
    try:
        cluster.start()
        for key in [k.strip() for k in args.only.split(",") if k.strip()]:
            print(f"chaos: scenario {key} ...", flush=True)
            try:
                result = SCENARIOS[key](harness)
            except Exception as error:  # noqa: BLE001 - a scenario that breaks is reported, the rest still run
                result = Result(f"{key}. (scenario raised)")
                result.result("scenario ran to the end", f"{type(error).__name__}: {error}", False, "no exception")
                traceback.print_exc()
            finally:
                harness.stop_all()
            print(report.section(result), flush=True)
            results.append(result)
        if not args.short:
            results.append(extras.fuzz(harness, args.fuzz_runs))
            results.append(extras.hostile(harness))
        else:
            skipped = Result("Fuzzing and hostile-input corpus")
            skipped.done.append("not run in --short mode (make test runs the test targets itself).")
            results.append(skipped)
    finally:
        harness.stop_all()
        cluster.stop()
        if args.keep:
            print(f"chaos: logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    document = report.document(results, short=args.short, seconds=time.time() - began)
    failures = [f"{r.title}: {f}" for r in results for f in r.failures]
    if args.short:
        print(report.summary_table(results))
    else:
        report.write(args.output, document)
        print(report.summary_table(results))
        print(f"chaos: written to {args.output}")
    for failure in failures:
        print(f"chaos: FAILED {failure}", file=sys.stderr)
    print(f"chaos: {'FAILED' if failures else 'passed'} ({len(failures)} failed expectations, "
          f"{time.time() - began:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
