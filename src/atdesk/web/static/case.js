// atdesk case page: live counter and PII guard, macros, suggestions, presence, live thread, keys.
(function () {
  "use strict";
  const { $, $$, csrf } = window.atdesk;
  const main = $(".case-main");
  if (!main) return;
  const caseId = main.dataset.caseId;
  const form = $("#reply-form");
  const text = $("#reply-text");
  const counter = $("#counter");
  const pii = $("#pii-warning");
  const composer = $("#composer");
  const send = $("#send");
  const sendHint = $("#send-hint");

  const mode = () => $('input[name="mode"]:checked', form).value;
  function setMode(value) {
    $(`input[name="mode"][value="${value}"]`, form).checked = true;
    composer.classList.toggle("private", value === "private");
    measure();
  }
  $$('input[name="mode"]', form).forEach((r) => r.addEventListener("change", () => setMode(mode())));
  composer.classList.toggle("private", mode() === "private");

  // --- the live counter: the server measures with the network's own rule ------------------
  // Send (and Ctrl+Enter) is off while the draft is empty or over the limit; the server
  // refuses such a draft anyway, this only says so before the agent tries.
  let inflight = null;
  let timer = null;
  let measuredDraft = text.value.trim() ? null : `${mode()}\n`; // what the button state is for
  const draft = () => `${mode()}\n${text.value}`;
  function allowSend(ok, over) {
    send.disabled = !ok;
    sendHint.hidden = !(over > 0);
    sendHint.textContent = over > 0 ? `${over} over the limit: shorten it to send` : "";
  }
  async function measure() {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const asked = draft();
    const body = new URLSearchParams({ case_id: caseId, text: text.value, mode: mode(), csrf_token: csrf() });
    try {
      const r = await fetch("/compose/measure", { method: "POST", body, signal: inflight.signal, headers: { "X-CSRF-Token": csrf() } });
      if (!r.ok) return null;
      const m = await r.json();
      $("[data-length]", counter).textContent = m.length;
      $("[data-limit]", counter).textContent = m.limit;
      $("[data-rule]", counter).textContent = m.rule;
      const empty = text.value.trim() === "";
      counter.classList.toggle("over", !empty && !m.valid);
      counter.classList.toggle("near", m.valid && m.remaining < 20);
      showPii(m.pii);
      if (asked !== draft()) return null; // typed on meanwhile: the next measure decides
      measuredDraft = asked;
      allowSend(!empty && m.valid, empty ? 0 : -m.remaining);
      return !send.disabled;
    } catch (err) {
      if (err.name !== "AbortError") throw err;
      return null;
    }
  }
  let checked = false; // the submit that follows a fresh measure goes through
  form.addEventListener("submit", (e) => {
    if (checked) { checked = false; return; }
    if (send.disabled) { e.preventDefault(); return; }
    if (measuredDraft === draft()) return;
    // The text changed since the last measure (typed or pasted a moment ago): measure first.
    e.preventDefault();
    measure().catch(() => null).then((ok) => {
      if (ok === false) return;
      checked = true;
      form.requestSubmit(send);
    });
  });
  function showPii(findings) {
    if (!findings || !findings.length) { pii.hidden = true; return; }
    const theirs = findings.some((f) => f.customers);
    pii.classList.toggle("soft", !theirs);
    pii.replaceChildren();
    const strong = document.createElement("strong");
    strong.textContent = theirs
      ? "The customer's personal data would go out in public: "
      : "Personal-looking data in a public reply: ";
    pii.appendChild(strong);
    findings.forEach((f) => {
      const s = document.createElement("span");
      s.className = "pill warn";
      s.textContent = `${f.kind}: ${f.value}`;
      pii.append(s, " ");
    });
    const b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.textContent = "Send as a private message instead";
    b.addEventListener("click", () => setMode("private"));
    pii.appendChild(b);
    pii.hidden = false;
  }
  text.addEventListener("input", () => {
    clearTimeout(timer);
    if (text.value.trim() === "") allowSend(false, 0);
    timer = setTimeout(measure, 90);
    typingBeat();
  });
  $$('[data-action="switch-private"]').forEach((b) => b.addEventListener("click", () => setMode("private")));
  if (text.value) measure();

  // --- macros and suggestions insert text at the caret ------------------------------------
  function insert(value) {
    const start = text.selectionStart ?? text.value.length;
    const end = text.selectionEnd ?? text.value.length;
    const before = text.value.slice(0, start);
    const sep = before && !/\s$/.test(before) ? " " : "";
    text.value = before + sep + value + text.value.slice(end);
    text.focus();
    measure();
  }
  const macro = $("#macro");
  if (macro) macro.addEventListener("change", () => {
    const opt = macro.selectedOptions[0];
    if (opt && opt.dataset.text) insert(opt.dataset.text);
    macro.value = "";
  });
  const suggestions = $("#suggestions");
  if (suggestions) {
    suggestions.addEventListener("click", (e) => {
      const b = e.target.closest("button.suggestion");
      if (b) insert(b.dataset.text);
    });
    fetch(suggestions.dataset.url).then((r) => (r.ok ? r.text() : "")).then((html) => { suggestions.innerHTML = html; });
  }

  // --- presence: viewing heartbeat, typing, leaving ----------------------------------------
  let lastTyping = 0;
  function beat(state) {
    const body = new URLSearchParams({ state, csrf_token: csrf() });
    return fetch(`/cases/${caseId}/presence`, { method: "POST", body, headers: { "X-CSRF-Token": csrf() } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => data && showViewers(data.viewers))
      .catch(() => {});
  }
  function typingBeat() {
    const now = Date.now();
    if (now - lastTyping > 3000) { lastTyping = now; beat("typing"); }
  }
  function showViewers(list) {
    const box = $("#viewers");
    box.replaceChildren();
    (list || []).forEach((v) => {
      const s = document.createElement("span");
      s.className = `viewer ${v.state}`;
      s.textContent = `${v.name} ${v.state === "typing" ? "is typing…" : "is viewing"}`;
      box.appendChild(s);
    });
  }
  beat("viewing");
  setInterval(() => beat(Date.now() - lastTyping < 4000 ? "typing" : "viewing"), 10000);
  window.addEventListener("pagehide", () => {
    const data = new FormData();
    data.append("state", "left");
    data.append("csrf_token", csrf());
    navigator.sendBeacon(`/cases/${caseId}/presence`, data);
  });

  // --- live thread ----------------------------------------------------------------------------
  const live = $("#live");
  async function refreshThread() {
    const r = await fetch(live.dataset.threadUrl);
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), "text/html");
    const thread = $("#fresh-thread", doc);
    const side = $("#fresh-side", doc);
    if (thread) $("#live-thread").innerHTML = thread.innerHTML;
    if (side) $("#live-side").innerHTML = side.innerHTML;
  }
  if (window.EventSource && live) {
    const source = new EventSource(live.dataset.liveUrl);
    source.onopen = () => live.classList.add("on");
    source.onerror = () => live.classList.remove("on");
    source.addEventListener("case", () => refreshThread());
    source.addEventListener("viewers", (e) => showViewers(JSON.parse(e.data)));
  }

  // --- keys: r d a e j k, Ctrl+Enter ----------------------------------------------------------
  function neighbour(delta) {
    const ids = JSON.parse(sessionStorage.getItem("atdesk.order") || "[]");
    const i = ids.indexOf(Number(caseId));
    if (i === -1) return null;
    return ids[i + delta] || null;
  }
  const back = $("[data-back-to-inbox]");
  if (back && sessionStorage.getItem("atdesk.inbox")) back.href = sessionStorage.getItem("atdesk.inbox");
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && document.activeElement === text) {
      e.preventDefault(); form.requestSubmit(); return;
    }
    const el = e.target;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || e.metaKey || e.ctrlKey || e.altKey) return;
    switch (e.key) {
      case "r": e.preventDefault(); setMode("public"); text.focus(); break;
      case "d": e.preventDefault(); setMode("private"); text.focus(); break;
      case "a": e.preventDefault(); $("#assignee").focus(); break;
      case "e": { const f = $("#resolve-form"); if (f) { e.preventDefault(); f.submit(); } break; }
      case "j": case "k": {
        const next = neighbour(e.key === "j" ? 1 : -1);
        if (next) { e.preventDefault(); window.location.href = `/cases/${next}`; }
        break;
      }
    }
  });
})();
