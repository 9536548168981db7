"""The real stack a chaos scenario (chaos/) and a benchmark phase (bench/) run against, started from
Python on free loopback ports: the one launcher both use (`from tools.fnhoststack import Host`).

- `Cluster`: one private PostgreSQL cluster (scripts/pg) shared by the scenarios, each of which
  gets its own schema (MAIN_DB_SCHEMA); `psql` queries run through the same DATABASE_URL.
- `StandIn`: a `replicate-standin` process on an ephemeral port, with its fault switches and call log.
- `Host`: `fnhost serve` (master, worker pools, nginx) on a free port with its own run folder;
  it can be stopped and started again on the same port and folder.
- `http`: one request on a fresh connection, never raising: connection errors come back as
  status None, so clients can count them.
"""
import http.client as httplib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Response:
    """One answer: `status` None when no HTTP answer arrived (`error` says why)."""

    def __init__(self, status=None, body=b"", error=None):
        self.status = status
        self.body = body
        self.error = error
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def is_json(self):
        return self.json is not None


def http(method, url, body=None, headers=None, timeout=10.0):
    """Sends one request on a new connection; never raises."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    all_headers = {"Content-Type": "application/json"} if data is not None else {}
    all_headers.update(headers or {})
    connection = httplib.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path or "/", body=data, headers=all_headers)
        answer = connection.getresponse()
        return Response(answer.status, answer.read())
    except (OSError, httplib.HTTPException) as error:
        return Response(None, b"", f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def free_port():
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bin_dir(config="release"):
    """The products folder of a `swift build -c config` (release: what `make build-release` builds)."""
    return subprocess.run(["swift", "build", "-c", config, "--show-bin-path"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def children(parent_pid):
    """(pid, argv) of the processes whose parent is `parent_pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != parent_pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except (OSError, ValueError, IndexError):
            continue
        found.append((int(entry), argv))
    return found


class Cluster:
    """A private PostgreSQL cluster in `directory` (scripts/pg), restartable under load."""

    def __init__(self, directory):
        self.directory = directory
        self.url = None

    def start(self):
        # pg_ctl's server inherits what it is given: send its output to files, never to a pipe
        # this process waits on (a pipe would stay open for the server's whole life).
        out_path = os.path.join(os.path.dirname(self.directory), "pg-start.out")
        with open(out_path, "w") as out, open(out_path + ".err", "w") as err:
            code = subprocess.call([os.path.join(ROOT, "scripts", "pg"), "start", self.directory], stdout=out,
                                   stderr=err, stdin=subprocess.DEVNULL)
        if code != 0:
            with open(out_path + ".err") as f:
                raise RuntimeError(f"scripts/pg start failed: {f.read()[-2000:]}")
        with open(out_path) as f:
            self.url = f.read().strip().splitlines()[-1]
        return self.url

    def stop(self):
        subprocess.call([os.path.join(ROOT, "scripts", "pg"), "stop", self.directory], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)

    def psql(self, schema, sql):
        """Rows of `sql` run with `schema` first on the search path, as lists of strings."""
        env = dict(os.environ, PGOPTIONS=f"-c search_path={schema}", PGCONNECT_TIMEOUT="5")
        out = subprocess.run(["psql", self.url, "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             env=env, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return [line.split("\x1f") for line in out.stdout.splitlines() if line]


class StandIn:
    """`replicate-standin --port 0`: the bound port is read from its first stdout line. `extra`: more
    options (`--delay-jitter-ms`, `--webhook-retry-ms`, `--webhook-attempts`)."""

    def __init__(self, binary, delay_ms, log_path, extra=()):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([binary, "--port", "0", "--delay-ms", str(delay_ms), "--quiet", *extra],
                                        stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"replicate-standin did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def set_faults(self, **faults):
        answer = http("POST", self.base + "/_standin/faults", body=faults)
        if answer.status != 200:
            raise RuntimeError(f"stand-in refused faults {faults}: {answer.status} {answer.body[:300]!r}")
        return answer.json

    def clear_faults(self):
        http("DELETE", self.base + "/_standin/faults")

    def faults(self):
        return http("GET", self.base + "/_standin/faults").json or {}

    def stats(self):
        """`GET /_standin/stats`: totals and per-prediction counts from the call log."""
        return http("GET", self.base + "/_standin/stats", timeout=60).json or {}

    def calls(self):
        answer = http("GET", self.base + "/_standin/calls", timeout=60)
        if answer.status != 200 or not answer.json:
            raise RuntimeError(f"stand-in call log unreadable: {answer.status} {answer.error}")
        return answer.json["calls"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Host:
    """`fnhost serve` on a fixed free port and run folder; `restart` keeps both."""

    def __init__(self, binary, functions, run_dir, env, ready_path, extra=(), session=False):
        self.binary = binary
        self.session = session  # its own session and process group, as a terminal's foreground job
        self.functions = functions
        self.run_dir = run_dir
        self.env = env
        self.ready_path = ready_path
        self.extra = list(extra)
        self.port = free_port()
        self.admin_port = free_port()
        self.platform_port = free_port()  # the default (the port + 2) may be taken
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.starts = 0
        self.started_at = None
        os.makedirs(run_dir, exist_ok=True)
        os.chmod(run_dir, 0o755)

    def start(self, deadline=60):
        log = open(os.path.join(self.run_dir, "serve.log"), "a")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--functions", self.functions, "--port", str(self.port), "--admin-port",
             str(self.admin_port), "--platform-port", str(self.platform_port), "--run-dir", self.run_dir, *self.extra],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=self.session)
        log.close()
        self.starts += 1
        self.started_at = time.time()
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop(timeout=20)  # never leave a half-started host (and its nginx) behind
            raise

    def _wait_ready(self, deadline):
        end = time.time() + deadline
        while time.time() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"fnhost serve exited with {self.process.returncode}: {self.log_tail()}")
            answer = http("GET", self.base + self.ready_path, timeout=2)
            if answer.status is not None and answer.status < 500:
                return
            time.sleep(0.05)
        raise RuntimeError(f"fnhost serve did not answer on {self.ready_path}: {self.log_tail()}")

    def stop(self, timeout=120):
        """SIGTERM (graceful), SIGKILL after `timeout`; returns the seconds the stop took."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        began = time.time()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.time() - began

    def kill(self):
        """SIGKILL the master (nothing of it runs its cleanup) and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_events(self, event):
        """The JSON lines of serve.log (every start of this host) whose `event` is `event`."""
        found = []
        try:
            with open(os.path.join(self.run_dir, "serve.log"), errors="replace") as f:
                for line in f:
                    if line.startswith("{"):
                        try:
                            value = json.loads(line)
                        except ValueError:
                            continue
                        if isinstance(value, dict) and value.get("event") == event:
                            found.append(value)
        except OSError:
            pass
        return found

    def companions(self):
        """What `<run dir>/companions` records: [(pid, name)] (empty when the file is gone)."""
        try:
            with open(os.path.join(self.run_dir, "companions")) as f:
                return [(int(parts[1]), parts[3]) for parts in (line.split() for line in f)
                        if len(parts) >= 4 and parts[0] == "companion"]
        except (OSError, ValueError):
            return []

    def socket_path(self, function):
        """The unix socket of `function`, as nginx's configuration names it."""
        for base in (self.run_dir, os.path.realpath(os.path.join(self.run_dir, "nginx-facing"))):
            path = os.path.join(base, "nginx", "conf", "nginx.conf")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for found in re.findall(r"unix:([^; ]+)", f.read()):
                    if found.endswith(f"/{function}.sock"):
                        return found
        raise RuntimeError(f"no socket of {function} in {self.run_dir}'s nginx.conf")

    def log_tail(self, size=3000):
        try:
            with open(os.path.join(self.run_dir, "serve.log"), errors="replace") as f:
                return f.read()[-size:]
        except OSError:
            return ""

    def status(self):
        """The status page's JSON, or None when it cannot be read."""
        return http("GET", f"http://127.0.0.1:{self.admin_port}/status", timeout=5).json

    def pool(self, function):
        return ((self.status() or {}).get("functions") or {}).get(function) or {}

    def worker_pids(self, function):
        return [pid for pid, argv in children(self.process.pid)
                if "worker" in argv and "--function" in argv and function in argv[argv.index("--function") + 1:][:1]]

    def nginx_pid(self):
        for pid, argv in children(self.process.pid):
            if argv and os.path.basename(argv[0]).startswith("nginx"):
                return pid
        return None
