"""Drives the official `replicate` Python client, unchanged, against a running Replicate stand-in.

Exported poehali.dev apps call Replicate through this client; fnhost points it at the stand-in with
`REPLICATE_BASE_URL` and a placeholder `REPLICATE_API_TOKEN` (both 0.25.x and 1.x read the two
variables when the client is built). Every call such an app can make is made here: `run` with and
without a version, create/get/reload/wait/cancel/list, models and versions, 1.x sync mode
(`Prefer: wait`) and FileOutput, failures and error answers. Each check looks at what the client
returned and at what the stand-in logged (`GET /_standin/calls`: paths, `Prefer`, user agent).

    REPLICATE_BASE_URL=http://127.0.0.1:PORT REPLICATE_API_TOKEN=r8_offline_standin \\
        python check_client.py --expect-version 1.0.7

Prints one line per check and exits 1 when any failed, 0 otherwise. Timing comes from the stand-in's
`delayMs` switch; all waiting is the client's own polling (`REPLICATE_POLL_INTERVAL`), except for
webhook deliveries, which are awaited on the receiver this script starts (until a deadline).
"""

import argparse
import base64
import dataclasses
import http.server
import json
import os
import sys
import threading
import traceback
import urllib.request

import replicate
from replicate.__about__ import __version__ as CLIENT_VERSION
from replicate.exceptions import ModelError

from standin import StandIn, Mismatch, expect, expect_error, expect_png, one

PINNED = "c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4"
MODEL = "cuuupid/idm-vton"
DATA_PNG = "data:image/png;base64,"


def try_on_input(garment="https://storage.example.com/t_01/garment-0.jpg", description=""):
    """The input the original app sent, its empty `garment_des` included."""
    return {
        "human_img": "https://storage.example.com/t_01/person.jpg",
        "garm_img": garment,
        "garment_des": description,
        "category": "upper_body",
    }


@dataclasses.dataclass
class Context:
    standin: StandIn
    #: True for the 1.x client: sync mode by default in `run`, FileOutput for file outputs.
    v1: bool

    def check_calls(self, calls):
        """Every logged API call came from this client and none was refused (file downloads are
        this script's own)."""
        agent = f"replicate-python/{CLIENT_VERSION}"
        for call in (call for call in calls if call["path"].startswith("/v1/")):
            where = f"{call['method']} {call['path']}"
            expect(call["user_agent"] == agent, f"{where}: user agent {call['user_agent']!r}, expected {agent!r}")
            expect(call["status"] < 400, f"{where}: answered {call['status']}")

    def run_output(self, output, prediction_id):
        """The PNG bytes `run` handed back: a FileOutput over a data: URI (1.x), else the file URL
        (0.25.x), downloaded as an app would. They must equal what `/files/{id}.png` serves."""
        if self.v1:
            from replicate.helpers import FileOutput
            expect(isinstance(output, FileOutput), f"run returned {type(output).__name__}, expected FileOutput")
            expect(output.url.startswith(DATA_PNG), f"FileOutput.url {output.url[:40]!r} is not a PNG data URI")
            data = output.read()
            expect(b"".join(output) == data, "iterating the FileOutput gave other bytes than read()")
        else:
            expected = f"{self.standin.base}/files/{prediction_id}.png"
            expect(output == expected, f"run returned {output!r}, expected {expected!r}")
            with urllib.request.urlopen(output, timeout=30) as response:
                data = response.read()
        expect_png(data, "run output")
        expect(data == self.standin.file(prediction_id), "run output differs from /files/{id}.png")


def check_run_with_version(ctx):
    ctx.standin.faults(delayMs=100)
    mark = ctx.standin.mark()
    output = replicate.run(f"{MODEL}:{PINNED}", input=try_on_input())
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    create = one(calls, "run's create", kind="create", path="/v1/predictions")
    expect(create["prefer"] == ("wait" if ctx.v1 else None), f"create sent Prefer {create['prefer']!r}")
    expect(create["garment_des"] == "", f"garment_des arrived as {create['garment_des']!r}")
    one(calls, "run's version read", kind="model", path=f"/v1/models/{MODEL}/versions/{PINNED}")
    ctx.run_output(output, create["prediction_id"])


def check_run_without_version(ctx):
    ctx.standin.faults(delayMs=100)
    mark = ctx.standin.mark()
    output = replicate.run(MODEL, input=try_on_input())
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    create = one(calls, "run's create", kind="create", path=f"/v1/models/{MODEL}/predictions")
    expect(not any(call["kind"] == "model" for call in calls), "run without a version read a model or version")
    ctx.run_output(output, create["prediction_id"])


def check_run_url_output(ctx):
    """1.x with use_file_output=False returns the output string itself."""
    ctx.standin.faults(delayMs=50)
    output = replicate.run(f"{MODEL}:{PINNED}", input=try_on_input(), use_file_output=False)
    expect(isinstance(output, str) and output.startswith(DATA_PNG), f"run returned {str(output)[:40]!r}")
    expect_png(base64.b64decode(output[len(DATA_PNG):]), "decoded output")


def check_predictions_lifecycle(ctx):
    ctx.standin.faults(delayMs=150)
    mark = ctx.standin.mark()
    prediction = replicate.predictions.create(version=PINNED, input=try_on_input(description="t-shirt"))
    expect(prediction.status == "starting", f"create answered status {prediction.status!r}")
    expect(prediction.version == PINNED and prediction.model == MODEL, "create answered another model or version")
    expect(prediction.input.get("garment_des") == "t-shirt", "create did not echo the input")
    fetched = replicate.predictions.get(prediction.id)
    expect(fetched.id == prediction.id, f"get returned prediction {fetched.id!r}")
    prediction.reload()
    expect(prediction.status in ("starting", "processing", "succeeded"), f"reload gave {prediction.status!r}")
    prediction.wait()
    expect(prediction.status == "succeeded", f"wait ended with status {prediction.status!r}")
    expected = f"{ctx.standin.base}/files/{prediction.id}.png"
    expect(prediction.output == expected, f"output {prediction.output!r}, expected {expected!r}")
    expect(prediction.completed_at and "predict_time" in (prediction.metrics or {}), "no completion data")
    with urllib.request.urlopen(prediction.output, timeout=30) as response:
        expect_png(response.read(), "the output URL's file")
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    expect(one(calls, "the create", kind="create")["prefer"] is None, "a plain create sent Prefer")
    gets = [call for call in calls if call["kind"] == "get" and call["prediction_id"] == prediction.id]
    expect(len(gets) >= 3, f"get, reload and wait made {len(gets)} GETs")


def check_cancel(ctx):
    ctx.standin.faults(delayMs=5000)
    first = replicate.predictions.create(version=PINNED, input=try_on_input())
    canceled = replicate.predictions.cancel(first.id)
    expect(canceled.id == first.id and canceled.status == "canceled", f"cancel answered {canceled.status!r}")
    expect(replicate.predictions.get(first.id).status == "canceled", "a GET after cancel is not canceled")
    second = replicate.predictions.create(version=PINNED, input=try_on_input())
    second.cancel()
    expect(second.status == "canceled", f"Prediction.cancel() left status {second.status!r}")
    second.wait()
    expect(second.output is None, "a canceled prediction has an output")


def check_list(ctx):
    ctx.standin.faults(delayMs=0)
    mark = ctx.standin.mark()
    older = replicate.predictions.create(version=PINNED, input=try_on_input(garment="https://x/older.jpg"))
    newer = replicate.predictions.create(version=PINNED, input=try_on_input(garment="https://x/newer.jpg"))
    page = replicate.predictions.list()
    ids = [prediction.id for prediction in page.results]
    expect(older.id in ids and newer.id in ids, "list misses predictions just created")
    expect(ids.index(newer.id) < ids.index(older.id), "list is not newest first")
    expect(page.next is None, f"list has a next page {page.next!r}")
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    one(calls, "the list", kind="list", method="GET", path="/v1/predictions")


def check_models(ctx):
    mark = ctx.standin.mark()
    model = replicate.models.get(MODEL)
    expect((model.owner, model.name) == ("cuuupid", "idm-vton"), f"models.get gave {model.owner}/{model.name}")
    expect(model.latest_version is not None and model.latest_version.id == PINNED, "latest_version is not the pinned one")
    schemas = model.latest_version.openapi_schema["components"]["schemas"]
    expect(schemas["Output"].get("format") == "uri", f"Output schema {schemas['Output']}")
    expect("garment_des" in schemas["Input"]["required"], "garment_des is not a required input")
    version = model.versions.get(PINNED)
    expect(version.id == PINNED and version.cog_version, f"versions.get gave {version.id!r}")
    expect([v.id for v in model.versions.list()] == [PINNED], "versions.list is not the pinned version")
    expect(MODEL in [f"{m.owner}/{m.name}" for m in replicate.models.list()], "models.list misses the model")
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    one(calls, "models.get", kind="model", path=f"/v1/models/{MODEL}")
    one(calls, "versions.get", kind="model", path=f"/v1/models/{MODEL}/versions/{PINNED}")


def check_sync_mode(ctx):
    """1.x `wait=`: a prediction done in time comes back finished, one that is not comes back
    `starting` after the wait; either way `run` ends with the PNG."""
    ctx.standin.faults(delayMs=200)
    mark = ctx.standin.mark()
    done = replicate.predictions.create(version=PINNED, input=try_on_input(), wait=10)
    expect(done.status == "succeeded", f"a 10 s wait on a 0.4 s prediction answered {done.status!r}")
    expect(isinstance(done.output, str) and done.output.startswith(DATA_PNG), "sync output is not a PNG data URI")
    expect(base64.b64decode(done.output[len(DATA_PNG):]) == ctx.standin.file(done.id), "inline output != file")
    calls = ctx.standin.calls(mark)
    create = one(calls, "the sync create", kind="create")
    expect(create["prefer"] == "wait=10" and create["heldMs"] >= 300, f"create held {create['heldMs']} ms")
    expect(not any(call["kind"] == "get" for call in calls), "the client polled a finished sync prediction")

    ctx.standin.faults(delayMs=1000)
    mark = ctx.standin.mark()
    pending = replicate.predictions.create(version=PINNED, input=try_on_input(), wait=1)
    expect(pending.status == "starting" and pending.output is None, f"a 1 s wait answered {pending.status!r}")
    held = one(ctx.standin.calls(mark), "the timed-out create", kind="create")["heldMs"]
    expect(900 <= held < 1900, f"Prefer: wait=1 on a 2 s prediction held the create {held} ms")
    pending.wait()
    expect(pending.status == "succeeded" and pending.output.startswith(DATA_PNG), "polled sync prediction lacks output")

    mark = ctx.standin.mark()
    output = replicate.run(f"{MODEL}:{PINNED}", input=try_on_input(), wait=1)
    calls = ctx.standin.calls(mark)
    ctx.check_calls(calls)
    create = one(calls, "run's create", kind="create")
    expect(any(call["kind"] == "get" for call in calls), "run did not poll after the wait ran out")
    ctx.run_output(output, create["prediction_id"])


class Skip(Exception):
    """A check that cannot run with this client version; the message says why."""


class WebhookReceiver:
    """A webhook receiver on an ephemeral loopback port (http.server in a thread): records each POST's
    headers and raw body and answers 200."""

    def __init__(self):
        self.received = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.changed:
                    receiver.received.append((dict(self.headers.items()), body))
                    receiver.changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=15):
        """The first `count` deliveries, waiting up to `timeout` seconds for them."""
        with self.changed:
            arrived = self.changed.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            expect(arrived, f"{len(self.received)} webhook deliveries after {timeout} s, expected {count}")
            return list(self.received[:count])

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def check_webhooks(ctx):
    """A create with `webhook=` gets a signed completed delivery that the client's own validator
    (`replicate.webhooks.validate`, 1.x) accepts with `replicate.webhooks.default.secret()`; a tampered
    body and a forged signature (the stand-in's webhookForge switch) fail it."""
    if not hasattr(replicate, "webhooks"):
        raise Skip(f"replicate {CLIENT_VERSION} has no replicate.webhooks (no secret() and no validate())")
    from replicate.webhook import InvalidSignatureError

    secret = replicate.webhooks.default.secret()
    expect(secret.key.startswith("whsec_"), f"webhooks.default.secret() gave {secret.key[:10]!r}...")
    receiver = WebhookReceiver()
    try:
        ctx.standin.faults(delayMs=50)
        prediction = replicate.predictions.create(version=PINNED, input=try_on_input(), webhook=receiver.url,
                                                  webhook_events_filter=["completed"])
        headers, body = receiver.wait_for(1)[0]
        payload = json.loads(body)
        expect(payload["id"] == prediction.id and payload["status"] == "succeeded", f"delivery says {payload['status']!r}")
        expect(payload["output"] == f"{ctx.standin.base}/files/{prediction.id}.png", f"delivery output {payload['output']!r}")
        expect(headers.get("User-Agent") == "replicate-standin", f"delivery user agent {headers.get('User-Agent')!r}")
        replicate.webhooks.validate(headers=headers, body=body.decode(), secret=secret, tolerance=300)
        tampered = body.decode().replace('"succeeded"', '"failed"')
        expect(tampered != body.decode(), "could not tamper with the body")
        try:
            replicate.webhooks.validate(headers=headers, body=tampered, secret=secret, tolerance=300)
            raise Mismatch("the validator accepted a tampered body")
        except InvalidSignatureError:
            pass

        ctx.standin.faults(delayMs=50, webhookForge=1)
        replicate.predictions.create(version=PINNED, input=try_on_input(), webhook=receiver.url,
                                     webhook_events_filter=["completed"])
        forged_headers, forged_body = receiver.wait_for(2)[1]
        try:
            replicate.webhooks.validate(headers=forged_headers, body=forged_body.decode(), secret=secret, tolerance=300)
            raise Mismatch("the validator accepted a forged signature")
        except InvalidSignatureError:
            pass
    finally:
        receiver.close()


def check_failed_prediction(ctx):
    ctx.standin.faults(delayMs=50, failPrediction=1)
    try:
        replicate.run(f"{MODEL}:{PINNED}", input=try_on_input())
    except ModelError as error:
        message = error.prediction.error if ctx.v1 else str(error)
        expect("CUDA" in (message or ""), f"ModelError carries {message!r}")
        return
    raise Mismatch("run of a failing prediction raised no ModelError")


def check_errors(ctx):
    ctx.standin.faults()
    expect_error(lambda: replicate.models.get("nobody/nothing"), 404, "nobody/nothing", "unknown model")
    expect_error(lambda: replicate.models.get(MODEL).versions.get("abc"), 404, "abc", "malformed version")
    expect_error(lambda: replicate.predictions.get("nosuchid"), 404, "nosuchid", "unknown prediction")
    expect_error(lambda: replicate.predictions.cancel("nosuchid"), 404, "nosuchid", "cancel of unknown")
    incomplete = {"human_img": "https://x/p.jpg", "garm_img": "https://x/g.jpg"}
    expect_error(lambda: replicate.predictions.create(version=PINNED, input=incomplete), 422, "garment_des",
                 "missing garment_des")
    expect_error(lambda: replicate.predictions.create(version="abc", input=try_on_input()), 422, "version",
                 "bad version")
    status, body = ctx.standin.request("GET", "/v1/nothing/here", auth=True)
    expect(status == 404 and b"GET /v1/nothing/here" in body, f"unknown route answered {status}: {body[:120]!r}")
    status, body = ctx.standin.request("POST", "/v1/predictions", {"version": PINNED, "input": try_on_input()},
                                       auth=True, headers={"Prefer": "wait=soon"})
    expect(status == 400 and b"Prefer" in body, f"Prefer: wait=soon answered {status}: {body[:120]!r}")


CHECKS = [
    ("run owner/name:version", check_run_with_version, False),
    ("run owner/name (no version)", check_run_without_version, False),
    ("run use_file_output=False", check_run_url_output, True),
    ("predictions create/get/reload/wait", check_predictions_lifecycle, False),
    ("predictions cancel", check_cancel, False),
    ("predictions list", check_list, False),
    ("models and versions", check_models, False),
    ("sync mode (Prefer: wait)", check_sync_mode, True),
    ("failed prediction", check_failed_prediction, False),
    ("error answers", check_errors, False),
    ("webhooks (signed deliveries, the client's validator)", check_webhooks, False),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expect-version", required=True, help="the replicate version this venv must hold")
    args = parser.parse_args()
    base, token = os.environ.get("REPLICATE_BASE_URL"), os.environ.get("REPLICATE_API_TOKEN")
    if not base or not token:
        print("check_client: set REPLICATE_BASE_URL and REPLICATE_API_TOKEN", file=sys.stderr)
        return 2
    if CLIENT_VERSION != args.expect_version:
        print(f"check_client: replicate {CLIENT_VERSION} is installed, expected {args.expect_version}", file=sys.stderr)
        return 1
    ctx = Context(standin=StandIn(base, token), v1=int(CLIENT_VERSION.split(".")[0]) >= 1)
    failed = ran = 0
    for name, check, only_v1 in CHECKS:
        if only_v1 and not ctx.v1:
            print(f"skip  {name} (the 0.x client has no such option)")
            continue
        ran += 1
        try:
            check(ctx)
            print(f"ok    {name}")
        except Skip as reason:
            ran -= 1
            print(f"skip  {name} ({reason})")
        except Mismatch as mismatch:
            failed += 1
            print(f"FAIL  {name}: {mismatch}")
        except Exception:  # noqa: BLE001 — an unexpected client error is a failed check, with its trace
            failed += 1
            print(f"FAIL  {name}: unexpected error\n{traceback.format_exc()}")
    ctx.standin.faults()
    print(f"replicate-python {CLIENT_VERSION}: {ran - failed} checks passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
