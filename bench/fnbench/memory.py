"""Memory of the stack's processes, from /proc: RSS (what `ps` shows, shared libraries counted in
full in every process) and PSS (shared pages divided among the processes that map them)."""
import os


def _field(path, name):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid):
    return _field(f"/proc/{pid}/status", "VmRSS")


def pss_kb(pid):
    return _field(f"/proc/{pid}/smaps_rollup", "Pss")


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def function_of(pid):
    """The function a host worker process serves (`... worker --function NAME ...`), else None."""
    args = command_line(pid)
    if "worker" in args and "--function" in args:
        index = args.index("--function")
        if index + 1 < len(args):
            return args[index + 1]
    return None
