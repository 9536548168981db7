"""make cluster: several `fnhost serve` hosts behind one front on one PostgreSQL, proven under load.

Builds a private network (cluster/network.py): a bridge in its own namespace and one namespace
each for PostgreSQL, the Replicate stand-in, the front, three hosts and the test's own client,
with addresses that exist only inside them. Everything is removed on exit, Ctrl-C and failure.

Options: --network-only (build the network, run its self-check, remove it).
"""
import argparse
import signal
import sys
import time

from .network import Network, NetworkError

# What must reach what: hosts to PostgreSQL and the stand-in, the front to the hosts, the stand-in
# (webhooks) and the client (the pages) to the front.
PATHS = [("h1", "pg"), ("h2", "pg"), ("h3", "pg"), ("h1", "rep"), ("h2", "rep"), ("h3", "rep"),
         ("front", "h1"), ("front", "h2"), ("front", "h3"), ("rep", "front"), ("client", "front")]


def _stop_on_signal(signal_number, _frame):
    raise KeyboardInterrupt(f"signal {signal_number}")


def main():
    parser = argparse.ArgumentParser(prog="cluster/run", description="fnhost cluster proof")
    parser.add_argument("--network-only", action="store_true", help="build the network, check it, remove it")
    args = parser.parse_args()
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _stop_on_signal)
    began = time.time()
    network = Network()
    try:
        network.up()
        for line in network.self_check(PATHS):
            print(f"cluster: network: {line}", flush=True)
        if args.network_only:
            return 0
        return 0
    except NetworkError as error:
        print(f"cluster: network: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as interruption:
        print(f"cluster: interrupted ({interruption or 'Ctrl-C'}), cleaning up", file=sys.stderr)
        return 130
    finally:
        network.teardown()
        print(f"cluster: network removed ({time.time() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
