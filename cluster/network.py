"""The test's private network: network namespaces joined by one bridge, with addresses that exist
only inside them.

Every namespace of a run is named `fnc-<pid>-<role>`, so two runs never share one. The bridge lives
in a namespace of its own (`<prefix>-sw`): the root namespace holds nothing of the test's but the
namespaces' names, and has no address or route on the test's subnet. Each other namespace gets
one veth pair (its end `eth0`, the switch's end named after the role, enslaved to the bridge),
its loopback, one address on SUBNET, and no default route: a packet for anywhere else has no
route and is never sent.

The Python process itself joins the `client` namespace (`enter`) once the network is up, so
every request the test makes (the pages' load, the stand-in's call log) can only reach the
namespaces. Processes go into their namespaces through `ip netns exec`; code that must reach a
namespace's loopback (a host's status page) runs in a thread that joined it (`Namespace.call`).

`cut` drops every packet of a namespace's `eth0` with an nftables table inside that namespace
(the link stays up: the host is not told, its peers see silence, as in a real partition);
`heal` deletes the table. `teardown` ends every process left in the namespaces (`ip netns pids`:
only processes this run started, and their children) and deletes the namespaces, which removes
the veths, the bridge and the nftables tables with them. A run killed too hard to tear down (SIGKILL)
leaves its namespaces; the next run removes them first (`sweep_orphans`).
"""
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time

SUBNET = "10.77.0"
PREFIX_LENGTH = 24
# Last octet per role. `client` is where the test's own requests come from.
ADDRESSES = {"pg": 2, "rep": 3, "front": 10, "h1": 11, "h2": 12, "h3": 13, "client": 20}
CLONE_NEWNET = 0x40000000
# An address outside the subnet, used only to ask the routing table (`ip route get` sends nothing).
OUTSIDE = "203.0.113.1"

_libc = ctypes.CDLL(None, use_errno=True)


class NetworkError(RuntimeError):
    pass


def ip(*args, check=True, namespace=None):
    """`ip [-n NAMESPACE] ARGS`; returns stdout."""
    command = ["ip"] + (["-n", namespace] if namespace else []) + list(args)
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    if check and out.returncode != 0:
        raise NetworkError(f"{' '.join(command)}: {out.stderr.strip()}")
    return out.stdout


def join(name):
    """Moves the calling thread into network namespace `name` (threads it starts follow it)."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise NetworkError(f"setns({name}): {os.strerror(error)}")
    finally:
        os.close(fd)


class Namespace:
    def __init__(self, name, role, address):
        self.name = name
        self.role = role
        self.address = address

    def exec_prefix(self):
        """The command prefix that runs a program inside this namespace."""
        return ["ip", "netns", "exec", self.name]

    def run(self, *command, check=True, timeout=30, input=None):
        """Runs `command` inside the namespace and waits; returns the CompletedProcess."""
        out = subprocess.run(self.exec_prefix() + list(command), capture_output=True, text=True, timeout=timeout,
                             input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and out.returncode != 0:
            raise NetworkError(f"{self.name}: {' '.join(command)}: {out.stderr.strip() or out.stdout.strip()}")
        return out

    def call(self, function, *args, timeout=60):
        """`function(*args)` in a new thread that joined this namespace; returns its result or raises."""
        box = {}

        def target():
            try:
                join(self.name)
                box["value"] = function(*args)
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                box["error"] = error

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise NetworkError(f"{self.name}: call did not finish in {timeout} s")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def pids(self):
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True, timeout=10)
        return [int(p) for p in out.stdout.split() if p.isdigit()]


class Network:
    """The namespaces of one run: `up()` builds them, `teardown()` removes everything."""

    def __init__(self, roles=("pg", "rep", "front", "h1", "h2", "h3", "client"), prefix=None):
        self.prefix = prefix or f"fnc-{os.getpid()}"
        self.switch = f"{self.prefix}-sw"
        self.namespaces = {role: Namespace(f"{self.prefix}-{role}", role, f"{SUBNET}.{ADDRESSES[role]}")
                           for role in roles}
        self.subnet = f"{SUBNET}.0/{PREFIX_LENGTH}"
        self.created = []
        self.cuts = set()

    def __getitem__(self, role):
        return self.namespaces[role]

    def up(self):
        # Recorded before it exists: an interruption between the two must not leave it behind.
        self.created.append(self.switch)
        ip("netns", "add", self.switch)
        ip("link", "set", "lo", "up", namespace=self.switch)
        ip("link", "add", "br0", "type", "bridge", namespace=self.switch)
        ip("link", "set", "br0", "up", namespace=self.switch)
        for role, ns in self.namespaces.items():
            self.created.append(ns.name)
            ip("netns", "add", ns.name)
            ip("link", "add", role, "type", "veth", "peer", "name", "eth0", "netns", ns.name, namespace=self.switch)
            ip("link", "set", role, "master", "br0", namespace=self.switch)
            ip("link", "set", role, "up", namespace=self.switch)
            ip("link", "set", "lo", "up", namespace=ns.name)
            ip("addr", "add", f"{ns.address}/{PREFIX_LENGTH}", "dev", "eth0", namespace=ns.name)
            ip("link", "set", "eth0", "up", namespace=ns.name)
        self._wait_links_up()

    def _wait_links_up(self, limit=10):
        """Until every eth0 reports carrier and its address is usable (no longer tentative)."""
        end = time.time() + limit
        while time.time() < end:
            pending = [ns.name for ns in self.namespaces.values()
                       if "LOWER_UP" not in ip("link", "show", "eth0", namespace=ns.name)
                       or "tentative" in ip("addr", "show", "eth0", namespace=ns.name)]
            if not pending:
                return
            time.sleep(0.05)
        raise NetworkError(f"links not up after {limit} s: {pending}")

    def enter(self, role="client"):
        """The calling thread (and every thread it starts afterwards) joins namespace `role`."""
        join(self.namespaces[role].name)

    def cut(self, role):
        """Drops every packet in and out of `role`'s eth0 (nftables, inside its namespace)."""
        rules = ("table inet fnc_cut {\n"
                 "  chain input { type filter hook input priority -300; policy accept; iifname \"eth0\" drop; }\n"
                 "  chain output { type filter hook output priority -300; policy accept; oifname \"eth0\" drop; }\n"
                 "}\n")
        self.namespaces[role].run("nft", "-f", "-", input=rules)
        self.cuts.add(role)

    def heal(self, role):
        self.namespaces[role].run("nft", "delete", "table", "inet", "fnc_cut")
        self.cuts.discard(role)

    def is_cut(self, role):
        out = self.namespaces[role].run("nft", "list", "tables", check=False)
        return "fnc_cut" in out.stdout

    def self_check(self, pairs):
        """Checks the isolation and the paths the stack needs, sending nothing beyond the subnet:
        no namespace has a route to an outside address (asked of the routing table), and for each
        (from, to) of `pairs` a TCP connection from `from` reaches a listener in `to` on its
        address. Returns lines describing what was checked; raises NetworkError on a miss."""
        lines = []
        for ns in [*self.namespaces.values()]:
            routes = ip("route", "show", namespace=ns.name).strip().splitlines()
            if any(r.startswith("default") for r in routes):
                raise NetworkError(f"{ns.name} has a default route: {routes}")
            out = subprocess.run(["ip", "-n", ns.name, "route", "get", OUTSIDE], capture_output=True, text=True)
            if out.returncode == 0:
                raise NetworkError(f"{ns.name} routes {OUTSIDE}: {out.stdout.strip()}")
        lines.append(f"{len(self.namespaces)} namespaces, none with a route beyond {SUBNET}.0/{PREFIX_LENGTH} "
                     f"(`ip route get {OUTSIDE}`: unreachable in each)")
        switch_addresses = ip("-4", "addr", "show", namespace=self.switch)
        if "inet " in switch_addresses.replace("inet 127.0.0.1", ""):
            raise NetworkError(f"the switch namespace has an address: {switch_addresses}")
        reached = []
        for source, target in pairs:
            listener_ns = self.namespaces[target]
            ready = threading.Event()
            box = {}

            def listen():
                join(listener_ns.name)
                with socket.socket() as server:
                    server.bind((listener_ns.address, 0))
                    server.listen(1)
                    server.settimeout(5)
                    box["port"] = server.getsockname()[1]
                    ready.set()
                    try:
                        connection, peer = server.accept()
                        box["peer"] = peer[0]
                        connection.close()
                    except OSError as error:
                        box["error"] = error

            thread = threading.Thread(target=listen, daemon=True)
            thread.start()
            if not ready.wait(5):
                raise NetworkError(f"no listener in {listener_ns.name}")

            def connect():
                with socket.create_connection((listener_ns.address, box["port"]), timeout=5):
                    pass

            try:
                self.namespaces[source].call(connect)
            except OSError as error:
                raise NetworkError(f"{source} cannot reach {target} ({listener_ns.address}): {error}") from error
            thread.join(6)
            expected = self.namespaces[source].address
            if box.get("peer") != expected:
                raise NetworkError(f"{target} saw {box.get('peer')} instead of {source}'s {expected}")
            reached.append(f"{source}->{target}")
        lines.append("TCP reached: " + ", ".join(reached))
        return lines

    def teardown(self):
        """Ends what runs in the namespaces (SIGTERM, then SIGKILL after 10 s), deletes them."""
        names = [n for n in reversed(self.created)]
        for signal_number, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            pids = self._pids(names)
            for pid in pids:
                try:
                    os.kill(pid, signal_number)
                except ProcessLookupError:
                    pass
            end = time.time() + wait
            while pids and time.time() < end:
                pids = [p for p in pids if _alive(p)]
                time.sleep(0.05)
            if not pids:
                break
        errors = []
        for name in names:
            out = subprocess.run(["ip", "netns", "del", name], capture_output=True, text=True)
            if out.returncode != 0 and os.path.exists(f"/run/netns/{name}"):
                errors.append(f"{name}: {out.stderr.strip()}")
        self.created = []
        if errors:
            raise NetworkError("teardown: " + "; ".join(errors))

    @classmethod
    def sweep_orphans(cls):
        """Removes the namespaces (and what runs in them) of runs whose process is gone; returns their names."""
        by_run = {}
        for name in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
            parts = name.split("-")
            if len(parts) >= 3 and parts[0] == "fnc" and parts[1].isdigit():
                by_run.setdefault(int(parts[1]), []).append(name)
        swept = []
        for pid, names in sorted(by_run.items()):
            if pid == os.getpid() or _alive(pid):
                continue
            orphan = cls(roles=(), prefix=f"fnc-{pid}")
            orphan.created = sorted(names, key=lambda n: not n.endswith("-sw"))  # torn down in reverse: the switch last
            orphan.teardown()
            swept += names
        return swept

    def _pids(self, names):
        found = []
        for name in names:
            if os.path.exists(f"/run/netns/{name}"):
                out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, timeout=10)
                found += [int(p) for p in out.stdout.split() if p.isdigit() and int(p) != os.getpid()]
        return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
