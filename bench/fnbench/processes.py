"""The processes a benchmark run starts, each on free loopback ports inside the run's own folder.

PostgreSQL, the Replicate stand-in and `fnhost serve` come from tools/fnhoststack, the one place that
knows how to start and stop them (`make chaos` uses it too); the classes here only start them at
construction, as a benchmark phase wants. The Python peers (gunicorn), the bench's own nginx and a
silent server are the bench's alone. Nothing listens beyond 127.0.0.1 or a unix socket.
"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from tools import fnhoststack as stack

ROOT = stack.ROOT

free_port = stack.free_port


def wait_http(url, deadline=30, headers=None):
    """Waits until `url` answers anything below 500 (a 404 JSON from a function means it is up)."""
    end = time.time() + deadline
    last = None
    while time.time() < end:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2):
                return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
            last = error
        except Exception as error:  # connection refused while starting
            last = error
        time.sleep(0.05)
    raise SystemExit(f"bench: {url} did not answer ({last})")


def binaries(config):
    """The folder with fnhost, fnhost-testhost, fnhost-python and replicate-standin of a `swift build -c config`
    (release: with the Swift runtime linked statically, as `make build-release` builds it)."""
    path = stack.bin_dir(config)
    if not all(os.path.exists(os.path.join(path, name)) for name in ["fnhost", "fnhost-testhost", "fnhost-python", "replicate-standin"]):
        flags = ["--static-swift-stdlib"] if config == "release" else []
        subprocess.run(["swift", "build", "-c", config, *flags], cwd=ROOT, check=True)
    return path


class Postgres(stack.Cluster):
    """A private cluster, started at once; `url` is the fnhost role's DATABASE_URL."""

    def __init__(self, folder):
        super().__init__(folder)
        self.start()

    def migrate(self, bin_dir, schema):
        """Creates `schema` with the project's migrations (fnhost migrate), for one phase's tasks."""
        env = dict(os.environ, DATABASE_URL=self.url, MAIN_DB_SCHEMA=schema)
        subprocess.run([os.path.join(bin_dir, "fnhost"), "migrate", "--folder", "db_migrations"], cwd=ROOT, env=env,
                       check=True, capture_output=True)


class StandIn(stack.StandIn):
    """The offline Replicate stand-in from `bin_dir`, logging into `folder`."""

    def __init__(self, bin_dir, folder, delay_ms=0, extra=()):
        os.makedirs(folder, exist_ok=True)
        super().__init__(os.path.join(bin_dir, "replicate-standin"), delay_ms, os.path.join(folder, "standin.log"),
                         extra)


class Fnhost(stack.Host):
    """`fnhost serve` (or fnhost-testhost), started at once with this environment plus `env`."""

    def __init__(self, binary, functions, run_dir, ready_path, env=None, extra=()):
        super().__init__(binary, functions, run_dir, dict(os.environ, **(env or {})), ready_path, extra)
        self.start()
        self.url = self.base


class Gunicorn:
    """A Python peer under gunicorn's sync workers on a unix socket: bench/peers/wsgi_peer.py serving
    the handler in the file `handler` (PEER_HANDLER), with `env` added to this environment (a
    PYTHONPATH that puts a function's virtual environment first, for instance)."""

    def __init__(self, folder, name, workers, env, handler=os.path.join(ROOT, "bench", "peers", "status_peer.py")):
        os.makedirs(folder, exist_ok=True)
        self.socket = os.path.join(folder, f"{name}.sock")
        self.log = open(os.path.join(folder, f"{name}.log"), "w")
        gunicorn = shutil.which("gunicorn") or "/usr/bin/gunicorn"
        self.process = subprocess.Popen(
            [gunicorn, "--workers", str(workers), "--bind", f"unix:{self.socket}", "--chdir",
             os.path.join(ROOT, "bench", "peers"), "--log-level", "warning", "--umask", "0", "wsgi_peer:application"],
            stdout=self.log, stderr=self.log, env=dict(os.environ, PEER_HANDLER=handler, **env))
        end = time.time() + 20
        while not os.path.exists(self.socket):
            if time.time() > end or self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn {name} did not start (see {self.log.name})")
            time.sleep(0.05)

    def worker_pids(self):
        return children(self.process.pid)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)
        self.log.close()


def python_environments(fnhost, functions, envs):
    """Builds the virtual environments of the Python functions in `functions` with `fnhost deps`
    into `envs` (shared by content, so only the first run downloads anything) before any host
    starts, and returns {function: environment folder}."""
    out = subprocess.run([fnhost, "deps", "--functions", functions, "--python-envs", envs], cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: fnhost deps failed:\n{out.stdout[-2000:]}{out.stderr[-2000:]}")
    found = {}
    for line in out.stdout.splitlines() + out.stderr.splitlines():
        match = re.match(r"python env ([0-9a-f]+) \(([^)]*)\)", line)
        if match:
            for function in match.group(2).split(", "):
                found[function] = os.path.join(envs, match.group(1))
    return found


def site_packages(environment):
    """The site-packages folder of a virtual environment."""
    folders = glob.glob(os.path.join(environment, "lib", "python3*", "site-packages"))
    if not folders:
        raise SystemExit(f"bench: no site-packages in {environment}")
    return folders[0]


def interpreter_of(script):
    """The interpreter a script's `#!` line names (gunicorn's: Debian's /usr/bin/python3)."""
    with open(script) as f:
        line = f.readline()
    return line[2:].split()[0] if line.startswith("#!") else sys.executable


def psycopg2_of(python, env=None):
    """Which psycopg2 `python` imports with `env` added: "2.9.9 (libpq 16.0) from <folder>"."""
    probe = ("import psycopg2, os, sys; v = psycopg2.extensions.libpq_version(); "
             "print('psycopg2 %s, libpq %d.%d, python %s, from %s' % (psycopg2.__version__.split()[0], v // 10000, "
             "v % 10000, sys.version.split()[0], os.path.dirname(os.path.dirname(psycopg2.__file__))))")
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if out.returncode != 0:
        raise SystemExit(f"bench: {python} cannot import psycopg2: {out.stderr.strip()[-500:]}")
    return out.stdout.strip()


class BenchNginx:
    """nginx with one worker: `return 200` with a small JSON body at /static (the ceiling), and each
    Python peer proxied at /<name> (nginx to gunicorn, a connection per request as gunicorn's sync
    workers expect). Same nginx binary and worker count as fnhost's own."""

    def __init__(self, folder, peers):
        self.port = free_port()
        prefix = os.path.join(folder, "bench-nginx")
        os.makedirs(os.path.join(prefix, "conf"), exist_ok=True)
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        upstreams = "".join(f"    upstream {name} {{ server unix:{path}; }}\n" for name, path in peers.items())
        locations = "".join(f"        location = /{name} {{ proxy_pass http://{name}; }}\n" for name in peers)
        with open(os.path.join(prefix, "conf", "nginx.conf"), "w") as f:
            f.write(f"""worker_processes 1;
pid nginx.pid;
error_log stderr warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path tmp; fastcgi_temp_path tmp; proxy_temp_path tmp; uwsgi_temp_path tmp; scgi_temp_path tmp;
{upstreams}    server {{
        listen 127.0.0.1:{self.port};
        location = /static {{ default_type application/json; return 200 '{{"ok":true}}'; }}
{locations}    }}
}}
""")
        self.process = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-p", prefix + "/", "-c", "conf/nginx.conf", "-e", "stderr",
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(prefix, "error.log"), "w"))
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + "/static")

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=10)


class SilentServer:
    """Accepts TCP connections and never answers: a worker URL that is slow beyond any timeout."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def stop(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


def children(pid):
    """Direct children of `pid` (from /proc)."""
    return [child for child, _ in stack.children(pid)]


def descendants(pid):
    result = []
    for child in children(pid):
        result.append(child)
        result.extend(descendants(child))
    return result


class Front:
    """`fnhost front` before `upstreams` (ADDR:PORT strings) on a free loopback port, its own run
    folder; ready once a request through it reaches a host at `ready_path`."""

    def __init__(self, fnhost, run_dir, upstreams, ready_path):
        os.makedirs(run_dir, exist_ok=True)
        os.chmod(run_dir, 0o755)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(run_dir, "front.log"), "a")
        self.process = subprocess.Popen(
            [fnhost, "front", "--upstream", ",".join(upstreams), "--port", str(self.port), "--run-dir", run_dir],
            cwd=ROOT, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        end = time.time() + 30
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: fnhost front exited with {self.process.returncode} (see {self.log.name})")
            if stack.http("GET", self.url + ready_path, timeout=2).status == 200:
                return
            if time.time() > end:
                raise SystemExit(f"bench: fnhost front did not pass {ready_path} within 30 s (see {self.log.name})")
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.log.close()
