// The inbox's collapsible sidebar groups (the Replay brands, ADR 73) remember whether they
// were open, per browser; a group holding the chosen brand opens whatever was remembered.
(() => {
  "use strict";
  document.querySelectorAll("details[data-remember]").forEach((group) => {
    const key = group.dataset.remember;
    try {
      if (!group.open && localStorage.getItem(key) === "open") group.open = true;
    } catch (_) {
      return; // storage refused (private mode): the group just starts collapsed
    }
    group.addEventListener("toggle", () => {
      try {
        localStorage.setItem(key, group.open ? "open" : "closed");
      } catch (_) {
        /* nothing to remember with */
      }
    });
  });
})();
