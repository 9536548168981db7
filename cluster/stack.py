"""The cluster's processes, each in its namespace (cluster/network.py): PostgreSQL, the Replicate
stand-in, three `fnhost serve --cluster` hosts and the front. Built on the shared launcher's
classes (tools/fnhoststack): only how each process is started differs.

- `Database`: a scripts/pg cluster whose postmaster runs in the `pg` namespace and, besides its
  unix socket (which the test's own psql uses), listens on the namespace's address with a pg_hba
  line for the subnet and short server-side TCP keepalives, so the session of a host that went
  silent (its timer leadership) is dropped within seconds.
- `StandIn`: `replicate-standin` on the `rep` namespace's address, with a fixed webhook secret.
- `ClusterHost`: `fnhost serve --cluster` on its namespace's address, its own run folder and log.
- `Front`: `fnhost front` over the three hosts.
"""
import base64
import datetime
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.parse

from tools.fnhoststack import ROOT, Cluster, Host, StandIn, http

PG_PORT = 5432
STANDIN_PORT = 9000
HOST_PORT = 8080
FRONT_PORT = 8080
SCHEMA = "fncluster"
# Server-side dead-peer detection: a silent session is dropped after about 5 s.
KEEPALIVES = {"tcp_keepalives_idle": "2", "tcp_keepalives_interval": "1", "tcp_keepalives_count": "3",
              "tcp_user_timeout": "5000"}


class StackError(RuntimeError):
    pass


def _as_postgres(*command, input=None):
    out = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, timeout=60,
                         input=input, stdin=None if input is not None else subprocess.DEVNULL)
    if out.returncode != 0:
        raise StackError(f"{' '.join(command)}: {out.stderr.strip()}")
    return out.stdout


class Database(Cluster):
    """scripts/pg's cluster, run inside namespace `ns` and listening on its address too."""

    def __init__(self, directory, ns, subnet):
        super().__init__(directory)
        self.ns = ns
        self.subnet = subnet
        self.tcp_url = None

    def _pg(self, command):
        """`scripts/pg COMMAND DIR` inside the namespace; returns its last stdout line."""
        out_path = os.path.join(os.path.dirname(self.directory), f"pg-{command}.out")
        # The server inherits pg_ctl's descriptors: files, never a pipe this process waits on.
        with open(out_path, "w") as out, open(out_path + ".err", "w") as err:
            code = subprocess.call(self.ns.exec_prefix() + [os.path.join(ROOT, "scripts", "pg"), command, self.directory],
                                   stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        with open(out_path) as f, open(out_path + ".err") as e:
            text, errors = f.read(), e.read()
        if code != 0:
            raise StackError(f"scripts/pg {command} failed: {errors[-2000:]}")
        return (text.strip().splitlines() or [""])[-1]

    def start(self):
        self.url = self._pg("start")
        home = subprocess.run([os.path.join(ROOT, "scripts", "pg"), "where", self.directory], capture_output=True,
                              text=True, check=True).stdout.strip()
        socket_dir = os.path.join(home, "socket")
        settings = dict(KEEPALIVES, listen_addresses=self.ns.address, max_connections="300")
        sql = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in settings.items())
        _as_postgres("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", socket_dir, "-U", "postgres", "-d", "postgres",
                     input=sql)
        hba = os.path.join(home, "data", "pg_hba.conf")
        line = f"host    fnhost    fnhost    {self.subnet}    scram-sha-256\n"
        with open(hba) as f:
            present = line in f.read()
        if not present:
            _as_postgres("sh", "-c", 'cat >>"$1"', "sh", hba, input=line)
        # listen_addresses takes a restart; the postmaster starts again inside the namespace.
        self._pg("stop")
        self.url = self._pg("start")
        password = urllib.parse.urlsplit(self.url).password
        self.tcp_url = f"postgresql://fnhost:{password}@{self.ns.address}:{PG_PORT}/fnhost"
        # Over TCP (a unix socket shows 0): what a host's session gets.
        out = subprocess.run(["psql", self.tcp_url, "-X", "-At", "-c", "SHOW tcp_user_timeout"], capture_output=True,
                             text=True, timeout=30, env=dict(os.environ, PGCONNECT_TIMEOUT="5"))
        if out.returncode != 0 or out.stdout.strip() != KEEPALIVES["tcp_user_timeout"]:
            raise StackError(f"PostgreSQL over TCP: {out.stdout.strip() or out.stderr.strip()} "
                             f"(expected tcp_user_timeout {KEEPALIVES['tcp_user_timeout']})")
        return self.url

    def destroy(self):
        subprocess.call([os.path.join(ROOT, "scripts", "pg"), "destroy", self.directory], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def webhook_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class ClusterStandIn(StandIn):
    """`replicate-standin` in namespace `ns` on its address (its methods: the shared launcher's)."""

    def __init__(self, binary, ns, delay_ms, files_dir, secret, log_path):
        self.log = open(log_path, "w")
        self.ns = ns
        self.secret = secret
        self.process = subprocess.Popen(
            ns.exec_prefix() + [binary, "--host", ns.address, "--port", str(STANDIN_PORT), "--delay-ms", str(delay_ms),
                                "--files-dir", files_dir, "--webhook-secret", secret, "--quiet"],
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise StackError(f"replicate-standin did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        self.base = f"http://{ns.address}:{self.port}"


class ClusterHost(Host):
    """`fnhost serve --cluster` in namespace `ns`, listening on its address; its status page
    (loopback of the namespace) is read from a thread inside it. The shared launcher's `stop`
    (SIGTERM, wait), `kill` (SIGKILL) and log readers apply unchanged."""

    def __init__(self, binary, ns, run_dir, env, public_url, drain_notice, extra=()):
        self.binary = binary
        self.session = False
        self.functions = "functions"
        self.ns = ns
        self.name = ns.role
        self.run_dir = run_dir
        self.env = env
        self.ready_path = "/_fnhost/health"
        self.public_url = public_url
        self.drain_notice = drain_notice
        self.extra = list(extra)
        self.port = HOST_PORT
        self.admin_port = HOST_PORT + 1
        self.platform_port = HOST_PORT + 2
        self.base = f"http://{ns.address}:{self.port}"
        self.process = None
        self.starts = 0
        self.started_at = None
        self.exits = []
        os.makedirs(run_dir, exist_ok=True)
        os.chmod(run_dir, 0o755)

    def command(self):
        return self.ns.exec_prefix() + [
            self.binary, "serve", "--functions", self.functions, "--host", self.ns.address, "--port", str(self.port),
            "--admin-port", str(self.admin_port), "--platform-port", str(self.platform_port), "--run-dir",
            self.run_dir, "--no-watch", "--cluster", "--host-name", self.name, "--public-url", self.public_url,
            "--drain-notice", f"{self.drain_notice:g}", *self.extra]

    def start(self, deadline=90):
        log = open(os.path.join(self.run_dir, "serve.log"), "a")
        self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                        stdin=subprocess.DEVNULL)
        log.close()
        self.starts += 1
        self.started_at = time.time()
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop(timeout=20)
            raise

    def health(self, timeout=2):
        return http("GET", self.base + self.ready_path, timeout=timeout)

    def status(self):
        """The status page's JSON (inside the namespace), or None."""
        url = f"http://127.0.0.1:{self.admin_port}/status"
        try:
            return self.ns.call(lambda: http("GET", url, timeout=5).json, timeout=10)
        except Exception:  # noqa: BLE001 - an unreadable page is None
            return None

    def leads(self):
        """True/False from the status page's cluster section; None when it cannot be read."""
        cluster = (self.status() or {}).get("cluster")
        return None if cluster is None else bool(cluster.get("leads_timers"))

    def running(self):
        return self.process is not None and self.process.poll() is None

    def wait_exit(self, limit):
        """Waits for the master to exit on its own; returns (seconds, exit code) or (None, None)."""
        began = time.time()
        try:
            code = self.process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            return None, None
        self.exits.append(code)
        return time.time() - began, code

    def crash(self, limit=10):
        """SIGKILLs every process of the host at once (master, nginx, workers: everything in its
        namespace), as a crash of its machine would, and waits until none is left."""
        pids = self.ns.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            self.process.wait(timeout=limit)
        end = time.time() + limit
        while self.ns.pids() and time.time() < end:
            time.sleep(0.05)
        return len(pids)

    def terminate(self):
        """SIGTERM, without waiting (a drain is watched by the caller)."""
        self.process.send_signal(signal.SIGTERM)


class Front:
    """`fnhost front` over `upstreams`, in namespace `ns` on its address."""

    def __init__(self, binary, ns, run_dir, upstreams):
        self.binary = binary
        self.ns = ns
        self.run_dir = run_dir
        self.upstreams = upstreams
        self.port = FRONT_PORT
        self.base = f"http://{ns.address}:{self.port}"
        self.process = None
        os.makedirs(run_dir, exist_ok=True)
        os.chmod(run_dir, 0o755)

    def start(self, deadline=60):
        log = open(os.path.join(self.run_dir, "front.log"), "a")
        self.process = subprocess.Popen(
            self.ns.exec_prefix() + [self.binary, "front", "--upstream", ",".join(self.upstreams), "--host",
                                     self.ns.address, "--port", str(self.port), "--run-dir", self.run_dir],
            cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        end = time.time() + deadline
        while time.time() < end:
            if self.process.poll() is not None:
                raise StackError(f"fnhost front exited with {self.process.returncode}: {self.log_tail()}")
            answer = http("GET", self.base + "/_fnhost/health", timeout=2)
            if answer.status == 200:
                return
            time.sleep(0.1)
        raise StackError(f"fnhost front did not pass a healthy host's /_fnhost/health in {deadline} s: "
                         f"{self.log_tail()}")

    def log_events(self, *events):
        """The JSON lines of the front's log whose `event` is one of `events`, with `at` (epoch s)."""
        found = []
        try:
            with open(os.path.join(self.run_dir, "front.log"), errors="replace") as f:
                for line in f:
                    if not line.startswith("{"):
                        continue
                    try:
                        value = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(value, dict) and value.get("event") in events:
                        value["at"] = datetime.datetime.fromisoformat(value["time"].replace("Z", "+00:00")).timestamp()
                        found.append(value)
        except OSError:
            pass
        return found

    def log_tail(self, size=3000):
        try:
            with open(os.path.join(self.run_dir, "front.log"), errors="replace") as f:
                return f.read()[-size:]
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Stack:
    """Everything of one run, started in order by `up()` and stopped by `down()`: PostgreSQL
    (migrated once), the stand-in, the hosts and the front. `harness` is chaos's (binaries,
    environment, migrations)."""

    HOSTS = ("h1", "h2", "h3")

    def __init__(self, network, harness, scratch, delay_ms, drain_notice, lease_s):
        self.network = network
        self.harness = harness
        self.scratch = scratch
        self.delay_ms = delay_ms
        self.drain_notice = drain_notice
        self.lease_s = lease_s
        self.database = Database(os.path.join(scratch, "pg"), network["pg"], network.subnet)
        harness.cluster = self.database
        self.standin = None
        self.hosts = {}
        self.front = None
        self.public_url = f"http://{network['front'].address}:{FRONT_PORT}"
        self.secret = webhook_secret()
        self.loads = []  # every scenario's load (cluster/load.py)

    def up(self, say=print):
        began = time.time()
        self.database.start()
        self.harness.migrate(SCHEMA)
        say(f"PostgreSQL on {self.network['pg'].address}:{PG_PORT}, schema {SCHEMA} migrated "
            f"({time.time() - began:.1f} s)")
        files = self.harness.folder("standin-files")
        self.standin = ClusterStandIn(self.harness.binary("replicate-standin"), self.network["rep"], self.delay_ms,
                                      files, self.secret, os.path.join(self.scratch, "standin.log"))
        say(f"stand-in on {self.standin.base} (predictions of 2 x {self.delay_ms} ms)")
        env = dict(self.harness.base_env(), DATABASE_URL=self.database.tcp_url, MAIN_DB_SCHEMA=SCHEMA,
                   REPLICATE_BASE_URL=self.standin.base, REPLICATE_API_TOKEN="r8_cluster",
                   REPLICATE_WEBHOOK_SECRET=self.secret, LEASE_SECONDS=f"{self.lease_s:g}")
        for name in self.HOSTS:
            host = ClusterHost(self.harness.binary("fnhost"), self.network[name], self.harness.folder(name), env,
                               self.public_url, self.drain_notice)
            self.hosts[name] = host
        for host in self.hosts.values():
            host.start()
            say(f"host {host.name} serving on {host.base} ({time.time() - host.started_at:.1f} s)")
        self.front = Front(self.harness.binary("fnhost"), self.network["front"],
                                     self.harness.folder("front"), [f"{h.ns.address}:{h.port}" for h in self.hosts.values()])
        self.front.start()
        say(f"front (fnhost front) on {self.front.base}")

    def leader(self):
        """The names of the running hosts whose status page says they fire the timers."""
        return [name for name, host in self.hosts.items() if host.running() and host.leads()]

    def wait_leader(self, limit, exclude=()):
        """Waits until exactly one running host (not in `exclude`) leads; its name, or None."""
        end = time.time() + limit
        while time.time() < end:
            leaders = [n for n in self.leader() if n not in exclude]
            if len(leaders) == 1:
                return leaders[0]
            time.sleep(0.2)
        return None

    def down(self):
        for host in self.hosts.values():  # all drain at once, then each is waited for
            if host.running():
                host.terminate()
        for part in [self.front, *self.hosts.values(), self.standin]:
            if part is None:
                continue
            try:
                part.stop()
            except Exception:  # noqa: BLE001 - every part must be reached
                pass
        self.database.stop()
