#!/usr/bin/env python3
"""Real-browser test of the try-on page (web/index.html) against a running fnhost stack.

    python3 Tests/Browser/test_tryon_page.py --base-url http://127.0.0.1:PORT [--artifacts DIR]

The stack must serve the page and the three try-on functions with the Replicate stand-in (this is what
scripts/browser-test starts). Headless Chromium through Debian's chromedriver (/usr/bin/chromedriver).
Prints one line per check; on a failure saves a screenshot, the page source and the browser console
under the artifacts folder (default .run/browser/artifacts) and exits 1. A screenshot of the result
state is always saved as result.png (and result-mobile.png at a phone width).

The page's `fetch` is wrapped by a small spy (installed after each load) that records the requests
the page makes and can answer some of them with a scripted failure (a 503, a network error, a 429),
so the test sees both what the page sends and how it reacts to errors the real stack rarely gives.
The spy also keeps the page's timers (setTimeout, setInterval) that are still pending: a page with
no timer pending and no request in flight cannot send another request until it is clicked, which is
how the test knows that polling has stopped without watching the clock for a while.
"""
import argparse
import base64
import json
import os
import struct
import sys
import tempfile
import time
import traceback
import zlib

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PERSON_URL = "https://example.com/photos/person.jpg"
GARMENT_URLS = [
    "https://example.com/catalog/shirt.jpg",
    "https://example.com/catalog/jeans.jpg",
    "https://example.com/catalog/jacket.jpg",
]
RESULT_TIMEOUT = 60

# Records every fetch the page makes (url, method, headers, body, time, whether the page has its
# whole answer: `done` once the fetch failed or the page read the body) into window.__requests, and answers scripted failures from window.__faults: {"status": [...],
# "start": [...]}, each item "network", a status code ("503") or {status, body}, consumed one per
# matching request. window.__timers.pending holds the page's timers set since (id -> {kind, delay}),
# until they fire (a timeout) or are cleared; window.__timers.created counts them.
FETCH_SPY = r"""
if (!window.__spyInstalled) {
  window.__spyInstalled = true;
  window.__requests = [];
  window.__faults = {status: [], start: []};
  window.__timers = {pending: {}, created: 0};
  const timers = window.__timers;
  const realSetTimeout = window.setTimeout.bind(window);
  const realSetInterval = window.setInterval.bind(window);
  const realClearTimeout = window.clearTimeout.bind(window);
  const realClearInterval = window.clearInterval.bind(window);
  window.setTimeout = function (callback, delay, ...rest) {
    if (typeof callback !== "function") return realSetTimeout(callback, delay, ...rest);
    const id = realSetTimeout(function () { delete timers.pending[id]; return callback.apply(this, arguments); },
                              delay, ...rest);
    timers.pending[id] = {kind: "timeout", delay: Number(delay) || 0};
    timers.created += 1;
    return id;
  };
  window.setInterval = function (callback, delay, ...rest) {
    const id = realSetInterval(callback, delay, ...rest);
    timers.pending[id] = {kind: "interval", delay: Number(delay) || 0};
    timers.created += 1;
    return id;
  };
  window.clearTimeout = function (id) { delete timers.pending[id]; return realClearTimeout(id); };
  window.clearInterval = function (id) { delete timers.pending[id]; return realClearInterval(id); };
  const realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    init = init || {};
    const url = typeof input === "string" ? input : input.url;
    const headers = {};
    const given = init.headers || {};
    if (given instanceof Headers) { given.forEach((v, k) => { headers[k.toLowerCase()] = v; }); }
    else { Object.keys(given).forEach((k) => { headers[k.toLowerCase()] = given[k]; }); }
    const method = (init.method || "GET").toUpperCase();
    const kind = url.indexOf("task_id=") >= 0 ? "status" : method === "POST" ? "start" : "other";
    const record = {url: url, method: method, headers: headers,
                    body: typeof init.body === "string" ? init.body : null, t: Date.now(), kind: kind, done: false};
    window.__requests.push(record);
    // Done once the page has the whole answer: the fetch failed, or the page read its body.
    const finished = () => { record.done = true; };
    const tracked = (response) => {
      ["json", "text", "arrayBuffer", "blob"].forEach((name) => {
        const read = response[name].bind(response);
        response[name] = () => read().finally(finished);
      });
      return response;
    };
    const queue = window.__faults[kind];
    if (queue && queue.length) {
      const fault = queue.shift();
      if (fault === "network") {
        finished();
        return Promise.reject(new TypeError("Failed to fetch (scripted)"));
      }
      const scripted = typeof fault === "object" ? fault : {status: Number(fault),
                                                             body: {error: "scripted failure", code: "scripted"}};
      return Promise.resolve(tracked(new Response(JSON.stringify(scripted.body),
        {status: scripted.status, headers: {"Content-Type": "application/json"}})));
    }
    return realFetch(input, init).then(tracked, (error) => { finished(); throw error; });
  };
}
"""

# Calls back (Selenium's async script) once the page is drawn as it stands: its images decoded, its
# fonts loaded, its finite animations and transitions ended, and two animation frames painted since.
RENDERED = r"""
const done = arguments[arguments.length - 1];
const images = Array.from(document.images).filter((i) => i.src).map((i) => i.decode().catch(() => null));
Promise.all([document.fonts.ready].concat(images)).then(() => {
  const finite = document.getAnimations().filter((a) => a.playState === "running"
    && a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  return Promise.all(finite.map((a) => a.finished.catch(() => null)));
}).then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));
"""


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def tiny_png(path, width=8, height=8, rgb=(109, 74, 255)):
    """Writes a real PNG (8-bit RGB) of one colour."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    with open(path, "wb") as handle:
        handle.write(png)
    return path


class PageTest:
    def __init__(self, base_url, artifacts):
        self.base = base_url.rstrip("/")
        self.artifacts = artifacts
        self.failures = 0
        os.makedirs(artifacts, exist_ok=True)
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,1000", "--lang=ru-RU", "--no-first-run",
                         "--disable-background-networking", "--disable-extensions"):
            options.add_argument(argument)
        if os.path.exists("/usr/bin/chromium"):
            options.binary_location = "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)
        self.tmp = tempfile.mkdtemp(prefix="tryon-browser-")

    # ---------- helpers ----------

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def el(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def els(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def visible_text(self, selector):
        found = self.els(selector)
        return found[0].text if found and found[0].is_displayed() else ""

    def wait(self, what, predicate, timeout=10.0, interval=0.1):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = predicate()
                if value:
                    return value
            except WebDriverException as error:  # a reload in progress, a stale element
                last_error = error
            time.sleep(interval)
        raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}"
                          + (f" (last error: {last_error.msg})" if last_error else ""))

    def open(self, query="", keep_task=False):
        """Loads the page (fresh), installs the fetch spy, waits for func2url.json to be loaded."""
        self.driver.get(self.base + "/" + query)
        expect(self.els("#tryon-form"), f"no try-on page at {self.base}/ (title {self.driver.title!r})")
        if not keep_task:
            self.js("localStorage.removeItem('tryon.task');")
            self.driver.get(self.base + "/" + query)
        self.wait("the page to initialise", lambda: self.els(".garment-row"))
        self.install_spy()

    def install_spy(self):
        self.js(FETCH_SPY)

    def requests(self, kind=None):
        records = self.js("return window.__requests || [];")
        return [r for r in records if kind is None or r["kind"] == kind]

    def pending_work(self):
        """What could still make the page send a request on its own: its pending timers and the
        requests whose answer it has not read yet (the spy's records)."""
        return self.js("return {timers: Object.values(window.__timers.pending), created: window.__timers.created,"
                       " inFlight: window.__requests.filter((r) => !r.done).map((r) => r.kind)};")

    def wait_until_polling_stopped(self, state):
        """Waits until the page holds no timer and no request whose answer it has not read, after
        reaching `state` (the page polls with setTimeout and ticks its elapsed time with
        setInterval: stopping clears both; it decides what next once it has read an answer), then
        checks that no status request was sent meanwhile. Returns the count of status requests."""
        polls = len(self.requests("status"))
        last = {}

        def quiet():
            last.update(self.pending_work())
            return not last["timers"] and not last["inFlight"]
        try:
            self.wait(f"the page to stop polling after the {state} state", quiet, timeout=5)
        except CheckFailed:
            raise CheckFailed(f"polling continued after the {state} state: pending timers {last.get('timers')}, "
                              f"requests in flight {last.get('inFlight')}")
        expect(last["created"] > 0, "the spy saw no timer of the page's polling (is it still installed?)")
        expect(len(self.requests("status")) == polls, f"a status request was sent after the {state} state")
        return polls

    def fill_form(self, person=PERSON_URL, garments=(), hints=""):
        """garments: [(url, category)]; rows are added with the page's own button."""
        self.set_value("#person-url", person)
        for index, (url, category) in enumerate(garments):
            rows = self.els(".garment-row")
            if index >= len(rows):
                self.el("#add-garment").click()
                rows = self.wait("a new garment row", lambda: len(self.els(".garment-row")) > index
                                 and self.els(".garment-row"))
            row = rows[index]
            url_input = row.find_element(By.CSS_SELECTOR, ".garment-url")
            url_input.clear()
            if url:
                url_input.send_keys(url)
            Select(row.find_element(By.CSS_SELECTOR, ".garment-category")).select_by_value(category)
        if hints:
            self.set_value("#hints", hints)

    def set_value(self, selector, value):
        element = self.el(selector)
        element.clear()
        if value:
            element.send_keys(value)

    def result_loaded(self):
        image = self.els("#result-img")
        if not image or not image[0].is_displayed():
            return False
        return self.js("const i = document.getElementById('result-img');"
                       "return i.complete && i.naturalWidth > 0 ? i.naturalWidth : 0;")

    def wait_for_result(self, seen=None, timeout=RESULT_TIMEOUT):
        """Polls the DOM every 100 ms until the result image has loaded; records #status texts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = self.visible_text("#status")
                if seen is not None and text and (not seen or seen[-1] != text):
                    seen.append(text)
                failed = self.visible_text("#job-error")
                expect(not failed, f"the task failed: {failed!r}")
                if self.result_loaded():
                    return
            except WebDriverException:
                pass
            time.sleep(0.1)
        raise CheckFailed(f"no loaded #result-img within {timeout}s; #status texts seen: {seen}; "
                          f"now: {self.visible_text('#status')!r}")

    def new_look(self):
        """Clicks «Новый образ» and waits until the page's smooth scroll to the top has ended: a click
        Selenium aims while the page still scrolls can land on nothing (the next submit was lost so)."""
        self.el("#new-look").click()
        self.wait("the scroll to the top to end", lambda: self.js("return window.scrollY;") == 0, timeout=5)

    def stored_task_id(self):
        raw = self.js("return localStorage.getItem('tryon.task');")
        return json.loads(raw)["id"] if raw else None

    def full_page_screenshot(self, name, width, mobile=False):
        """The whole page at a given CSS width (Chromium's DevTools protocol), into the artifacts."""
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        try:
            self.wait_for_viewport(width, 900)
            height = min(self.js("return Math.ceil(document.documentElement.scrollHeight);"), 6000)
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(metrics, height=height))
            self.wait_for_viewport(width, height)
            self.driver.execute_async_script(RENDERED)
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            with open(os.path.join(self.artifacts, name), "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def wait_for_viewport(self, width, height):
        """Waits until the page is laid out at a viewport of width x height CSS pixels."""
        self.wait(f"a {width}x{height} viewport",
                  lambda: self.js("return [window.innerWidth, window.innerHeight];") == [width, height], timeout=5)

    def save_artifacts(self, name):
        base = os.path.join(self.artifacts, name)
        try:
            self.driver.save_screenshot(base + ".png")
            with open(base + ".html", "w", encoding="utf-8") as handle:
                handle.write(self.driver.page_source)
            with open(base + ".console.txt", "w", encoding="utf-8") as handle:
                for entry in self.driver.get_log("browser"):
                    handle.write(f"{entry.get('level')} {entry.get('message')}\n")
            return base
        except Exception as error:  # the browser may be gone
            return f"(could not save artifacts: {error})"

    def run(self, name, check):
        started = time.monotonic()
        try:
            detail = check()
            print(f"ok   {name} ({time.monotonic() - started:.1f}s){': ' + detail if detail else ''}", flush=True)
        except Exception as error:
            self.failures += 1
            where = self.save_artifacts("fail-" + name)
            if isinstance(error, CheckFailed):
                reason = str(error)
            else:  # one line here; the whole traceback next to the screenshot
                frames = traceback.extract_tb(error.__traceback__)
                frame = next((f for f in reversed(frames) if f.name.startswith("check_")), frames[-1])
                message = (getattr(error, "msg", None) or str(error)).strip().splitlines()
                reason = f"{type(error).__name__} in {frame.name} line {frame.lineno}: {message[0] if message else ''}"
                try:
                    with open(os.path.join(self.artifacts, f"fail-{name}.traceback.txt"), "w") as handle:
                        handle.write(traceback.format_exc())
                except OSError:
                    pass
            print(f"FAIL {name} ({time.monotonic() - started:.1f}s): {reason} [artifacts: {where}.*]", flush=True)

    # ---------- checks ----------

    def check_page(self):
        self.open()
        expect("Виртуальная примерочная" in self.driver.title, f"title is {self.driver.title!r}")
        expect(self.el("#submit").text.strip() == "Создать образ", f"submit button says {self.el('#submit').text!r}")
        expect(len(self.els(".garment-row")) == 1, "expected one garment row at start")
        options = [o.get_attribute("value") for o in self.els(".garment-row .garment-category option")]
        expect(options == ["upper_body", "lower_body", "dresses"], f"category options: {options}")
        for selector in ("#person-url", "#person-file", "#hints", ".garment-url", ".garment-category"):
            element_id = self.el(selector).get_attribute("id")
            labels = self.els(f"label[for='{element_id}']")
            expect(element_id and labels, f"{selector} has no label")
        expect(self.el("#hints").get_attribute("maxlength") == "500", "#hints maxlength is not 500")
        user = self.js("return localStorage.getItem('tryon.userId');")
        expect(user, "no user id in localStorage")
        # The rows' add/remove limits: 5 at most, the last one cannot be removed.
        for _ in range(6):
            if self.el("#add-garment").is_displayed():
                self.el("#add-garment").click()
        expect(len(self.els(".garment-row")) == 5, f"{len(self.els('.garment-row'))} rows after adding, want 5")
        expect(not self.el("#add-garment").is_displayed(), "«+ Добавить вещь» still shown at 5 rows")
        while len(self.els(".garment-row")) > 1:
            buttons = [b for b in self.els(".remove-garment") if b.is_displayed()]
            expect(buttons, "no remove button with several rows")
            buttons[-1].click()
        expect(not self.els(".remove-garment")[0].is_displayed(), "the only row can be removed")
        expect(not self.visible_text("#error"), f"page shows an error: {self.visible_text('#error')!r}")
        return f"user id {user}"

    def check_full_run(self):
        self.open("?poll_ms=400")
        self.fill_form(garments=[(GARMENT_URLS[0], "upper_body"), (GARMENT_URLS[1], "lower_body")],
                       hints="рубашка заправлена")
        self.el("#submit").click()
        seen = []
        self.wait_for_result(seen)
        steps = [t for t in seen if "шаг 1 из 2" in t or "шаг 2 из 2" in t]
        expect(steps, f"no «шаг k из 2» progress seen; #status texts: {seen}")
        expect(self.visible_text("#status") == "Готово!", f"final status {self.visible_text('#status')!r}")
        # What the page sent.
        starts = self.requests("start")
        expect(len(starts) == 1, f"{len(starts)} start requests")
        start = starts[0]
        body = json.loads(start["body"])
        user = self.js("return localStorage.getItem('tryon.userId');")
        expect(start["headers"].get("content-type") == "application/json", f"start headers {start['headers']}")
        expect(start["headers"].get("x-user-id") == user, "start request without the stored X-User-Id")
        expect(body == {"person_image": PERSON_URL,
                        "garments": [{"image": GARMENT_URLS[0], "category": "upper_body"},
                                     {"image": GARMENT_URLS[1], "category": "lower_body"}],
                        "prompt_hints": "рубашка заправлена"}, f"start body {body}")
        expect(not start["url"].startswith("http") or start["url"].startswith(self.base),
               f"start URL not same-origin: {start['url']}")
        polls = self.requests("status")
        task_id = self.stored_task_id()
        expect(polls and all(p["headers"].get("x-user-id") == user and f"task_id={task_id}" in p["url"]
                             for p in polls), "status polls without X-User-Id or the task id")
        src = self.el("#result-img").get_attribute("src")
        expect(task_id in src, f"result image {src} is not the task's")
        self.wait_until_polling_stopped("completed")
        expect(self.el("#new-look").is_displayed() and self.el("#new-look").text == "Новый образ",
               "no «Новый образ» button at the result")
        self.full_page_screenshot("result.png", 1280)
        self.full_page_screenshot("result-mobile.png", 390, mobile=True)
        return f"task {task_id}; status texts: {' → '.join(seen)}; {len(polls)} polls"

    def check_reload_resumes(self):
        # The default 3 s interval; three garments so the task is still running at the reload.
        self.open()
        self.fill_form(garments=[(GARMENT_URLS[0], "upper_body"), (GARMENT_URLS[1], "lower_body"),
                                 (GARMENT_URLS[2], "upper_body")])
        self.el("#submit").click()
        task_id = self.wait("a stored task id", self.stored_task_id, timeout=15)
        before = self.wait("a running status", lambda: self.visible_text("#status"), timeout=10)
        expect(before in ("В очереди",) or before.startswith("Обработка"), f"status before reload: {before!r}")
        expect("закрыть страницу" in self.visible_text("#leave-note"), "no «Можно закрыть страницу…» note")
        self.driver.refresh()
        self.wait("the page to initialise after the reload", lambda: self.els(".garment-row"))
        self.install_spy()
        expect(self.stored_task_id() == task_id, "the task id was not kept over the reload")
        expect(self.el("#job").is_displayed(), "the job panel is not shown after the reload")
        expect(self.el("#submit").get_attribute("disabled") is not None or self.result_loaded(),
               "the form is enabled while the restored task runs")
        seen = []
        self.wait_for_result(seen)
        src = self.el("#result-img").get_attribute("src")
        expect(task_id in src, f"result image {src} is not the restored task's")
        polled = self.js("return performance.getEntriesByType('resource').map(e => e.name)"
                         ".filter(n => n.indexOf('task_id=') >= 0);")
        expect(polled and all(task_id in url for url in polled), f"after the reload the page polled {polled}")
        spied = self.requests("status")
        gaps = [round((b["t"] - a["t"]) / 1000, 1) for a, b in zip(spied, spied[1:])]
        expect(all(2.5 <= gap <= 4.5 for gap in gaps), f"poll gaps {gaps}, want about 3 s")
        expect(not self.requests("start"), "the reload started a new task")
        # A second reload of a finished task still shows its result; «Новый образ» then clears it.
        self.driver.refresh()
        self.wait("the result after a second reload", self.result_loaded, timeout=15)
        self.new_look()
        expect(self.stored_task_id() is None, "«Новый образ» did not clear the stored task")
        expect(not self.el("#job").is_displayed(), "the job panel is still shown after «Новый образ»")
        expect(self.el("#submit").is_enabled(), "the form is not enabled after «Новый образ»")
        return f"task {task_id}; before reload {before!r}; after: {' → '.join(seen)}; poll gaps {gaps} s"

    def check_invalid_form(self):
        self.open()
        # Nothing entered: the page says so itself and sends nothing.
        self.el("#submit").click()
        message = self.wait("#person-error", lambda: self.visible_text("#person-error"), timeout=5)
        expect("Укажите" in message, f"#person-error says {message!r}")
        expect(self.visible_text("#garment-error-1"), "no message at the empty garment row")
        expect(not self.requests("start"), "an empty form was sent")
        # The server rejects a javascript: URL; its error is shown at the person field.
        self.fill_form(person="javascript:alert(1)",
                       garments=[(GARMENT_URLS[0], "upper_body"), (GARMENT_URLS[1], "lower_body")])
        self.el("#submit").click()
        message = self.wait("the server's error at #person-error",
                            lambda: "person_image" in self.visible_text("#person-error")
                            and self.visible_text("#person-error"), timeout=10)
        expect("not an image URL" in message, f"#person-error says {message!r}")
        expect(self.el("#person-url").get_attribute("aria-invalid") == "true", "#person-url not marked invalid")
        expect(not self.visible_text("#garment-error-2") and not self.visible_text("#error"),
               "the error is shown somewhere else too")
        expect(not self.el("#job").is_displayed() and self.stored_task_id() is None, "a task was started")
        expect(self.el("#submit").is_enabled(), "the form stays disabled after a 400")
        # A good person and a bad second garment: the message goes to garment row 2.
        self.fill_form(garments=[(GARMENT_URLS[0], "upper_body"), ("ftp://example.com/jeans.jpg", "lower_body")])
        self.el("#submit").click()
        garment_message = self.wait("the server's error at #garment-error-2",
                                    lambda: "garments[1]" in self.visible_text("#garment-error-2")
                                    and self.visible_text("#garment-error-2"), timeout=10)
        expect(not self.visible_text("#person-error"), "the old person error is still shown")
        # Start errors that need a failing server, scripted at the page's fetch.
        answers = {}
        for fault, want in (("429", "Слишком много запросов, попробуйте позже"), ("401", "пользовател"),
                            ("422", "другими данными"), ("500", "Сервер временно недоступен"),
                            ("network", "Нет связи")):
            self.fill_form(garments=[(GARMENT_URLS[0], "upper_body"), (GARMENT_URLS[1], "lower_body")])
            self.js(f"window.__faults.start.push({json.dumps(fault)});")
            self.el("#submit").click()
            text = self.wait(f"the message for a {fault} start", lambda: want in self.visible_text("#error")
                             and self.visible_text("#error"), timeout=10)
            answers[fault] = text
        expect(self.stored_task_id() is None, "a failed start stored a task")
        return f"person: {message!r}; garment 2: {garment_message!r}; 429: {answers['429']!r}"

    def check_poll_outage(self):
        """A 503 and a network error while polling show the note and do not stop polling."""
        self.open("?poll_ms=400")
        self.fill_form(garments=[(GARMENT_URLS[0], "upper_body")])
        self.js("window.__faults.status.push('503', 'network', '502');")
        self.el("#submit").click()
        self.wait("«нет связи, повторяем…»", lambda: "нет связи" in self.visible_text("#net-note"), timeout=10)
        self.wait_for_result()
        expect(not self.el("#net-note").is_displayed(), "the note stays after polling recovered")
        return f"{len(self.requests('status'))} polls, 3 of them failed"

    def check_failed_task(self):
        """A failed task shows its error_message and stops polling; a vanished task says so too."""
        self.open("?poll_ms=400")
        self.fill_form(garments=[(GARMENT_URLS[0], "upper_body")])
        failed = {"status": 200, "body": {"task_id": "x", "status": "failed", "created_at": "", "updated_at": "",
                                          "error_message": "Prediction failed: NSFW content detected",
                                          "current_step": 0, "total_steps": 1}}
        self.js("window.__faults.status.push(arguments[0]);", failed)
        self.el("#submit").click()
        message = self.wait("the failure message", lambda: "NSFW" in self.visible_text("#job-error")
                            and self.visible_text("#job-error"), timeout=10)
        expect(self.visible_text("#status") == "Не получилось", f"status {self.visible_text('#status')!r}")
        self.wait_until_polling_stopped("failed")
        expect(self.el("#new-look").is_displayed() and self.el("#submit").is_enabled(),
               "no «Новый образ» / the form stays disabled after a failure")
        # A stored task the server no longer knows (404): said plainly, polling stops.
        self.new_look()
        self.js("window.__faults.status.push(arguments[0]);",
                {"status": 404, "body": {"error": "Task not found", "code": "not_found"}})
        self.el("#submit").click()
        gone = self.wait("the not-found message", lambda: "не найдена" in self.visible_text("#job-error")
                         and self.visible_text("#job-error"), timeout=10)
        return f"{message!r}; {gone!r}"

    def check_file_upload(self):
        self.open("?poll_ms=400")
        person = tiny_png(os.path.join(self.tmp, "person.png"))
        garment = tiny_png(os.path.join(self.tmp, "garment.png"), rgb=(30, 160, 90))
        self.el("#person-file").send_keys(person)
        self.wait("the chosen person file", lambda: "person.png" in self.el("#person-file-info").text, timeout=5)
        expect(self.el("#person-preview").is_displayed(), "no preview of the chosen photo")
        row = self.els(".garment-row")[0]
        row.find_element(By.CSS_SELECTOR, ".garment-file").send_keys(garment)
        self.wait("the chosen garment file", lambda: "garment.png" in row.text, timeout=5)
        self.el("#submit").click()
        self.wait_for_result()
        body = json.loads(self.requests("start")[0]["body"])
        expect(body["person_image"].startswith("data:image/png;base64,"), "person_image is not a PNG data URI")
        expect(body["garments"][0]["image"].startswith("data:image/png;base64,"), "garment is not a data URI")
        # A file over the limit is refused before anything is sent.
        self.new_look()
        big = os.path.join(self.tmp, "big.png")
        with open(big, "wb") as handle:
            handle.write(b"\x89PNG\r\n\x1a\n" + os.urandom(2_600_000))
        sent = len(self.requests("start"))
        self.el("#person-file").send_keys(big)
        message = self.wait("the size message", lambda: "слишком большой" in self.visible_text("#person-error")
                            and self.visible_text("#person-error"), timeout=5)
        expect(not self.el("#person-preview").is_displayed(), "a refused file is still previewed")
        self.set_value("#person-url", "")
        self.el("#submit").click()
        self.wait("«Укажите…» after the refused file", lambda: "Укажите" in self.visible_text("#person-error"))
        expect(len(self.requests("start")) == sent, "the oversize file was sent")
        return f"data URIs accepted ({len(body['person_image'])} chars); oversize: {message!r}"

    def run_all(self):
        try:
            self.run("page-loads", self.check_page)
            self.run("two-garments-to-result", self.check_full_run)
            self.run("reload-resumes-polling", self.check_reload_resumes)
            self.run("invalid-form-errors", self.check_invalid_form)
            self.run("polling-survives-outage", self.check_poll_outage)
            self.run("failed-task-shown", self.check_failed_task)
            self.run("file-upload", self.check_file_upload)
        finally:
            self.driver.quit()
        return self.failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the stack, e.g. http://127.0.0.1:18080")
    parser.add_argument("--artifacts", default=os.path.join(REPO, ".run", "browser", "artifacts"),
                        help="where screenshots go")
    args = parser.parse_args()
    test = PageTest(args.base_url, args.artifacts)
    failures = test.run_all()
    print(f"browser checks: {'all passed' if failures == 0 else f'{failures} failed'}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
