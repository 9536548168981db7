"""make cluster: several `fnhost serve --cluster` hosts behind one front on one PostgreSQL, proven
under load.

Builds a private network (cluster/network.py): a bridge in its own namespace and one namespace
each for PostgreSQL, the Replicate stand-in, the front, three hosts and the test's own client,
with addresses that exist only inside them; this process then joins the client namespace, so its
traffic can reach nothing else. Starts the stack in them (cluster/stack.py), runs the scenarios
(cluster/scenarios.py) under a load of pages (cluster/load.py), and writes the figures to
reports/RELIABILITY.md as its own section (cluster/report.py). Everything it made (processes,
namespaces with their veths, bridge and firewall tables, the PostgreSQL cluster, the scratch
folder) is removed on exit, on Ctrl-C and on failure.

Options: --short (fewer pages and shorter phases: what `make test` runs; prints its table and
writes nothing), --only 1,3 (some scenarios), --output FILE, --build debug|release (default
release), --keep (keep the scratch folder with every log), --network-only (build the network,
run its self-check, remove it). Exit status 1 when any goal was missed.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

from chaos import report as chaos_report
from chaos.harness import Harness, Result
from tools.fnhoststack import bin_dir

from . import report, scenarios
from .network import Network, NetworkError
from .stack import Stack

# What must reach what: hosts to PostgreSQL and the stand-in, the front to the hosts, the stand-in
# (webhooks) and the client (the pages) to the front.
PATHS = [("h1", "pg"), ("h2", "pg"), ("h3", "pg"), ("h1", "rep"), ("h2", "rep"), ("h3", "rep"),
         ("front", "h1"), ("front", "h2"), ("front", "h3"), ("rep", "front"), ("client", "front")]


def _stop_on_signal(signal_number, _frame):
    raise KeyboardInterrupt(f"signal {signal_number}")


def say(line):
    print(f"cluster: {line}", flush=True)


def main():
    parser = argparse.ArgumentParser(prog="cluster/run", description="fnhost cluster proof")
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--only", help=f"scenarios to run (default: all, {','.join(scenarios.SHORT)} with --short)")
    parser.add_argument("--output", default=report.DEFAULT_OUTPUT)
    parser.add_argument("--build", choices=["debug", "release"], default="release")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (logs) afterwards")
    parser.add_argument("--network-only", action="store_true", help="build the network, check it, remove it")
    args = parser.parse_args()
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _stop_on_signal)
    chosen = ([k.strip() for k in args.only.split(",") if k.strip()] if args.only
              else list(scenarios.SHORT if args.short else scenarios.SCENARIOS))
    unknown = [k for k in chosen if k not in scenarios.SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)} (there are {', '.join(scenarios.SCENARIOS)})")
    if os.geteuid() != 0:
        print("cluster: needs root (network namespaces, veths, nftables)", file=sys.stderr)
        return 2
    binaries = None
    if not args.network_only:
        binaries = bin_dir(args.build)
        for name in ("fnhost", "replicate-standin"):
            if not os.path.exists(os.path.join(binaries, name)):
                print(f"cluster: {binaries}/{name} is missing: run `swift build -c {args.build}` first", file=sys.stderr)
                return 2
        if shutil.which("nft") is None:
            print("cluster: nft is missing (scripts/install-deps nftables)", file=sys.stderr)
            return 2

    began = time.time()
    for name in Network.sweep_orphans():
        say(f"network: removed {name}, left by a run that is gone")
    network = Network()
    scratch = tempfile.mkdtemp(prefix=f"{network.prefix}-", dir="/tmp")
    os.chmod(scratch, 0o755)
    stack = None
    results = []
    try:
        network.up()
        for line in network.self_check(PATHS):
            say(f"network: {line}")
        if args.network_only:
            return 0
        network.enter("client")
        harness = Harness(binaries, None, scratch, args.short)
        settings = scenarios.Settings(args.short)
        stack = Stack(network, harness, scratch, settings.delay_ms, settings.drain_notice, settings.lease_s)
        stack.up(say=say)
        for key in chosen:
            say(f"scenario {key} ...")
            try:
                result = scenarios.SCENARIOS[key](stack, settings)
            except Exception as error:  # noqa: BLE001 - a scenario that breaks is reported, the rest still run
                result = Result(f"{key}. (scenario raised)")
                result.result("scenario ran to the end", f"{type(error).__name__}: {error}", False, "no exception")
                traceback.print_exc()
            finally:
                for load in stack.loads:  # a scenario that broke off leaves no pages running
                    load.stopping.set()
            print(chaos_report.section(result), flush=True)
            results.append(result)
    except NetworkError as error:
        print(f"cluster: network: {error}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - the stack did not come up: say why, then clean up
        traceback.print_exc()
        print("cluster: FAILED before the scenarios could run", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interruption:
        print(f"cluster: interrupted ({interruption or 'Ctrl-C'}), cleaning up", file=sys.stderr)
        return 130
    finally:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not stop the cleanup
            signal.signal(number, signal.SIG_IGN)
        if stack is not None:
            stack.down()
            stack.database.destroy()
        network.teardown()
        if args.keep:
            say(f"logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
        say(f"network and stack removed ({time.time() - began:.0f} s in all)")

    seconds = time.time() - began
    failures = [f"{r.title}: {f}" for r in results for f in r.failures]
    print(report.summary_table(results))
    if not args.short:
        report.write(args.output, results, seconds)
        say(f"written to {args.output}")
    for failure in failures:
        print(f"cluster: FAILED {failure}", file=sys.stderr)
    say(f"{'FAILED' if failures else 'passed'} ({len(failures)} failed goals, {seconds:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
