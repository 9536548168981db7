"""Load generators: wrk for HTTP rows, pgbench for the database ceiling. Each returns one dict
{rps, p50, p99 (milliseconds), non2xx, errors}, the shape every row of the table takes."""
import os
import re
import subprocess
import tempfile


def _milliseconds(value, unit):
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(url, connections, duration, method="GET", body=None, headers=None):
    """wrk with --latency; a POST body and headers go through a generated Lua script."""
    threads = 1 if connections < 2 else 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    script = None
    if method != "GET" or body is not None or headers:
        lines = [f'wrk.method = "{method}"']
        if body is not None:
            lines.append("wrk.body = [==[" + body + "]==]")
        for name, value in (headers or {}).items():
            lines.append(f'wrk.headers["{name}"] = "{value}"')
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write("\n".join(lines) + "\n")
        script.close()
        command += ["-s", script.name]
    try:
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(label):
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        return _milliseconds(float(m.group(1)), m.group(2)) if m else None

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": socket_errors.group(1) if socket_errors else ""}


def pgbench_select(database_url, clients, duration, scale=10, initialized=[]):
    """`pgbench -S -M prepared`: primary-key reads of pgbench_accounts, the database's own ceiling
    for the status endpoint's kind of query. Initialises the pgbench tables (scale 10, 1M rows)
    once per database."""
    if database_url not in initialized:
        subprocess.run(["pgbench", "-i", "-q", "-s", str(scale), database_url], check=True, capture_output=True)
        initialized.append(database_url)
    threads = max(1, min(clients, os.cpu_count() or 1))
    out = subprocess.run(
        ["pgbench", "-S", "-M", "prepared", "-n", "-c", str(clients), "-j", str(threads), "-T", str(duration),
         database_url], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench: pgbench failed: {out.stderr.strip()[-500:]}")
    out = out.stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    average = re.search(r"latency average = ([\d.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {"rps": tps, "p50": float(average.group(1)) if average else None, "p99": None,
            "non2xx": int(failed.group(1)) if failed else 0, "errors": "", "p50_is_average": True}
