// Sanbao pages: small helps on top of pages that are complete without script.
// - Deadlines marked with data-due (epoch ms) keep their "35 min left" / "1 h 5 min overdue"
//   current, every 30 seconds, and change colour when they become due soon or breached.
// - Buttons marked data-print print the page.
// - A form sent back with problems: its summary takes the focus (a screen reader reads it,
//   the keyboard starts there), and its links move the focus to their field.
(function () {
  "use strict";

  var DUE_SOON_MS = 60 * 60 * 1000;
  var body = document.body;

  function tpl(name) {
    return (body && body.getAttribute("data-t-" + name)) || "";
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  // The same words as the server: "35 分钟", "1 小时 5 分", "2 天 3 小时".
  function duration(minutes) {
    var m = Math.max(0, minutes);
    var d = Math.floor(m / 1440);
    var h = Math.floor((m % 1440) / 60);
    var min = m % 60;
    if (d > 0) return fill(tpl("d-h"), { d: d, h: h });
    if (h > 0 && min > 0) return fill(tpl("h-min"), { h: h, m: min });
    if (h > 0) return fill(tpl("h"), { h: h });
    return fill(tpl("min"), { n: min });
  }

  function setState(el, state) {
    var label = el.querySelector(".dl-state");
    if (label && tpl(state)) label.textContent = tpl(state);
    ["pending", "due_soon", "breached"].forEach(function (s) {
      el.classList.toggle("dl-" + s, s === state);
    });
    var row = el.closest("tr");
    if (row && row.parentNode && row.parentNode.tagName === "TBODY") {
      ["pending", "due_soon", "breached"].forEach(function (s) {
        row.classList.toggle("row-" + s, s === state);
      });
    }
  }

  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll("[data-due]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var due = parseInt(el.getAttribute("data-due"), 10);
      if (!isFinite(due)) continue;
      var rel = el.querySelector(".dl-rel");
      if (!rel) continue;
      var ms = due - now;
      if (ms < 0) {
        rel.textContent = fill(tpl("overdue"), { d: duration(Math.ceil(-ms / 60000)) });
        setState(el, "breached");
      } else {
        rel.textContent = fill(tpl("left"), { d: duration(Math.ceil(ms / 60000)) });
        setState(el, ms <= DUE_SOON_MS ? "due_soon" : "pending");
      }
    }
  }

  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      var field = target.matches("input, select, textarea")
        ? target
        : target.querySelector("input, select, textarea");
      if (!field) return;
      e.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  function ready() {
    errorSummary();
    var printers = document.querySelectorAll("[data-print]");
    for (var i = 0; i < printers.length; i++) {
      printers[i].addEventListener("click", function () {
        window.print();
      });
    }
    if (document.querySelector("[data-due]")) {
      tick();
      window.setInterval(tick, 30000);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
