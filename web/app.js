// Виртуальная примерочная: the try-on page. Static, no build step, no dependencies.
//
// Flow: POST the form as JSON to `replicate-async-start` (function URLs come from /func2url.json,
// mapped to same-origin paths), keep the returned task id in localStorage, poll
// `replicate-async-status?task_id=...` every 3 seconds until the task is completed or failed.
// A reload resumes polling from the stored task id. Every request carries X-User-Id, a random id
// generated once per browser and kept in localStorage.
//
// `?poll_ms=N` (250-10000) overrides the polling interval, for development and the browser test.
(function () {
  "use strict";

  const MAX_GARMENTS = 5;
  const MIN_GARMENTS = 1;
  // The platform caps the whole request at 3.5 MB and the start function a data URI at 3,000,000
  // bytes; base64 grows a file by 4/3, so a file must stay under ~2.2 MB.
  const MAX_FILE_BYTES = 2200000;
  const MAX_BODY_BYTES = 3400000;
  const MAX_HINTS = 500;
  const POLL_MS = pollInterval();
  const REQUEST_TIMEOUT_MS = 20000; // a status poll, func2url.json
  const START_TIMEOUT_MS = 90000; // the start request may carry 3 MB of photos over a slow line
  const STORAGE_USER = "tryon.userId";
  const STORAGE_TASK = "tryon.task";
  const CATEGORY_NAMES = { upper_body: "Верх", lower_body: "Низ", dresses: "Платье" };

  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  const els = {
    form: $("#tryon-form"),
    fields: $("#form-fields"),
    personUrl: $("#person-url"),
    personFile: $("#person-file"),
    personFileInfo: $("#person-file-info"),
    personFileClear: $("#person-file-clear"),
    personPreview: $("#person-preview"),
    personError: $("#person-error"),
    garments: $("#garments"),
    garmentsError: $("#garments-error"),
    garmentTemplate: $("#garment-template"),
    addGarment: $("#add-garment"),
    hints: $("#hints"),
    hintsCounter: $("#hints-counter"),
    hintsError: $("#hints-error"),
    submit: $("#submit"),
    error: $("#error"),
    job: $("#job"),
    status: $("#status"),
    step: $("#step"),
    jobMeta: $("#job-meta"),
    netNote: $("#net-note"),
    leaveNote: $("#leave-note"),
    result: $("#result"),
    resultImg: $("#result-img"),
    resultLink: $("#result-link"),
    jobError: $("#job-error"),
    newLook: $("#new-look"),
  };

  // Chosen files, as data: URIs, by input element.
  const chosenFiles = new WeakMap();
  let endpoints = null; // { start, status } same-origin paths
  let endpointsPromise = null;
  // generation: bumped to abandon in-flight polls; ticker: refreshes the elapsed time every second.
  let poll = { generation: 0, timer: null, taskId: null, ticker: null };
  let submitting = false;

  // ---------- storage (localStorage, with an in-memory fallback) ----------

  const memoryStore = {};
  function storeGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memoryStore[key] || null; }
  }
  function storeSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { memoryStore[key] = value; }
  }
  function storeRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { delete memoryStore[key]; }
  }

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function userId() {
    let id = storeGet(STORAGE_USER);
    if (!id || !/^[\x21-\x7e]{1,128}$/.test(id)) {
      id = "web-" + randomId();
      storeSet(STORAGE_USER, id);
    }
    return id;
  }

  function savedTask() {
    try {
      const task = JSON.parse(storeGet(STORAGE_TASK) || "null");
      return task && typeof task.id === "string" && task.id ? task : null;
    } catch (e) {
      return null;
    }
  }

  function pollInterval() {
    const value = Number(new URLSearchParams(window.location.search).get("poll_ms"));
    return Number.isFinite(value) && value >= 250 && value <= 10000 ? value : 3000;
  }

  // ---------- function URLs ----------

  function loadEndpoints() {
    if (!endpointsPromise) {
      endpointsPromise = fetchWithTimeout("/func2url.json", { cache: "no-cache" })
        .then((response) => {
          if (!response.ok) throw new Error("func2url.json: HTTP " + response.status);
          return response.json();
        })
        .then((map) => {
          const start = localPath(map["replicate-async-start"]);
          const status = localPath(map["replicate-async-status"]);
          if (!start || !status) throw new Error("func2url.json has no replicate-async-start/status");
          endpoints = { start, status };
          return endpoints;
        })
        .catch((error) => {
          endpointsPromise = null; // try again next time
          throw error;
        });
    }
    return endpointsPromise;
  }

  // https://functions.poehali.dev/<uuid> -> /<uuid> on this origin.
  function localPath(publicUrl) {
    if (typeof publicUrl !== "string" || !publicUrl) return null;
    try {
      const path = new URL(publicUrl, window.location.origin).pathname.replace(/\/+$/, "");
      return path && path !== "/" ? path : null;
    } catch (e) {
      return null;
    }
  }

  function fetchWithTimeout(url, options, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs || REQUEST_TIMEOUT_MS);
    return fetch(url, Object.assign({}, options, { signal: controller.signal })).finally(() => clearTimeout(timer));
  }

  // ---------- messages ----------

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  function clearErrors() {
    show(els.personError, "");
    show(els.garmentsError, "");
    show(els.hintsError, "");
    show(els.error, "");
    $$(".garment-row").forEach((row) => {
      show($(".garment-error", row), "");
      row.classList.remove("invalid");
    });
    [els.personUrl, els.hints].forEach((input) => input.removeAttribute("aria-invalid"));
    $$(".garment-url").forEach((input) => input.removeAttribute("aria-invalid"));
  }

  function formatMB(bytes) {
    return (bytes / 1000000).toLocaleString("ru-RU", { maximumFractionDigits: 1, minimumFractionDigits: 1 }) + " МБ";
  }

  function plural(n, one, few, many) {
    const mod10 = n % 10;
    const mod100 = n % 100;
    if (mod10 === 1 && mod100 !== 11) return one;
    if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
    return many;
  }

  // ---------- image inputs (URL or file) ----------

  // Wires a URL input and a file input that stand for one image: choosing a file clears the URL
  // and typing a URL drops the file.
  function wireImageInput(urlInput, fileInput, info, clearButton, preview, errorElement) {
    fileInput.addEventListener("change", () => {
      const file = fileInput.files && fileInput.files[0];
      chosenFiles.delete(fileInput);
      show(errorElement, "");
      if (!file) {
        resetFile(fileInput, info, clearButton, preview);
        return;
      }
      if (!/^image\//.test(file.type)) {
        resetFile(fileInput, info, clearButton, preview);
        show(errorElement, "Это не изображение. Выберите файл JPG, PNG или WebP.");
        return;
      }
      if (file.size > MAX_FILE_BYTES) {
        resetFile(fileInput, info, clearButton, preview);
        show(errorElement,
          `Файл слишком большой: ${formatMB(file.size)}. Максимум — ${formatMB(MAX_FILE_BYTES)}. ` +
          "Уменьшите фото или вставьте ссылку на него.");
        return;
      }
      info.textContent = "Читаем файл…";
      const reader = new FileReader();
      reader.onload = () => {
        if (fileInput.files[0] !== file) return; // replaced meanwhile
        const dataUri = String(reader.result || "");
        if (!/^data:image\/[a-z0-9.+-]+;base64,/i.test(dataUri)) {
          resetFile(fileInput, info, clearButton, preview);
          show(errorElement, "Не удалось прочитать файл как изображение.");
          return;
        }
        chosenFiles.set(fileInput, dataUri);
        urlInput.value = "";
        info.textContent = `${file.name} (${formatMB(file.size)})`;
        clearButton.hidden = false;
        preview.src = dataUri;
        preview.hidden = false;
      };
      reader.onerror = () => {
        resetFile(fileInput, info, clearButton, preview);
        show(errorElement, "Не удалось прочитать файл. Попробуйте другой.");
      };
      reader.readAsDataURL(file);
    });
    clearButton.addEventListener("click", () => {
      resetFile(fileInput, info, clearButton, preview);
      urlInput.focus();
    });
    urlInput.addEventListener("input", () => {
      if (urlInput.value.trim() && chosenFiles.has(fileInput)) resetFile(fileInput, info, clearButton, preview);
      show(errorElement, "");
      urlInput.removeAttribute("aria-invalid");
    });
  }

  function resetFile(fileInput, info, clearButton, preview) {
    chosenFiles.delete(fileInput);
    fileInput.value = "";
    info.textContent = "";
    clearButton.hidden = true;
    preview.hidden = true;
    preview.removeAttribute("src");
  }

  function imageValue(urlInput, fileInput) {
    return chosenFiles.get(fileInput) || urlInput.value.trim();
  }

  // ---------- garment rows ----------

  function addGarmentRow() {
    if ($$(".garment-row").length >= MAX_GARMENTS) return;
    const row = els.garmentTemplate.content.firstElementChild.cloneNode(true);
    els.garments.appendChild(row);
    wireImageInput($(".garment-url", row), $(".garment-file", row), $(".garment-file-info", row),
      $(".garment-file-clear", row), $(".garment-preview", row), $(".garment-error", row));
    $(".remove-garment", row).addEventListener("click", () => {
      if ($$(".garment-row").length <= MIN_GARMENTS) return;
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumberGarments();
      const focusTarget = next ? $(".garment-url", next) : els.addGarment;
      focusTarget.focus();
    });
    renumberGarments();
    return row;
  }

  function renumberGarments() {
    const rows = $$(".garment-row");
    rows.forEach((row, index) => {
      const n = index + 1;
      row.dataset.index = String(index);
      $(".garment-title", row).textContent = `Вещь ${n}`;
      const pairs = [
        [".garment-url", ".garment-url-label", `garment-url-${n}`],
        [".garment-category", ".garment-category-label", `garment-category-${n}`],
        [".garment-file", ".garment-file-label", `garment-file-${n}`],
      ];
      pairs.forEach(([inputSelector, labelSelector, id]) => {
        $(inputSelector, row).id = id;
        $(labelSelector, row).htmlFor = id;
      });
      const error = $(".garment-error", row);
      error.id = `garment-error-${n}`;
      $(".garment-url", row).setAttribute("aria-describedby", error.id);
      $(".garment-file", row).setAttribute("aria-describedby", `garment-file-info-${n} ${error.id}`);
      $(".garment-file-info", row).id = `garment-file-info-${n}`;
      const remove = $(".remove-garment", row);
      remove.hidden = rows.length <= MIN_GARMENTS;
      remove.setAttribute("aria-label", `Удалить вещь ${n}`);
    });
    els.addGarment.hidden = rows.length >= MAX_GARMENTS;
  }

  // ---------- submitting ----------

  function collectRequest() {
    clearErrors();
    let ok = true;
    const person = imageValue(els.personUrl, els.personFile);
    if (!person) {
      show(els.personError, "Укажите ссылку на ваше фото или выберите файл.");
      els.personUrl.setAttribute("aria-invalid", "true");
      ok = false;
    }
    const garments = [];
    $$(".garment-row").forEach((row) => {
      const image = imageValue($(".garment-url", row), $(".garment-file", row));
      if (!image) {
        show($(".garment-error", row), "Укажите ссылку на изображение вещи или выберите файл.");
        $(".garment-url", row).setAttribute("aria-invalid", "true");
        row.classList.add("invalid");
        ok = false;
      }
      garments.push({ image, category: $(".garment-category", row).value });
    });
    if (garments.length === 0) {
      show(els.garmentsError, "Добавьте хотя бы одну вещь.");
      ok = false;
    }
    const hints = els.hints.value;
    if (hints.length > MAX_HINTS) {
      show(els.hintsError, `Не больше ${MAX_HINTS} символов.`);
      ok = false;
    }
    if (!ok) return null;
    const body = JSON.stringify({ person_image: person, garments, prompt_hints: hints.trim() });
    const size = new Blob([body]).size;
    if (size > MAX_BODY_BYTES) {
      show(els.error,
        `Все файлы вместе занимают ${formatMB(size)}, а запрос может быть не больше ${formatMB(MAX_BODY_BYTES)}. ` +
        "Замените часть файлов ссылками или уменьшите фото.");
      return null;
    }
    return { body, count: garments.length };
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (submitting || savedTaskActive()) return;
    const request = collectRequest();
    if (!request) {
      focusFirstError();
      return;
    }
    submitting = true;
    setBusy(true, "Отправляем…");
    try {
      const { start } = await loadEndpoints();
      let response;
      try {
        response = await fetchWithTimeout(start, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-User-Id": userId() },
          body: request.body,
        }, START_TIMEOUT_MS);
      } catch (networkError) {
        show(els.error, "Нет связи с сервером. Проверьте интернет и попробуйте ещё раз.");
        return;
      }
      const data = await readJson(response);
      if (response.ok && data && typeof data.task_id === "string") {
        const task = {
          id: data.task_id,
          startedAt: Date.now(),
          totalSteps: request.count,
          estimatedSeconds: Number(data.estimated_time_seconds) || null,
        };
        storeSet(STORAGE_TASK, JSON.stringify(task));
        beginTracking(task);
        return;
      }
      showStartError(response.status, data);
    } catch (error) {
      show(els.error, "Не удалось загрузить настройки страницы. Обновите страницу и попробуйте ещё раз.");
    } finally {
      submitting = false;
      if (!savedTaskActive()) setBusy(false);
    }
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  function showStartError(status, data) {
    const message = data && (data.error || data.errorMessage) ? String(data.error || data.errorMessage) : "";
    if (status === 400) {
      placeServerError(message);
    } else if (status === 401) {
      show(els.error, "Не удалось определить пользователя. Обновите страницу и попробуйте ещё раз.");
    } else if (status === 413) {
      show(els.error, "Запрос слишком большой (больше 3,5 МБ). Замените часть файлов ссылками или уменьшите фото.");
    } else if (status === 422) {
      show(els.error, "Этот запрос уже отправлялся с другими данными. Обновите страницу и попробуйте ещё раз." +
        (message ? ` (${message})` : ""));
    } else if (status === 429) {
      show(els.error, "Слишком много запросов, попробуйте позже.");
    } else if (status >= 500) {
      show(els.error, "Сервер временно недоступен. Попробуйте ещё раз через минуту.");
    } else {
      show(els.error, `Не удалось создать задачу (ошибка ${status}).` + (message ? ` ${message}` : ""));
    }
    focusFirstError();
  }

  // A 400's text names its field: person_image..., garments[i]..., garments..., prompt_hints...
  function placeServerError(message) {
    const text = message || "Сервер не принял запрос.";
    const garmentMatch = /^garments\[(\d+)\]/.exec(text);
    if (/^person_image\b/.test(text)) {
      show(els.personError, "Фото не принято: " + text);
      els.personUrl.setAttribute("aria-invalid", "true");
    } else if (garmentMatch) {
      const row = $$(".garment-row")[Number(garmentMatch[1])];
      if (row) {
        show($(".garment-error", row), `Вещь ${Number(garmentMatch[1]) + 1} не принята: ` + text);
        $(".garment-url", row).setAttribute("aria-invalid", "true");
        row.classList.add("invalid");
      } else {
        show(els.garmentsError, "Одежда не принята: " + text);
      }
    } else if (/^garments\b/.test(text)) {
      show(els.garmentsError, "Одежда не принята: " + text);
    } else if (/^prompt_hints\b/.test(text)) {
      show(els.hintsError, "Пожелания не приняты: " + text);
      els.hints.setAttribute("aria-invalid", "true");
    } else {
      show(els.error, "Запрос не принят: " + text);
    }
  }

  function focusFirstError() {
    const visible = [els.personError, ...$$(".garment-error"), els.garmentsError, els.hintsError, els.error]
      .find((element) => !element.hidden);
    if (!visible) return;
    const field = visible === els.personError ? els.personUrl
      : visible.classList.contains("garment-error") ? $(".garment-url", visible.closest(".garment-row"))
      : visible === els.hintsError ? els.hints : null;
    if (field) field.focus({ preventScroll: true });
    visible.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function setBusy(busy, label) {
    els.fields.disabled = busy;
    els.submit.disabled = busy;
    els.submit.textContent = busy ? label || "Создаём образ…" : "Создать образ";
    els.form.classList.toggle("busy", busy);
  }

  function savedTaskActive() {
    return poll.taskId !== null;
  }

  // ---------- tracking a task ----------

  // resumed: restored from localStorage after a reload (its state is not known until the first poll).
  function beginTracking(task, resumed) {
    stopPolling();
    poll.taskId = task.id;
    const generation = poll.generation;
    show(els.error, "");
    setBusy(true);
    els.job.hidden = false;
    document.body.classList.add("has-job");
    els.job.dataset.taskId = task.id;
    els.result.hidden = true;
    els.resultImg.removeAttribute("src");
    show(els.jobError, "");
    els.netNote.hidden = true;
    els.leaveNote.hidden = false;
    els.newLook.hidden = false;
    els.newLook.title = "Не ждать этот образ и заполнить форму заново";
    let shown = { status: resumed ? "" : "pending", current_step: 0, total_steps: task.totalSteps || 1 };
    renderStatus(shown, task);
    poll.render = (data) => { shown = data; renderStatus(data, task); };
    poll.ticker = setInterval(() => renderStatus(shown, task), 1000);
    if (!resumed) els.job.scrollIntoView({ block: "start", behavior: "smooth" });
    pollOnce(task, generation);
  }

  function stopPolling() {
    poll.generation += 1;
    if (poll.timer) clearTimeout(poll.timer);
    if (poll.ticker) clearInterval(poll.ticker);
    poll.timer = null;
    poll.ticker = null;
    poll.render = null;
    poll.taskId = null;
  }

  function scheduleNext(task, generation) {
    if (generation !== poll.generation) return;
    poll.timer = setTimeout(() => pollOnce(task, generation), POLL_MS);
  }

  async function pollOnce(task, generation) {
    if (generation !== poll.generation) return;
    poll.timer = null;
    let response = null;
    let data = null;
    try {
      const { status } = await loadEndpoints();
      response = await fetchWithTimeout(`${status}?task_id=${encodeURIComponent(task.id)}`, {
        headers: { "X-User-Id": userId() },
        cache: "no-store",
      });
      data = await readJson(response);
    } catch (error) {
      response = null; // network error, timeout or no func2url.json: keep trying
    }
    if (generation !== poll.generation) return;

    if (!response || response.status >= 500 || response.status === 429 || (response.ok && !data)) {
      els.netNote.hidden = false;
      scheduleNext(task, generation);
      return;
    }
    els.netNote.hidden = true;
    if (response.status === 404) {
      finish(task);
      showJobError("Задача не найдена — возможно, она устарела. Создайте новый образ.");
      return;
    }
    if (!response.ok) {
      finish(task);
      showJobError(`Не удалось узнать статус задачи (ошибка ${response.status}).` +
        (data && data.error ? ` ${data.error}` : ""));
      return;
    }
    poll.render(data);
    if (data.status === "completed") {
      finish(task);
      showResult(data.result_url);
    } else if (data.status === "failed") {
      finish(task);
      showJobError("Не удалось создать образ: " + (data.error_message || "неизвестная ошибка") + ".");
    } else {
      scheduleNext(task, generation);
    }
  }

  // A terminal state: stop polling, keep the task id (so a reload shows the result again) until
  // «Новый образ».
  function finish(task) {
    stopPolling();
    setBusy(false);
    els.leaveNote.hidden = true;
    els.newLook.hidden = false;
    els.newLook.removeAttribute("title");
    const stored = savedTask();
    if (stored && stored.id === task.id) {
      stored.finished = true;
      storeSet(STORAGE_TASK, JSON.stringify(stored));
    }
  }

  function renderStatus(data, task) {
    const total = Math.max(1, Number(data.total_steps) || task.totalSteps || 1);
    const current = Math.min(total, Math.max(0, Number(data.current_step) || 0));
    let text;
    let done = 0;
    switch (data.status) {
      case "pending":
        text = "В очереди";
        done = current;
        break;
      case "processing":
        text = `Обработка: шаг ${Math.max(1, current)} из ${total}`;
        done = Math.max(0, current - 1) + 0.5;
        break;
      case "completed":
        text = "Готово!";
        done = total;
        break;
      case "failed":
        text = "Не получилось";
        done = current;
        break;
      default:
        text = "Проверяем статус…";
    }
    if (els.status.textContent !== text) els.status.textContent = text; // no re-announcing each second
    els.status.dataset.state = data.status || "checking";
    els.step.max = total;
    els.step.value = done;
    const count = `${total} ${plural(total, "вещь", "вещи", "вещей")}`;
    const elapsed = task.startedAt ? Math.max(0, Math.round((Date.now() - task.startedAt) / 1000)) : null;
    const parts = [count];
    if (elapsed !== null && data.status !== "completed" && data.status !== "failed") {
      parts.push(`прошло ${formatDuration(elapsed)}`);
      if (task.estimatedSeconds) parts.push(`обычно около ${formatDuration(task.estimatedSeconds)}`);
    }
    els.jobMeta.textContent = parts.join(" · ");
  }

  function formatDuration(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m > 0 ? `${m} мин ${String(s).padStart(2, "0")} с` : `${s} с`;
  }

  function showResult(url) {
    if (typeof url !== "string" || !url) {
      showJobError("Образ готов, но ссылка на него не пришла. Попробуйте создать образ ещё раз.");
      return;
    }
    els.result.hidden = false;
    els.resultImg.onerror = () => {
      showJobError("Не удалось загрузить картинку с результатом. Ссылка: " + url);
    };
    els.resultImg.src = url;
    els.resultLink.href = url;
  }

  function showJobError(text) {
    show(els.jobError, text);
  }

  function newLook() {
    stopPolling();
    storeRemove(STORAGE_TASK);
    els.job.hidden = true;
    document.body.classList.remove("has-job");
    delete els.job.dataset.taskId;
    els.result.hidden = true;
    els.resultImg.removeAttribute("src");
    show(els.jobError, "");
    setBusy(false);
    clearErrors();
    els.personUrl.focus();
    window.scrollTo({ top: 0, behavior: "smooth" });
  }

  // ---------- start ----------

  function init() {
    wireImageInput(els.personUrl, els.personFile, els.personFileInfo, els.personFileClear, els.personPreview,
      els.personError);
    addGarmentRow();
    els.addGarment.addEventListener("click", () => {
      const row = addGarmentRow();
      if (row) $(".garment-url", row).focus();
    });
    els.hints.addEventListener("input", () => {
      els.hintsCounter.textContent = `${els.hints.value.length} / ${MAX_HINTS}`;
      show(els.hintsError, "");
    });
    els.form.addEventListener("submit", onSubmit);
    els.newLook.addEventListener("click", newLook);
    document.addEventListener("visibilitychange", () => {
      // Coming back to the tab: ask at once instead of waiting for the next tick.
      if (document.visibilityState === "visible" && poll.taskId && poll.timer) {
        const task = savedTask();
        if (task && task.id === poll.taskId) {
          clearTimeout(poll.timer);
          pollOnce(task, poll.generation);
        }
      }
    });
    userId();
    loadEndpoints().catch(() => {
      show(els.error, "Не удалось загрузить настройки страницы (func2url.json). Обновите страницу.");
    });
    const task = savedTask();
    if (task) beginTracking(task, true);
  }

  init();
})();
