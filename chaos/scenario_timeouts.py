"""Scenario 4: a handler running past its timeout.

fnhost-testhost serves the test functions (Tests/Fixtures/functions); `sleep` has a 1 s timeout
and one worker process. Each round asks it to sleep 3 s, which must be answered 504 with a JSON
body at about the timeout, and then sends it 100 requests in a row, every one of which must
succeed (the host replaced the stuck process).
"""
import os
import time

from tools.fnhoststack import ROOT, Host, http

from .harness import Result

FOLLOWING = 100


def run(h):
    r = Result("4. Handler timeouts: 504, then the next 100 requests succeed")
    rounds = 2 if h.short else 10
    run_dir = h.folder("timeouts")
    host = Host(h.binary("fnhost-testhost"), os.path.join(ROOT, "Tests", "Fixtures", "functions"), run_dir,
                h.base_env(), "/sleep?ms=1")
    host.start()
    h.started.append(host)
    timed_out = []
    waits = []
    following = {}
    for _ in range(rounds):
        began = time.time()
        answer = http("GET", host.base + "/sleep?ms=3000", timeout=15)
        waits.append(time.time() - began)
        timed_out.append((answer.status, answer.is_json))
        for _ in range(FOLLOWING):
            status = http("GET", host.base + "/sleep?ms=1", timeout=10).status
            following[status] = following.get(status, 0) + 1
    pool = host.pool("sleep")
    r.done.append(f"{rounds} rounds: GET /sleep?ms=3000 against a 1 s timeout, then {FOLLOWING} GET /sleep?ms=1 "
                  "one after another.")
    r.count("timeouts provoked", rounds)
    r.count("requests after them", rounds * FOLLOWING)
    r.count("answers to the slow calls", {f"{s} json={j}": timed_out.count((s, j)) for s, j in set(timed_out)})
    r.count("longest wait for the 504, s", round(max(waits), 2))
    r.count("answers to the following requests", {str(k): v for k, v in following.items()})
    r.count("host counters (sleep pool)", {k: pool.get(k) for k in ("timeouts", "crashes", "respawns")})
    r.result("slow calls not answered 504 JSON", f"{sum(1 for t in timed_out if t != (504, True))}",
             all(t == (504, True) for t in timed_out), "0")
    r.result("504 later than 2.5 s", f"{sum(1 for w in waits if w > 2.5)}", all(w <= 2.5 for w in waits), "0")
    bad = sum(v for k, v in following.items() if k != 200)
    r.result("following requests that failed", f"{bad} of {rounds * FOLLOWING}", bad == 0, "0")
    r.result("timeouts counted by the host", f"{pool.get('timeouts')}", pool.get("timeouts") == rounds, str(rounds))
    r.expect_zero("crashes", pool.get("crashes", 0))
    host.stop()
    h.started.remove(host)
    r.seconds = time.time() - r.began
    return r
