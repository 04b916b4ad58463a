// atdesk: keyboard-first inbox, live rows over server-sent events, bulk selection. No build step.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => $('meta[name="csrf-token"]').content;
  window.atdesk = { $, $$, csrf };

  function typing(event) {
    const el = event.target;
    return el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  }

  // --- help overlay and global keys -----------------------------------------------------
  const help = $("#help");
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }
  $$('[data-action="help"]').forEach((b) => b.addEventListener("click", () => toggleHelp()));
  if (help) help.addEventListener("click", (e) => { if (e.target === help) toggleHelp(false); });

  let pendingG = false;
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      toggleHelp(false);
      if (typing(e)) e.target.blur();
      return;
    }
    if (typing(e) || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === "?") { e.preventDefault(); toggleHelp(); return; }
    if (pendingG) {
      pendingG = false;
      if (e.key === "i") { window.location.href = "/"; return; }
    }
    if (e.key === "g") { pendingG = true; setTimeout(() => (pendingG = false), 800); return; }
    if (e.key === "/" && !$("#search")) { e.preventDefault(); window.location.href = "/?focus=search"; }
  });

  // Selects that act at once (assign, priority on the case page).
  $$("select[data-autosubmit]").forEach((s) => s.addEventListener("change", () => s.form.submit()));

  // "Are you sure?" on forms and buttons marked data-confirm (no inline handlers: see the CSP).
  document.addEventListener("submit", (e) => {
    const asker = (e.submitter && e.submitter.dataset.confirm) ? e.submitter : e.target;
    const question = asker && asker.dataset ? asker.dataset.confirm : undefined;
    if (question && !window.confirm(question)) e.preventDefault();
  });

  // --- inbox ----------------------------------------------------------------------------
  const rows = $("#rows");
  if (!rows) return;
  const search = $("#search");
  const bulk = $("#bulk");
  const filters = $("#filters");
  let cursor = 0;

  if (new URLSearchParams(location.search).get("focus") === "search" && search) search.focus();
  $$("select", filters).forEach((s) => s.addEventListener("change", () => filters.submit()));

  const caseRows = () => $$("tr[data-case-id]", rows);
  function paint() {
    const list = caseRows();
    if (cursor >= list.length) cursor = Math.max(0, list.length - 1);
    list.forEach((tr, i) => {
      tr.classList.toggle("cursor", i === cursor);
      tr.classList.toggle("selected", $("input[type=checkbox]", tr).checked);
    });
    const selected = list.filter((tr) => $("input[type=checkbox]", tr).checked).length;
    bulk.hidden = selected === 0;
    $("[data-selected-count]", bulk).textContent = selected;
    rememberOrder();
  }
  function move(delta) {
    const list = caseRows();
    if (!list.length) return;
    cursor = Math.min(list.length - 1, Math.max(0, cursor + delta));
    paint();
    list[cursor].scrollIntoView({ block: "nearest" });
  }
  function current() { return caseRows()[cursor]; }
  function rememberOrder() {
    const ids = caseRows().map((tr) => Number(tr.dataset.caseId));
    sessionStorage.setItem("atdesk.order", JSON.stringify(ids));
    sessionStorage.setItem("atdesk.inbox", location.pathname + location.search);
  }
  function ensureSelection() {
    const any = caseRows().some((tr) => $("input[type=checkbox]", tr).checked);
    if (!any && current()) $("input[type=checkbox]", current()).checked = true;
    paint();
  }

  rows.addEventListener("change", paint);
  rows.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-case-id]");
    if (tr) { cursor = caseRows().indexOf(tr); paint(); }
  });
  const all = $("#select-all");
  if (all) all.addEventListener("change", () => {
    caseRows().forEach((tr) => ($("input[type=checkbox]", tr).checked = all.checked));
    paint();
  });

  document.addEventListener("keydown", (e) => {
    if (typing(e) || e.metaKey || e.ctrlKey || e.altKey) return;
    const tr = current();
    switch (e.key) {
      case "j": e.preventDefault(); move(1); break;
      case "k": e.preventDefault(); move(-1); break;
      case "Enter": case "o": if (tr) { e.preventDefault(); $("a.open", tr).click(); } break;
      case "x": if (tr) { e.preventDefault(); const c = $("input[type=checkbox]", tr); c.checked = !c.checked; paint(); } break;
      case "/": e.preventDefault(); search.focus(); search.select(); break;
      case "a": e.preventDefault(); ensureSelection(); $("#bulk-assignee").focus(); break;
      case "e":
        e.preventDefault(); ensureSelection();
        if (bulk && !bulk.hidden) {
          const b = document.createElement("input");
          b.type = "hidden"; b.name = "action"; b.value = "resolve";
          bulk.appendChild(b); bulk.submit();
        }
        break;
    }
  });

  // --- live rows --------------------------------------------------------------------------
  const live = $("#live");
  let refreshing = null;
  async function refresh() {
    const selected = new Set(caseRows().filter((tr) => $("input[type=checkbox]", tr).checked).map((tr) => tr.dataset.caseId));
    const before = new Set(caseRows().map((tr) => tr.dataset.caseId));
    const focusId = current() && current().dataset.caseId;
    const response = await fetch(live.dataset.rowsUrl, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = await response.text();
    const doc = new DOMParser().parseFromString(`<table><tbody>${html}</tbody></table>`, "text/html");
    const body = doc.querySelector("tbody");
    const counts = body.querySelector("#counts-data");
    rows.innerHTML = body.innerHTML;
    caseRows().forEach((tr, i) => {
      if (!before.has(tr.dataset.caseId)) tr.classList.add("fresh");
      if (selected.has(tr.dataset.caseId)) $("input[type=checkbox]", tr).checked = true;
      if (tr.dataset.caseId === focusId) cursor = i;
    });
    if (counts) {
      const data = JSON.parse(counts.dataset.counts);
      Object.entries(data).forEach(([view, n]) => {
        const el = $(`[data-count="${view}"]`);
        if (el) el.textContent = n;
      });
      const brands = JSON.parse(counts.dataset.brandCounts || "{}");
      $$("[data-brand-count]").forEach((el) => (el.textContent = brands[el.dataset.brandCount] || 0));
      const total = $('[data-testid="case-total"]');
      if (total) total.textContent = counts.dataset.total;
    }
    paint();
  }
  function connect() {
    if (!window.EventSource || !live) return;
    const source = new EventSource(live.dataset.liveUrl);
    source.onopen = () => live.classList.add("on");
    source.onerror = () => live.classList.remove("on");
    source.addEventListener("inbox", () => {
      clearTimeout(refreshing);
      refreshing = setTimeout(refresh, 250);
    });
  }
  paint();
  connect();
})();
