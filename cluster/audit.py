"""What a scenario counts after its load stopped: the worker's timer ticks from every host's log,
and whether every completed task's result image can be fetched through the front. Tasks lost and
processed twice come from chaos's audit (chaos/tasks.py), run on the same database and call log.
"""
import collections
import datetime
import math

from chaos.tasks import rows
from tools.fnhoststack import http

WORKER = "replicate-async-worker"
TRIGGER = "drain-queue"
TICK_S = 5

# How long the timers may go unfired when the lead changes, by how the leader left (docs/cluster.md,
# Timers): a stopped or crashed leader's lock is free at once (up to 1 s until another host's next try
# takes it, then 3 s of the old leader's validity waited out); a cut-off leader's session is first
# dropped by the server's keep-alives, within 5 s.
TAKEOVER_S = {"stopped": 4, "killed": 4, "cut": 9}


def ticks_a_takeover_may_miss(takeovers):
    """The ticks the given takeovers (kinds of TAKEOVER_S) may leave unfired: a gap of G seconds holds
    at most ceil(G / TICK_S) ticks."""
    return sum(math.ceil(TAKEOVER_S[kind] / TICK_S) for kind in takeovers)


def _epoch(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def ticks(hosts, since, until):
    """The worker timer's ticks T with since <= T <= until: {T: [host, ...]} of the hosts whose
    log has a `timer_fired` line for T (a list: a host firing T twice shows twice), plus the
    `timer_skipped` lines of that time, by tick (a skip names no tick: it is the tick due then)."""
    fired = collections.defaultdict(list)
    skipped = collections.defaultdict(list)
    first = int(-(-since // TICK_S) * TICK_S)
    for tick in range(first, int(until) + 1, TICK_S):
        fired[tick] = []
    for host in hosts:
        for line in host.log_events("timer_fired"):
            if line.get("function") != WORKER or line.get("trigger") != TRIGGER or line.get("tick") is None:
                continue
            tick = int(line["tick"])
            if since <= tick <= until:
                fired[tick].append(line.get("host") or host.name)
        for line in host.log_events("timer_skipped"):
            if line.get("function") != WORKER:
                continue
            tick = int(_epoch(line["time"]) // TICK_S * TICK_S)
            if since <= tick <= until:
                skipped[tick].append(f"{line.get('host') or host.name}: {line.get('reason')}")
    return dict(fired), dict(skipped)


def tick_summary(fired, skipped):
    doubled = {t: who for t, who in fired.items() if len(who) > 1}
    missed = sorted(t for t, who in fired.items() if not who)
    by_host = collections.Counter(h for who in fired.values() for h in who)
    return {"ticks": len(fired), "fired": sum(len(w) for w in fired.values()), "doubled": doubled,
            "missed": missed, "missed_skipped": {t: skipped[t] for t in missed if t in skipped},
            "by_host": dict(sorted(by_host.items()))}


def result_check(database, schema, task_ids, front_base):
    """GETs, through the front, the result image of every completed task of `task_ids`; returns
    (checked, [(task, problem)])."""
    table = rows(database, schema)
    problems = []
    checked = 0
    for task in task_ids:
        row = table.get(task)
        if row is None or row["status"] != "completed":
            continue
        checked += 1
        url = row["result_url"]
        if not url.startswith(front_base + "/"):
            problems.append((task, f"URL not on the front: {url[:80]}"))
            continue
        answer = http("GET", url, timeout=10)
        if answer.status != 200 or not answer.body.startswith(b"\x89PNG"):
            problems.append((task, f"{answer.status} {answer.error or answer.body[:80]!r}"))
    return checked, problems
