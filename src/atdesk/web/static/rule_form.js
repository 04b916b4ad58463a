// Rule form: add, remove and reorder condition and action rows in place. The same buttons post
// to the server when this script does not run, so the form works either way.
(function () {
  "use strict";
  const form = document.querySelector("form[data-rule-form]");
  if (!form) return;
  const conditions = form.querySelector("#conditions");
  const actions = form.querySelector("#actions");
  const conditionChoice = form.querySelector('select[name="add_condition"]');
  const actionChoice = form.querySelector('select[name="add_action"]');
  let nextKey = Math.max(-1, ...Array.from(actions.querySelectorAll('input[name="action"]'), (i) => Number(i.value.slice(1)))) + 1;

  function fromTemplate(id, key) {
    const box = document.createElement("template");
    box.innerHTML = document.getElementById(id).innerHTML.replaceAll("__KEY__", key).trim();
    return box.content.firstElementChild;
  }

  function refresh() {
    const present = new Set(Array.from(conditions.querySelectorAll('input[name="condition"]'), (i) => i.value));
    Array.from(conditionChoice.options).forEach((o) => { o.disabled = present.has(o.value); });
    if (conditionChoice.selectedOptions[0] && conditionChoice.selectedOptions[0].disabled) {
      const free = Array.from(conditionChoice.options).find((o) => !o.disabled);
      if (free) conditionChoice.value = free.value;
    }
    form.querySelector('[data-empty="conditions"]').hidden = present.size > 0;
    form.querySelector('[data-empty="actions"]').hidden = actions.children.length > 0;
  }

  function add(list, row) {
    list.append(row);
    const first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    refresh();
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest('button[name="do"]');
    if (!button) return;
    const verb = button.value.split(":")[0];
    if (verb === "add-condition") {
      event.preventDefault();
      const option = conditionChoice.selectedOptions[0];
      if (option && !option.disabled) add(conditions, fromTemplate(`condition-${option.value}`, ""));
    } else if (verb === "add-action") {
      event.preventDefault();
      add(actions, fromTemplate(`action-${actionChoice.value}`, `a${nextKey++}`));
    } else if (verb === "remove") {
      event.preventDefault();
      button.closest("[data-row]").remove();
      refresh();
    } else if (verb === "up") {
      event.preventDefault();
      const row = button.closest("[data-row]");
      if (row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
      button.focus();
    }
  });
  refresh();
})();
