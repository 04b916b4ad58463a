// atdesk handling time (ADR 94): while the agent is active on a case page, beat every few
// seconds saying whether they were viewing or composing (typing in the reply box). Idle (no
// input or focus for the brand's cut-off) or a hidden tab sends nothing, and the server,
// which keeps the clock, credits nothing across such a gap. Sending a reply and leaving the
// page send a last beat, so the composing time up to the send counts.
(function () {
  "use strict";
  const { $, csrf } = window.atdesk;
  const main = $(".case-main");
  if (!main) return;
  const url = `/cases/${main.dataset.caseId}/activity`;
  const text = $("#reply-text");
  const form = $("#reply-form");
  let beatMs = 15000;
  let idleMs = 60000;
  let lastInput = Date.now();
  let typed = false;
  let idle = false;
  let beaconAt = 0;

  const visible = () => document.visibilityState === "visible";
  const active = () => visible() && Date.now() - lastInput <= idleMs;
  function kind() {
    const k = typed ? "composing" : "viewing";
    typed = false;
    return k;
  }
  function beat(fresh) {
    const body = new URLSearchParams({ kind: kind(), csrf_token: csrf() });
    if (fresh) body.append("fresh", "1"); // nothing since the last beat was work
    return fetch(url, { method: "POST", body, headers: { "X-CSRF-Token": csrf() } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        beatMs = Math.max(5, data.beat_s) * 1000;
        idleMs = Math.max(10, data.idle_after_s) * 1000;
      })
      .catch(() => {});
  }
  function last() {
    // Hiding the tab, sending and leaving tell the time up to now (once: they can coincide).
    if (idle || Date.now() - lastInput > idleMs || Date.now() - beaconAt < 2000) return;
    beaconAt = Date.now();
    const data = new FormData();
    data.append("kind", kind());
    data.append("csrf_token", csrf());
    navigator.sendBeacon(url, data);
  }
  function touched() {
    lastInput = Date.now();
    if (idle && visible()) { idle = false; beat(true); } // back from idle: a fresh interval
  }
  ["keydown", "pointerdown", "wheel", "scroll", "focus"].forEach((name) =>
    window.addEventListener(name, touched, { passive: true, capture: true }));
  if (text) text.addEventListener("input", () => { typed = true; touched(); });
  // After case.js: a submit it holds back (to measure first) is not a send yet.
  if (form) form.addEventListener("submit", (e) => { if (!e.defaultPrevented) last(); });
  document.addEventListener("visibilitychange", () => {
    if (visible()) touched();
    else { last(); idle = true; }
  });
  window.addEventListener("pagehide", last);

  function tick() {
    if (active()) beat(false);
    else idle = true;
    setTimeout(tick, beatMs);
  }
  if (visible()) beat(false); else idle = true;
  setTimeout(tick, beatMs);
})();
