"""What every scenario shares: the binaries, the one PostgreSQL cluster, a scratch folder, and
`try_on_stack`, which gives a scenario its own schema (migrated), stand-in and host.

A scenario is a function `run(harness) -> Result`; `Result` carries what the report prints
(what was done, the counts, the outcome) and the failures that make the run fail.
"""
import os
import subprocess
import time

from tools.fnhoststack import ROOT, Host, StandIn

# Variables of the parent that must not leak into a host (serve sets them from its own options).
LEAKY = ("FNHOST_BASE_URL", "FNHOST_RUN_DIR", "STORAGE_DIR", "STORAGE_PUBLIC_URL", "WORKER_URL", "MAIN_DB_SCHEMA",
         "REPLICATE_BASE_URL", "REPLICATE_API_TOKEN", "PORT")


class Result:
    """One scenario's section of the report."""

    def __init__(self, title):
        self.title = title
        self.done = []
        self.counts = []
        self.outcome = []
        self.failures = []
        self.began = time.time()
        self.seconds = 0.0

    def count(self, name, value):
        self.counts.append((name, value))

    def result(self, name, value, ok=True, expectation=""):
        """An outcome row; `ok` False adds a failure naming the expectation."""
        self.outcome.append((name, value, ok))
        if not ok:
            self.failures.append(f"{name}: {value}" + (f" (expected {expectation})" if expectation else ""))

    def expect_zero(self, name, value, detail=None):
        number = len(value) if isinstance(value, (list, tuple, set, dict)) else value
        shown = f"{number}" + (f" ({detail})" if detail and number else "")
        if isinstance(value, (list, tuple)) and number:
            shown += f" e.g. {list(value)[:3]}"
        self.result(name, shown, number == 0, "0")


class Harness:
    def __init__(self, bin_dir, cluster, scratch, short):
        self.bin_dir = bin_dir
        self.cluster = cluster
        self.scratch = scratch
        self.short = short
        self.started = []

    def binary(self, name):
        return os.path.join(self.bin_dir, name)

    def folder(self, name):
        path = os.path.join(self.scratch, name)
        os.makedirs(path, exist_ok=True)
        os.chmod(path, 0o755)
        return path

    def base_env(self):
        return {k: v for k, v in os.environ.items() if k not in LEAKY}

    def migrate(self, schema):
        env = dict(self.base_env(), DATABASE_URL=self.cluster.url, MAIN_DB_SCHEMA=schema)
        out = subprocess.run([self.binary("fnhost"), "migrate", "--folder", "db_migrations"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"migrate {schema} failed: {out.stderr[-1500:]}")

    def try_on_stack(self, name, delay_ms=100, env=None, extra=(), standin_extra=()):
        """A migrated schema `chaos_<name>`, a stand-in (with `standin_extra` options) and
        `fnhost serve --functions functions`, all started; returns (host, standin, schema)."""
        schema = f"chaos_{name}_{int(time.time())}"
        self.migrate(schema)
        run_dir = self.folder(name)
        standin = StandIn(self.binary("replicate-standin"), delay_ms, os.path.join(run_dir, "standin.log"),
                          standin_extra)
        self.started.append(standin)
        host_env = dict(self.base_env(), DATABASE_URL=self.cluster.url, MAIN_DB_SCHEMA=schema,
                        REPLICATE_API_TOKEN="r8_chaos", REPLICATE_BASE_URL=standin.base, LEASE_SECONDS="6")
        host_env.update(env or {})
        host = Host(self.binary("fnhost"), "functions", run_dir, host_env,
                    "/replicate-async-status?task_id=chaos-ready-probe", extra)
        host.start()
        self.started.append(host)
        return host, standin, schema

    def stop_all(self):
        for process in reversed(self.started):
            try:
                process.stop()
            except Exception:  # noqa: BLE001 - cleanup must reach every process
                pass
        self.started.clear()
