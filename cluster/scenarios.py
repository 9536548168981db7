"""The cluster's scenarios, each under its own load of pages (cluster/load.py) through the front:

  0. steady load: nothing happens (the baseline the others are read against)
  1. a host (not the timer leader) crashed: every process of it SIGKILLed at once; started again
  2. the timer leader cut off the network for 20 s (nftables drops all its packets), then healed
  3. the timer leader crashed the same way (timers must go on from another host), started again
  4. a rolling restart: each host in turn SIGTERMed, waited for, started again, waited healthy

Each scenario: the pages start; once half of them have finished a try-on (the load is warm) the
disruption runs; once as many try-ons again have finished after it, the pages stop starting and
end the ones they follow. Then every task is audited (chaos's audit: lost, stuck, processed twice,
extra creates from the stand-in's call log), every tick of the worker's timer in the scenario is
counted across the hosts' logs, and every completed task's result image is fetched through the
front again.

Goals (a missed one fails the run): 0 tasks lost, 0 processed twice, 0 unexplained extra creates,
0 ticks fired twice, no more missed ticks than each change of leader may cost (one when the leader
stopped or crashed, two when it was cut off: audit.TAKEOVER_S), 0 result images that cannot
be fetched through the front, 0 failed GETs in the rolling restart (which drains each host in
turn), and a longest error window under 2 s for a killed host (scenario 1).
"""
import time

from chaos.harness import Result
from chaos.tasks import attempts_text, audit, wait_terminal

from .audit import TICK_S, result_check, tick_summary, ticks, ticks_a_takeover_may_miss
from .load import Load, error_windows, failures_by_kind, latencies
from .stack import SCHEMA

KILLED_WINDOW_GOAL_S = 2.0


class Settings:
    """The run's sizes. Durations here are the load's and the faults' lengths (how long pages run
    before and after a fault, how long a host stays down or cut off), never waits for a state."""

    def __init__(self, short):
        self.short = short
        self.pages = 6 if short else 12
        self.delay_ms = 500 if short else 1000  # each prediction: 2 phases of this
        self.drain_notice = 3.0
        self.lease_s = 6
        self.warm_s = 6.0 if short else 10.0  # load before the fault, at least
        self.recover_s = 10.0 if short else 20.0  # load after it, at least
        self.down_s = 6.0 if short else 15.0  # a killed host stays down
        self.cut_s = 10.0 if short else 20.0


def wait_for(condition, limit, step=0.2):
    """Polls `condition` until it is true or `limit` s passed; returns the seconds it took or None."""
    began = time.time()
    while time.time() - began < limit:
        if condition():
            return time.time() - began
        time.sleep(step)
    return None


class Phase:
    """One scenario's load, its events and its audit."""

    def __init__(self, stack, settings, key, title):
        self.stack = stack
        self.settings = settings
        self.result = Result(title)
        self.load = Load(stack.front.base, settings.pages, user=f"cluster-{key}-{int(time.time())}")
        stack.loads.append(self.load)  # stopped by the caller if the scenario breaks off
        self.events = []  # (began, ended, label)
        self.takeovers = []  # how each leader that lost the lead in this scenario left (audit.TAKEOVER_S)

    def begin(self):
        self.leader_before = self.stack.wait_leader(15)
        self.load.start()
        began = time.time()
        warm = wait_for(lambda: self.load.completed >= max(1, self.settings.pages // 2)
                        and time.time() - began >= self.settings.warm_s, 90)
        if warm is None:
            self.result.result("load warmed up", f"{self.load.completed} try-ons finished in 90 s", False,
                               f"{self.settings.pages // 2}")
        self.disrupted_at = time.time()

    def event(self, began, ended, label):
        self.events.append((began, ended, label))

    def end(self):
        """Recovery under load, then the load stops and everything is audited."""
        done = self.load.completed
        began = time.time()
        recovered = wait_for(lambda: self.load.completed >= done + max(1, self.settings.pages // 2)
                             and time.time() - began >= self.settings.recover_s, 120)
        r = self.result
        if recovered is None:
            r.result("load recovered", f"{self.load.completed - done} try-ons finished in 120 s after the "
                                       "disruption", False, f"{self.settings.pages // 2}")
        still = self.load.finish()
        ended = time.time()
        stack, load = self.stack, self.load
        ids = load.tasks.ids
        waited = wait_terminal(stack.database, SCHEMA, ids, timeout=60)

        def explain(call, prediction):
            created = call["timeMs"] / 1000
            for began, until, label in self.events:
                if began - 1.0 <= created <= until + self.settings.lease_s:
                    return label
            return None

        a = audit(stack.database, SCHEMA, load.tasks, stack.standin, "/nonexistent", explain)
        records = load.snapshot()
        fired, skipped = ticks(stack.hosts.values(), load.began, ended)
        t = tick_summary(fired, skipped)
        checked, unfetchable = result_check(stack.database, SCHEMA, ids, stack.front.base)
        windows = error_windows(records)
        longest = windows[0] if windows else None
        failures = failures_by_kind(records)
        gets = [x for x in records if x.kind in ("status", "result")]
        failed_gets = [x for x in gets if not x.ok]
        starts = [x for x in records if x.kind == "start"]
        page_result_failures = [x for x in records if x.kind == "result" and not x.ok]

        timing = (f"the fault began {self.disrupted_at - load.began:.1f} s after the load, which stopped at "
                  f"{ended - load.began:.1f} s" if self.events else f"no fault; the load ran {ended - load.began:.1f} s")
        r.done.insert(0, f"{self.settings.pages} pages through the front ({stack.front.base}), each polling its task "
                         f"every 3 s and fetching its result image; {timing}.")
        for began, until, label in self.events:
            r.done.append(f"{label}: at {began - load.began:.1f} s, for {until - began:.1f} s.")
        names = {f"{h.ns.address}:{h.port}": n for n, h in stack.hosts.items()}
        changes = [f"{e['event'].replace('_', ' ')} {names.get(e.get('host'), e.get('host') or '')}"
                   f" at {e['at'] - load.began:.1f} s" + (f" ({e['reason']})" if e.get("reason") else "")
                   for e in stack.front.log_events("host_down", "host_up", "all_hosts_down")
                   if load.began <= e["at"] <= ended]
        if changes:
            r.done.append("The front's probes: " + "; ".join(changes) + ".")
        if still:
            r.done.append(f"Pages still following a task when stopped: {', '.join(still)}.")
        r.count("try-ons started / completed / failed", f"{len(ids)} / {a['completed']} / {a['failed']}")
        r.count("requests (starts, status polls, result images)",
                f"{len(starts)}, {sum(1 for x in records if x.kind == 'status')}, "
                f"{sum(1 for x in records if x.kind == 'result')}")
        r.count("failed requests by status", failures or "none")
        r.count("latency, s (all requests)", latencies(records))
        r.count("longest error window, s",
                f"{longest[2] - longest[1]:.2f} (page {longest[0]}, from {longest[1] - load.began:.1f} s)"
                if longest else "0 (no errors)")
        r.count("attempts per task", attempts_text(a["attempts"]))
        r.count("creates per step", dict(sorted(a["creates_per_step"].items())))
        r.count("extra creates", dict(a["extra_creates"]) or "none")
        r.count("worker timer ticks (fired by host)", f"{t['ticks']} ({t['by_host']})")
        r.count("missed ticks", (", ".join(f"{tk - load.began:+.0f} s" + (f" ({'; '.join(t['missed_skipped'][tk])})"
                                                                              if tk in t["missed_skipped"] else "")
                                          for tk in t["missed"]) or "none"))
        r.count("result images fetched by pages / checked at the end",
                f"{load.results_fetched} / {checked}")
        r.result("tasks lost", len(a["lost"]) + len(a["stuck"]) if waited is not None
                 else f"{len(a['lost']) + len(a['stuck'])} (not all terminal 60 s after the load)",
                 not a["lost"] and not a["stuck"], "0")
        r.expect_zero("tasks processed twice", a["processed_twice"])
        r.expect_zero("extra creates nothing explains", a["duplicated"])
        r.expect_zero("ticks fired more than once", len(t["doubled"]),
                      "; ".join(f"{tk}: {who}" for tk, who in list(t["doubled"].items())[:3]))
        allowed = ticks_a_takeover_may_miss(self.takeovers)
        changes = ", ".join(self.takeovers) or "none"
        r.result("missed ticks", f"{len(t['missed'])} (leader changes: {changes})", len(t["missed"]) <= allowed,
                 f"at most {allowed} (1 per stop or crash, 2 per cut)")
        r.expect_zero("result images not fetched through the front",
                      len(unfetchable) + len(page_result_failures),
                      "; ".join([f"{task}: {p}" for task, p in unfetchable[:2]]
                                + [f"{x.task}: {x.label}" for x in page_result_failures[:2]]))
        r.figures = {
            "failed requests": ", ".join(f"{kind} {label}: {n}" for kind, by in failures.items()
                                         for label, n in by.items()) or "0",
            "longest error window, s": f"{longest[2] - longest[1]:.2f}" if longest else "0",
            "tasks lost": len(a["lost"]) + len(a["stuck"]),
            "processed twice": len(a["processed_twice"]),
            "extra creates": sum(a["extra_creates"].values()),
            "ticks doubled / missed": f"{len(t['doubled'])} / {len(t['missed'])}",
            "images not fetched": len(unfetchable) + len(page_result_failures),
        }
        self.records, self.windows, self.failed_gets, self.audit, self.tick_summary = (
            records, windows, failed_gets, a, t)
        r.seconds = time.time() - r.began
        return r


def _pick(stack, leader):
    """A running host that is not the leader (the last in name order)."""
    others = [n for n, h in stack.hosts.items() if h.running() and n != leader]
    return others[-1]


def steady(stack, settings):
    phase = Phase(stack, settings, "0", "0. Steady load (no fault: the baseline)")
    phase.begin()
    return phase.end()


def host_killed(stack, settings):
    phase = Phase(stack, settings, "1", "1. A host crashed (all its processes SIGKILLed), then started again")
    phase.begin()
    victim = stack.hosts[_pick(stack, phase.leader_before)]
    killed_at = time.time()
    processes = victim.crash()
    time.sleep(max(0.0, killed_at + settings.down_s - time.time()))  # the outage's length
    victim.start()
    phase.event(killed_at, time.time(), f"{victim.name}: all its {processes} processes (master, nginx, workers) "
                                        f"SIGKILLed at once, down {settings.down_s:g} s, started again")
    r = phase.end()
    longest = phase.windows[0] if phase.windows else None
    window = (longest[2] - longest[1]) if longest else 0.0
    r.result("longest error window (killed host)", f"{window:.2f} s", window < KILLED_WINDOW_GOAL_S,
             f"< {KILLED_WINDOW_GOAL_S:g} s")
    return r


def leader_cut(stack, settings):
    phase = Phase(stack, settings, "2", f"2. The timer leader cut off for {settings.cut_s:g} s, then healed")
    phase.begin()
    r = phase.result
    victim_name = phase.leader_before or _pick(stack, None)
    victim = stack.hosts[victim_name]
    cut_at = time.time()
    stack.network.cut(victim_name)
    stepped_down = wait_for(lambda: victim.leads() is False, settings.cut_s)
    successor = stack.wait_leader(settings.cut_s, exclude=(victim_name,))
    successor_s = time.time() - cut_at if successor else None
    time.sleep(max(0.0, cut_at + settings.cut_s - time.time()))  # the fault's length, not a wait for a state
    stack.network.heal(victim_name)
    healed_at = time.time()
    back = wait_for(lambda: victim.health(timeout=1).status == 200, 30)
    phase.event(cut_at, healed_at, f"{victim_name} (the leader) cut off by nftables")
    phase.takeovers = ["cut"] if successor else []
    r.done.append(f"The cut leader stopped leading after {stepped_down:.1f} s (its own status page); "
                  if stepped_down is not None else "The cut leader still said it led at the end of the cut; ")
    r.done[-1] += (f"{successor} led {successor_s:.1f} s after the cut; {victim_name} answered its health "
                   f"{back:.1f} s after the heal." if successor else "no other host took the lead.")
    result = phase.end()
    result.result("the cut leader stepped down", "yes" if stepped_down is not None else "no", stepped_down is not None,
                  "yes, while cut off")
    result.result("another host took the lead", successor or "none", successor is not None, "one of the others")
    return result


def leader_killed(stack, settings):
    phase = Phase(stack, settings, "3", "3. The timer leader crashed (all its processes SIGKILLed), then started again")
    phase.begin()
    r = phase.result
    victim_name = phase.leader_before
    if victim_name is None:
        r.result("a leader before the kill", "none", False, "one host leading")
        return phase.end()
    victim = stack.hosts[victim_name]
    killed_at = time.time()
    processes = victim.crash()
    successor = stack.wait_leader(30, exclude=(victim_name,))
    took = time.time() - killed_at
    # Timers must go on: at least two ticks fired by the successor before the old leader returns.
    if successor:
        wait_for(lambda: len([tk for tk, who in ticks(stack.hosts.values(), killed_at, time.time())[0].items()
                              if who]) >= 2, 4 * TICK_S)
    victim.start()
    phase.event(killed_at, time.time(), f"{victim_name} (the leader): all its {processes} processes SIGKILLed at "
                                        "once, started again once another host had fired two ticks")
    phase.takeovers = ["killed"] if successor else []
    r.done.append(f"{successor} led {took:.1f} s after the kill." if successor else "No host took the lead.")
    result = phase.end()
    fired_after = [tk for tk, who in ticks(stack.hosts.values(), killed_at, killed_at + 4 * TICK_S)[0].items()
                   if who and victim_name not in who]
    result.result("timers went on from another host", f"{len(fired_after)} ticks in the 20 s after the kill",
                  successor is not None and len(fired_after) >= 2, "at least 2 ticks (of 4) from the successor")
    return result


def rolling_restart(stack, settings):
    phase = Phase(stack, settings, "4", "4. Rolling restart of all three hosts (SIGTERM, wait, start, healthy)")
    phase.begin()
    r = phase.result
    leader = phase.leader_before
    stops = []
    for name in stack.hosts:
        host = stack.hosts[name]
        leads = name == (stack.leader() or [None])[0]
        began = time.time()
        host.terminate()
        draining = wait_for(lambda: host.health(timeout=1).status == 503, 5, step=0.05)
        exit_s, code = host.wait_exit(120)
        exited = time.time()
        if exit_s is None:
            host.kill()
        host.start()
        ready = time.time()
        stops += ["stopped"] if leads else []
        phase.event(began, ready, f"{name}{' (the leader)' if leads else ''} SIGTERMed, exited, started again")
        r.done.append(f"{name}: health said 503 " + (f"{draining:.2f} s after SIGTERM" if draining is not None
                                                     else "never") +
                      f"; exited {'with ' + str(code) if exit_s is not None else 'not at all (SIGKILLed)'} after "
                      f"{exited - began:.1f} s; healthy again {ready - exited:.1f} s later.")
        r.result(f"{name} drained and exited 0", f"exit {code}, health 503 "
                 + ("yes" if draining is not None else "no"), code == 0 and draining is not None, "exit 0, 503 at once")
    phase.takeovers = stops
    after = stack.wait_leader(15)  # a leader stopped last hands over within TAKEOVER_S["stopped"]
    r.done.append(f"The leader before: {leader}; after: {after or 'none within 15 s'}.")
    result = phase.end()
    result.expect_zero("failed GETs (status polls, result images)", len(phase.failed_gets),
                       "; ".join(f"{x.kind} {x.label}" for x in phase.failed_gets[:3]))
    return result


SHORT = ("1", "2", "3", "4")  # --short leaves out the baseline
SCENARIOS = {"0": steady, "1": host_killed, "2": leader_cut, "3": leader_killed, "4": rolling_restart}
