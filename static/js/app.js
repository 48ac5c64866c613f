// SimCRM's few behaviours that CSS and htmx do not cover: the phone menu, copy
// buttons, the reader's time zone, and the DLQ row selection. No framework.
(function () {
  "use strict";

  // The reader's time zone, for the server to write times in (cookie "tz").
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + encodeURIComponent(tz)) < 0) {
      document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: the server writes UTC */ }

  document.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target : null;
    if (!t) return;

    // Phone menu: the button opens and closes the navigation.
    var toggle = t.closest("#menu-toggle");
    if (toggle) {
      var open = document.getElementById("topbar").classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }

    // Copy buttons: data-copy names the element whose text is copied.
    var copy = t.closest("[data-copy]");
    if (copy) {
      var src = document.getElementById(copy.getAttribute("data-copy"));
      if (!src) return;
      var text = (src.value !== undefined ? src.value : src.textContent).trim();
      var done = function () {
        var label = copy.textContent;
        copy.textContent = "Copied";
        copy.classList.add("copied");
        setTimeout(function () { copy.textContent = label; copy.classList.remove("copied"); }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
      } else {
        selectText(src);
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    var bar = document.getElementById("topbar");
    if (bar && bar.classList.contains("open")) {
      bar.classList.remove("open");
      var toggle = document.getElementById("menu-toggle");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });

  function selectText(el) {
    if (el.select) { el.select(); return; }
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }

  // DLQ selection: ticked rows narrow the bulk actions to themselves; with none
  // ticked they act on every open row the filter matches. The buttons and their
  // confirmations say which.
  function syncSelection() {
    var list = document.getElementById("dlq-list");
    if (!list) return;
    var boxes = list.querySelectorAll("input.row-select");
    var picked = list.querySelectorAll("input.row-select:checked");
    var all = document.getElementById("select-page");
    if (all) {
      all.checked = boxes.length > 0 && picked.length === boxes.length;
      all.indeterminate = picked.length > 0 && picked.length < boxes.length;
    }
    var n = picked.length;
    var matching = list.getAttribute("data-open") || "0";
    var scope = n > 0 ? n + " selected row" + (n === 1 ? "" : "s") : "all " + matching + " open rows matching the filter";
    document.querySelectorAll("[data-scope-text]").forEach(function (el) { el.textContent = scope; });
    document.querySelectorAll("[data-confirm-template]").forEach(function (el) {
      el.setAttribute("hx-confirm", el.getAttribute("data-confirm-template").replace("{scope}", scope));
    });
    var bar = document.getElementById("selection-bar");
    if (bar) bar.classList.toggle("has-selection", n > 0);
  }

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.id === "select-page") {
      document.querySelectorAll("#dlq-list input.row-select").forEach(function (b) { b.checked = t.checked; });
    }
    if (t.id === "select-page" || (t.classList && t.classList.contains("row-select"))) syncSelection();
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.id === "select-none") {
      document.querySelectorAll("#dlq-list input.row-select").forEach(function (b) { b.checked = false; });
      syncSelection();
    }
  });
  document.addEventListener("DOMContentLoaded", syncSelection);
  document.addEventListener("htmx:afterSettle", syncSelection);
})();
