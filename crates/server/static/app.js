// Sanbao pages: small helps on top of pages that are complete without script.
// - Deadlines marked with data-due (epoch ms) keep their "35 min left" / "1 h 5 min overdue"
//   current, every 30 seconds, and change colour when they become due soon or breached.
// - Buttons marked data-print print the page.
// - The intake form finds the customer as the clerk types, picks one with the keyboard or
//   the mouse, opens the new-customer part in place and shows the region of its address;
//   a customer training's form finds its customer the same way.
// - The service desk fetches its changing part every few seconds and puts it in place.
// - The technician's arrival sends the phone's position when it gives one.
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

  function debounce(fn, ms) {
    var t = null;
    return function () {
      window.clearTimeout(t);
      t = window.setTimeout(fn, ms);
    };
  }

  function fetchHtml(url) {
    return fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "text/html" },
    }).then(function (r) {
      // Signed out meanwhile (sent to the sign-in page) or refused: no fragment.
      if (!r.ok || r.redirected) throw new Error("no fragment");
      return r.text();
    });
  }

  // A phone number as the server reads one: digits and separators, 5 to 20 digits.
  function looksLikePhone(s) {
    var t = s.trim();
    if (!/^[0-9０-９+＋\-－—()（）\s转xX]+$/.test(t)) return false;
    var n = t.replace(/[^0-9０-９]/g, "").length;
    return n >= 5 && n <= 20;
  }

  function intake(form) {
    var cq = document.getElementById("cq");
    var results = document.getElementById("customer-results");
    var idField = document.getElementById("customer_id");
    var mode = document.getElementById("customer_mode");
    var picked = document.getElementById("picked");
    var finder = document.getElementById("customer-finder");
    var fresh = document.getElementById("new-customer");
    var address = document.getElementById("nc-address");
    var regionBox = document.getElementById("nc-region");
    if (!cq || !results || !idField || !picked || !finder) return;
    var active = -1;
    var asked = "";

    function options() {
      return results.querySelectorAll("[role=option]");
    }

    function setActive(i) {
      var opts = options();
      if (!opts.length) {
        active = -1;
        cq.removeAttribute("aria-activedescendant");
        return;
      }
      active = (i + opts.length) % opts.length;
      for (var k = 0; k < opts.length; k++) {
        opts[k].setAttribute("aria-selected", k === active ? "true" : "false");
        opts[k].classList.toggle("active", k === active);
      }
      cq.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function showResults(html) {
      results.innerHTML = html;
      active = -1;
      cq.removeAttribute("aria-activedescendant");
      cq.setAttribute("aria-expanded", options().length ? "true" : "false");
    }

    function search() {
      var q = cq.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) {
        showResults("");
        return;
      }
      var url = form.getAttribute("data-matches-url") + "?q=" + encodeURIComponent(q);
      fetchHtml(url).then(
        function (html) {
          // An older answer arriving after a newer question is dropped.
          if (asked === q) showResults(html);
        },
        function () {}
      );
    }

    function text(id, value) {
      var el = document.getElementById(id);
      if (el) el.textContent = value;
    }

    function pick(opt) {
      idField.value = opt.getAttribute("data-id");
      if (mode) mode.value = "";
      text("picked-name", opt.getAttribute("data-name"));
      text("picked-address", opt.getAttribute("data-address"));
      text("picked-contact", opt.getAttribute("data-contact"));
      text("picked-promise", opt.getAttribute("data-promise"));
      var badge = document.getElementById("picked-region");
      if (badge) {
        badge.textContent = opt.getAttribute("data-region-label");
        badge.className = "badge region-" + opt.getAttribute("data-region");
      }
      picked.hidden = false;
      finder.hidden = true;
      if (fresh) fresh.hidden = true;
      cq.setAttribute("aria-expanded", "false");
      var next = document.getElementById(form.getAttribute("data-next") || "kind");
      if (next) next.focus();
    }

    function findAgain() {
      idField.value = "";
      if (mode) mode.value = "";
      picked.hidden = true;
      if (fresh) fresh.hidden = true;
      finder.hidden = false;
      cq.focus();
    }

    cq.addEventListener("input", debounce(search, 200));
    cq.addEventListener("keydown", function (e) {
      var opts = options();
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!opts.length) return;
        e.preventDefault();
        setActive(active < 0 && e.key === "ArrowUp" ? -1 : active + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (active >= 0 && opts[active]) pick(opts[active]);
        else if (opts.length === 1) pick(opts[0]);
        else search();
      } else if (e.key === "Escape") {
        showResults("");
        asked = "";
      }
    });
    results.addEventListener("mousedown", function (e) {
      // Keep the focus in the search box until the choice is made.
      if (e.target.closest("[role=option]")) e.preventDefault();
    });
    results.addEventListener("click", function (e) {
      var opt = e.target.closest("[role=option]");
      if (opt) pick(opt);
    });

    var change = document.getElementById("change-customer");
    if (change) {
      change.addEventListener("click", function (e) {
        e.preventDefault();
        findAgain();
      });
    }
    var open = document.getElementById("new-customer-open");
    if (open && fresh) {
      open.addEventListener("click", function (e) {
        e.preventDefault();
        idField.value = "";
        mode.value = "new";
        var typed = cq.value.trim();
        var phone = document.getElementById("nc-phone");
        var name = document.getElementById("nc-name");
        if (typed && looksLikePhone(typed)) {
          if (!phone.value.trim()) phone.value = typed;
        } else if (typed && !name.value.trim()) {
          name.value = typed;
        }
        finder.hidden = true;
        picked.hidden = true;
        fresh.hidden = false;
        (name.value.trim() ? address : name).focus();
      });
    }
    var close = document.getElementById("new-customer-close");
    if (close && fresh) {
      close.addEventListener("click", function (e) {
        e.preventDefault();
        findAgain();
      });
    }
    if (address && regionBox) {
      var lastAddress = address.value.trim();
      address.addEventListener(
        "input",
        debounce(function () {
          var a = address.value.trim();
          if (a === lastAddress) return;
          lastAddress = a;
          if (!a) {
            regionBox.innerHTML = "";
            return;
          }
          var url = form.getAttribute("data-region-url") + "?address=" + encodeURIComponent(a);
          fetchHtml(url).then(
            function (html) {
              if (lastAddress === a) regionBox.innerHTML = html;
            },
            function () {}
          );
        }, 250)
      );
    }
  }

  // The desk's changing part, fetched again every data-poll-ms and put in place whole: a
  // row can be neither doubled nor lost. Paused while the tab is hidden; the focused link
  // and the scroll position stay where they were.
  function liveDesk(box) {
    var src = box.getAttribute("data-src");
    var timer = null;
    var busy = false;
    var stopped = false;
    var last = null;
    var done = 0;

    function interval() {
      var ms = parseInt(box.getAttribute("data-poll-ms"), 10);
      return isFinite(ms) && ms >= 200 ? ms : 5000;
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!stopped && !document.hidden) timer = window.setTimeout(poll, interval());
    }

    function swap(html) {
      var focused = document.activeElement;
      var key = focused && box.contains(focused) ? focused.getAttribute("href") : null;
      var x = window.scrollX;
      var y = window.scrollY;
      box.innerHTML = html;
      if (key) {
        var links = box.querySelectorAll("a[href]");
        for (var i = 0; i < links.length; i++) {
          if (links[i].getAttribute("href") === key) {
            links[i].focus({ preventScroll: true });
            break;
          }
        }
      }
      window.scrollTo(x, y);
      tick();
    }

    function poll() {
      if (busy || stopped) return;
      if (document.hidden) return;
      busy = true;
      fetchHtml(src)
        .then(
          function (html) {
            if (html !== last) swap(html);
            last = html;
          },
          function (err) {
            // Signed out or refused: stop; the refresh link still works. A network blip
            // is tried again at the next turn.
            if (err && err.message === "no fragment") stopped = true;
          }
        )
        .then(function () {
          busy = false;
          done += 1;
          box.setAttribute("data-polls", String(done));
          schedule();
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) window.clearTimeout(timer);
      else poll();
    });
    var note = document.querySelector(".desk-live-note");
    if (note) note.hidden = false;
    schedule();
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

  // ---- Deadline policy editor ----
  // The Clock lists follow the calendars' names as they are typed; "Show the due time"
  // answers in place (the form still works as a plain post without the script).
  function policyEditor(form) {
    function syncClocks() {
      var names = [];
      var inputs = form.querySelectorAll("[data-calendar-name]");
      for (var i = 0; i < inputs.length; i++) {
        var n = inputs[i].value.trim();
        if (n && names.indexOf(n) < 0) names.push(n);
      }
      var selects = form.querySelectorAll("select[data-clock]");
      for (var j = 0; j < selects.length; j++) {
        var sel = selects[j];
        var current = sel.value;
        var wall = sel.options[0];
        var template = sel.getAttribute("data-calendar-label") || "{name}";
        while (sel.options.length > 1) sel.remove(1);
        for (var k = 0; k < names.length; k++) {
          var o = document.createElement("option");
          o.value = names[k];
          o.textContent = template.replace("{name}", names[k]);
          sel.appendChild(o);
        }
        sel.value = names.indexOf(current) >= 0 ? current : wall.value;
      }
    }
    form.addEventListener("input", function (e) {
      if (e.target.matches && e.target.matches("[data-calendar-name]")) syncClocks();
    });
    var tryButton = document.getElementById("try-button");
    var out = document.getElementById("try-result");
    if (!tryButton || !out || !window.fetch || !window.DOMParser) return;
    tryButton.addEventListener("click", function (e) {
      e.preventDefault();
      var data = new URLSearchParams(new FormData(form));
      data.set("op", "try");
      tryButton.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      })
        .then(function (r) {
          return r.text().then(function (html) {
            return { ok: r.ok, html: html };
          });
        })
        .then(function (res) {
          tryButton.disabled = false;
          if (!res.ok) {
            // Problems are shown at their fields: let the form show them.
            var op = document.createElement("input");
            op.type = "hidden";
            op.name = "op";
            op.value = "try";
            form.appendChild(op);
            form.submit();
            return;
          }
          var doc = new DOMParser().parseFromString(res.html, "text/html");
          var fresh = doc.getElementById("try-result");
          if (fresh) out.innerHTML = fresh.innerHTML;
          // The policy as typed is good: problems shown from an earlier post are gone.
          if (!doc.getElementById("error-summary")) {
            var old = document.getElementById("error-summary");
            if (old) old.parentNode.removeChild(old);
            var msgs = form.querySelectorAll(".field-error");
            for (var m = 0; m < msgs.length; m++) msgs[m].parentNode.removeChild(msgs[m]);
            var bad = form.querySelectorAll(".has-error, [aria-invalid]");
            for (var b = 0; b < bad.length; b++) {
              bad[b].classList.remove("has-error");
              bad[b].removeAttribute("aria-invalid");
            }
          }
        })
        .catch(function () {
          tryButton.disabled = false;
        });
    });
  }
  // ---- end deadline policy editor ----

  // ---- The technician's phone (issue 8, part 3) ----
  // The arrival form asks the phone where it is (a short wait), puts the position in its
  // hidden fields and then sends; refused, unavailable or slow, it sends without one.
  // A form is sent once: a second tap while it is being sent does nothing.
  function geoForms() {
    var forms = document.querySelectorAll("form[data-geo]");
    for (var i = 0; i < forms.length; i++) geoForm(forms[i]);
    var all = document.querySelectorAll(".phone-actions form");
    for (var j = 0; j < all.length; j++) {
      all[j].addEventListener("submit", function (e) {
        if (this.getAttribute("data-sent")) {
          e.preventDefault();
          return;
        }
        if (!this.hasAttribute("data-geo") || this.getAttribute("data-located")) {
          this.setAttribute("data-sent", "1");
        }
      });
    }
  }

  function geoForm(form) {
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("data-located") || !navigator.geolocation) return;
      e.preventDefault();
      if (form.getAttribute("data-locating")) return;
      form.setAttribute("data-locating", "1");
      var wait = form.querySelector("[data-geo-wait]");
      if (wait) wait.hidden = false;
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var done = false;
      function send(pos) {
        if (done) return;
        done = true;
        if (pos && pos.coords) {
          form.elements.lat.value = String(pos.coords.latitude);
          form.elements.lon.value = String(pos.coords.longitude);
          if (typeof pos.coords.accuracy === "number") {
            form.elements.accuracy_m.value = String(Math.min(Math.round(pos.coords.accuracy), 100000));
          }
        }
        form.setAttribute("data-located", "1");
        form.setAttribute("data-sent", "1");
        form.submit();
      }
      // The phone may never answer (permission prompt left open): send anyway.
      window.setTimeout(function () { send(null); }, 8000);
      try {
        navigator.geolocation.getCurrentPosition(send, function () { send(null); }, {
          enableHighAccuracy: true,
          timeout: 6000,
          maximumAge: 60000,
        });
      } catch (err) {
        send(null);
      }
    });
  }
  // ---- end the technician's phone ----

  function ready() {
    errorSummary();
    var printers = document.querySelectorAll("[data-print]");
    for (var i = 0; i < printers.length; i++) {
      printers[i].addEventListener("click", function () {
        window.print();
      });
    }
    var desk = document.getElementById("desk-live");
    if (document.querySelector("[data-due]") || desk) {
      tick();
      window.setInterval(tick, 30000);
    }
    // The intake form, and any other form that finds a customer the same way (a customer
    // training's customer).
    var form = document.getElementById("intake") || document.querySelector("form[data-matches-url]");
    if (form) intake(form);
    proposeOwner();
    // --- service requests (issue 8, part 1) ---
    requestCustomerFilter();
    // --- end service requests ---
    if (desk) liveDesk(desk);
    var policy = document.getElementById("policy-form");
    if (policy) policyEditor(policy);
    geoForms();
    // On a phone the menu is one row that scrolls sideways: bring this page's entry into
    // view, so a salesperson on the deliveries board sees where they are.
    var nav = document.querySelector(".nav");
    navGroups(nav);
    var here = nav && nav.querySelector("a.active, summary.active");
    if (here && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = here.offsetLeft - (nav.clientWidth - here.offsetWidth) / 2;
    }
  }

  // The menu's groups: one open at a time, closed by a click elsewhere or Escape.
  function navGroups(nav) {
    if (!nav) return;
    var groups = nav.querySelectorAll("[data-nav-group]");
    function closeAll(except) {
      for (var i = 0; i < groups.length; i++) {
        if (groups[i] !== except) groups[i].open = false;
      }
    }
    for (var i = 0; i < groups.length; i++) {
      groups[i].addEventListener("toggle", function (e) {
        if (e.target.open) closeAll(e.target);
      });
    }
    document.addEventListener("click", function (e) {
      if (!e.target.closest || !e.target.closest("[data-nav-group]")) closeAll(null);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") closeAll(null);
    });
  }

  // The intake form's owner: as the kind changes, select the one the load proposes (the
  // service manager for a complaint, a senior engineer for a consultation or a letter),
  // unless the clerk has chosen someone.
  function proposeOwner() {
    var owner = document.getElementById("assignee_id");
    var kind = document.getElementById("kind");
    if (!owner || !kind) return;
    var chosen = false;
    owner.addEventListener("change", function () {
      chosen = true;
    });
    kind.addEventListener("change", function () {
      if (chosen) return;
      var k = kind.value;
      var id = "";
      if (k === "complaint_quality" || k === "complaint_other") {
        id = owner.getAttribute("data-propose-complaint") || "";
      } else if (k === "consultation" || k === "correspondence") {
        id = owner.getAttribute("data-propose-reply") || "";
      }
      owner.value = id;
    });
  }

  // --- service requests (issue 8, part 1) ---
  // The request form's customer search: as the salesperson types, the server-rendered
  // list of their own customers narrows at once; the search button still asks the server.
  function requestCustomerFilter() {
    var input = document.querySelector("[data-request-filter]");
    var list = document.querySelector("[data-request-customers]");
    if (!input || !list) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var items = list.querySelectorAll("li[data-filter-text]");
      for (var i = 0; i < items.length; i++) {
        var text = items[i].getAttribute("data-filter-text").toLowerCase();
        items[i].hidden = q !== "" && text.indexOf(q) < 0;
      }
    });
  }
  // --- end service requests ---

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
