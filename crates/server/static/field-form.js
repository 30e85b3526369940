// The feedback form on the technician's phone (R1.2, R4.5, poor connections).
//
// - Everything typed is kept in this phone's localStorage as it is typed, per job, and
//   put back when the page loads again (also when the page comes from the service worker
//   with no network).
// - "Save" and "Sign" send to the API; when the network is gone the request is queued
//   (with its idempotency key) and sent when the browser says it is online again.
// - The server stays the truth: once a save went through, the local copy is dropped.
// - Photos are made at most 1600 px on their long side, JPEG quality 0.8, before upload.
// - The signature pad takes mouse, touch and pen (pointer events) and is sent as a PNG.
(function () {
  "use strict";
  var root = document.querySelector("[data-form-page]");
  if (!root) return;
  var job = root.dataset.job;
  var csrf = root.dataset.csrf;
  var form = root.querySelector("[data-form]");
  var statusEl = root.querySelector("[data-status]");
  var META = "sanbao.form.meta." + job;
  var DRAFT = "sanbao.form.draft." + job;
  var QUEUE = "sanbao.form.queue." + job;

  function t(name) { return root.getAttribute("data-t-" + name) || ""; }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(key, v) {
    try {
      if (v === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(v));
    } catch (e) { /* storage full: the server copy still counts */ }
  }
  function say(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = "phone-status" + (kind ? " is-" + kind : "");
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // Which form this phone fills: from the page, or from what the phone remembers (a page
  // kept by the service worker may predate the draft).
  var meta = load(META) || {};
  if (root.dataset.form) {
    var id = Number(root.dataset.form), v = Number(root.dataset.version);
    if (meta.formId !== id || !(meta.version >= v)) meta = { formId: id, version: v };
  }
  if (root.dataset.corrects && !meta.corrects) meta.corrects = Number(root.dataset.corrects);
  store(META, meta);

  // ---- the fields, kept as they are typed ----
  if (!form) return;
  var partsBox = form.querySelector("[data-parts]");
  var partTemplate = form.querySelector("[data-part-template]");

  function fieldEls() { return form.querySelectorAll("[data-field]"); }
  function collect() {
    var out = { parts: [] };
    fieldEls().forEach(function (el) {
      out[el.dataset.field] = el.type === "checkbox" ? el.checked : el.value;
    });
    partsBox.querySelectorAll("[data-part]").forEach(function (row) {
      var p = {};
      row.querySelectorAll("[data-p]").forEach(function (el) { p[el.dataset.p] = el.value; });
      out.parts.push(p);
    });
    return out;
  }
  function addPart(values) {
    var row = partTemplate.content.firstElementChild.cloneNode(true);
    if (values) row.querySelectorAll("[data-p]").forEach(function (el) {
      if (values[el.dataset.p] !== undefined) el.value = values[el.dataset.p];
    });
    partsBox.appendChild(row);
    return row;
  }
  function restore(d) {
    fieldEls().forEach(function (el) {
      if (!(el.dataset.field in d)) return;
      if (el.type === "checkbox") el.checked = !!d[el.dataset.field]; else el.value = d[el.dataset.field];
    });
    partsBox.innerHTML = "";
    (d.parts || []).forEach(addPart);
  }
  function keep() {
    var d = collect();
    d.sig = sigData();
    store(DRAFT, d);
  }

  // ---- the signature pad ----
  var pad = form.querySelector("[data-sig]");
  var ctx = pad.getContext("2d");
  var drawn = false, drawing = false, sigRestored = null;
  (function sizePad() {
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    var w = pad.clientWidth || 340, h = pad.clientHeight || 170;
    pad.width = Math.round(w * ratio);
    pad.height = Math.round(h * ratio);
    ctx.scale(ratio, ratio);
    ctx.lineWidth = 2.4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
  })();
  function at(e) {
    var r = pad.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }
  pad.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    if (pad.setPointerCapture) { try { pad.setPointerCapture(e.pointerId); } catch (x) { /* synthetic */ } }
    drawing = true;
    var p = at(e);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(p.x + 0.1, p.y + 0.1);
    ctx.stroke();
  });
  pad.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = at(e);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    drawn = true;
  });
  function endStroke() {
    if (!drawing) return;
    drawing = false;
    keep();
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  pad.addEventListener("pointerleave", endStroke);
  form.querySelector("[data-sig-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, pad.width, pad.height);
    drawn = false;
    sigRestored = null;
    keep();
  });
  function sigData() {
    if (drawn) return pad.toDataURL("image/png");
    return sigRestored;
  }
  function drawSig(url) {
    var img = new Image();
    img.onload = function () {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(img, 0, 0, pad.width, pad.height);
      ctx.restore();
    };
    img.src = url;
  }

  // Put back what this phone kept.
  var kept = load(DRAFT);
  if (kept) {
    restore(kept);
    if (kept.sig) { sigRestored = kept.sig; drawSig(kept.sig); }
    say(t("local"), "local");
  }
  var endInput = form.querySelector("[data-default-now]");
  function localNow() {
    var d = new Date(Date.now() + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 16);
  }
  if (endInput && !endInput.value) endInput.value = localNow();

  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
  form.querySelector("[data-add-part]").addEventListener("click", function () {
    addPart().querySelector("input").focus();
    keep();
  });
  partsBox.addEventListener("click", function (e) {
    var b = e.target.closest("[data-remove-part]");
    if (!b) return;
    b.closest("[data-part]").remove();
    keep();
  });

  // ---- talking to the server ----
  function showErrors(fields) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    Object.keys(fields || {}).forEach(function (name) {
      var base = name.replace(/\[\d+\].*$/, "");
      var el = form.querySelector('[data-error-for="' + name + '"]') ||
        form.querySelector('[data-error-for="' + base + '"]');
      if (el) el.textContent = (el.textContent ? el.textContent + " " : "") + fields[name];
    });
  }
  // A request: resolves with {ok, status, body}; rejects only when the network is gone.
  function send(method, url, body, key, contentType) {
    var headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      if (contentType) { headers["Content-Type"] = contentType; init.body = body; } else {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    return fetch(url, init).then(function (r) {
      return r.text().then(function (text) {
        var b = null;
        try { b = JSON.parse(text); } catch (e) { b = null; }
        return { ok: r.ok, status: r.status, body: b };
      });
    });
  }
  function remember(f) {
    meta.formId = f.id;
    meta.version = f.version;
    store(META, meta);
  }
  function ensureForm(key) {
    if (meta.formId) return Promise.resolve(meta.formId);
    var body = meta.corrects ? { corrects: meta.corrects } : {};
    return send("POST", "/api/v1/jobs/" + job + "/forms", body, key).then(function (r) {
      if (!r.ok) throw { answered: r };
      remember(r.body);
      return r.body.id;
    });
  }
  function iso(local) {
    return local ? local + ":00+08:00" : null;
  }
  function payload(d) {
    return {
      version: meta.version || 0,
      service_content: d.service_content || "",
      fault_cause: d.fault_cause || "",
      cause_analysis: d.cause_analysis || "",
      handling: d.handling || "",
      responsibility: d.responsibility || null,
      parts: (d.parts || []).map(function (p) {
        var q = parseInt(p.quantity, 10);
        return {
          name: p.name || null,
          quantity: isNaN(q) ? null : q,
          faulty_serial: p.faulty_serial || null,
          replacement_serial: p.replacement_serial || null
        };
      }),
      started_at: iso(d.started_at),
      ended_at: iso(d.ended_at)
    };
  }
  function signPayload(d) {
    return {
      signer_name: d.signer_name || null,
      signature_png_base64: d.customer_absent ? null : (d.sig || null),
      customer_opinion: d.customer_opinion || null,
      stamp_png_base64: d.stamp || null,
      customer_absent: !!d.customer_absent
    };
  }

  // One operation: a save of the fields as typed, or the customer's signing. Resolves with
  // the server's answer; rejects with {offline: true} when the network is gone.
  function run(op) {
    return ensureForm(op.key + "-start").then(function (formId) {
      var body = payload(op.data);
      return send("PUT", "/api/v1/forms/" + formId, body, op.key + "-save").then(function (r) {
        if (!r.ok || op.kind !== "sign") return r;
        remember(r.body);
        return send("POST", "/api/v1/forms/" + formId + "/sign", signPayload(op.data), op.key);
      });
    }, function (e) {
      if (e && e.answered) return e.answered;
      throw e;
    }).then(function (r) {
      if (r.ok) remember(r.body);
      return r;
    }, function () {
      throw { offline: true };
    });
  }
  function queued() { return load(QUEUE) || []; }
  function enqueue(op) {
    // A later save replaces an earlier one still waiting; a signing stays.
    var q = queued().filter(function (o) { return o.kind === "sign"; });
    if (op.kind === "sign") q = [];
    q.push(op);
    store(QUEUE, q);
  }
  function settled(op, r) {
    if (r.ok) {
      var now = collect();
      now.sig = sigData();
      if (JSON.stringify(payload(now)) === JSON.stringify(payload(op.data)) || op.kind === "sign") {
        store(DRAFT, null);
      }
      showErrors({});
      if (op.kind === "sign") {
        store(DRAFT, null);
        store(META, null);
        say(t("signed"), "ok");
        window.location.href = "/field/forms/" + r.body.id;
        return;
      }
      say(t("saved"), "ok");
      return;
    }
    var b = r.body && r.body.error;
    if (r.status === 409) say(t("conflict") + (b ? " " + b.message : ""), "error");
    else say(t("failed") + (b ? " " + b.message : ""), "error");
    if (b) showErrors(b.fields);
  }
  function submit(kind) {
    var d = collect();
    d.sig = sigData();
    d.stamp = stampData;
    var op = { kind: kind, key: uuid(), data: d };
    if (kind === "sign" && !d.customer_absent && !d.sig) {
      showErrors({ signature: t("sign-first") });
      return;
    }
    store(DRAFT, d);
    say(t("saving"));
    return run(op).then(function (r) { settled(op, r); }, function () {
      enqueue(op);
      say(t("queued"), "queued");
    });
  }
  var flushing = false;
  function flush() {
    if (flushing) return;
    var q = queued();
    if (!q.length) return;
    flushing = true;
    var op = q[0];
    say(t("saving"));
    run(op).then(function (r) {
      store(QUEUE, queued().slice(1));
      flushing = false;
      settled(op, r);
      if (r.ok) say(t("sent"), "ok");
      flush();
    }, function () {
      flushing = false;
      say(t("queued"), "queued");
    });
  }
  window.addEventListener("online", flush);
  // Phones do not always say when the network is back: try again now and then.
  setInterval(function () { if (queued().length) flush(); }, 4000);
  form.querySelector("[data-save]").addEventListener("click", function () { submit("save"); });
  form.querySelector("[data-sign]").addEventListener("click", function () { submit("sign"); });

  // ---- photos: resized on the phone, then uploaded ----
  var thumbs = form.querySelector("[data-thumbs]");
  // Read through a data: URL (the pages' policy allows data: images, not blob:).
  function resized(file, maxSide, quality) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = function () { reject(new Error("unreadable")); };
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          var w = img.naturalWidth, h = img.naturalHeight;
          var k = Math.min(1, maxSide / Math.max(w, h));
          var c = document.createElement("canvas");
          c.width = Math.max(1, Math.round(w * k));
          c.height = Math.max(1, Math.round(h * k));
          var g = c.getContext("2d");
          g.fillStyle = "#fff";
          g.fillRect(0, 0, c.width, c.height);
          g.drawImage(img, 0, 0, c.width, c.height);
          c.toBlob(function (b) { b ? resolve({ blob: b, canvas: c }) : reject(new Error("encode")); }, "image/jpeg", quality);
        };
        img.onerror = function () { reject(new Error("not an image")); };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }
  function showPhotos(photos) {
    thumbs.innerHTML = "";
    photos.forEach(function (p) {
      var fig = document.createElement("figure");
      fig.className = "thumb";
      fig.dataset.photo = p.file_id;
      var img = document.createElement("img");
      img.src = p.url;
      img.alt = p.caption || "";
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-quiet";
      b.dataset.removePhoto = p.file_id;
      b.textContent = t("remove");
      fig.appendChild(img);
      fig.appendChild(b);
      thumbs.appendChild(fig);
    });
  }
  form.querySelector("[data-photo-input]").addEventListener("change", function (e) {
    var files = Array.prototype.slice.call(e.target.files || []);
    e.target.value = "";
    if (!navigator.onLine) { showErrors({ photo: t("photo-offline") }); return; }
    say(t("uploading"));
    var chain = ensureForm(uuid());
    files.forEach(function (f) {
      chain = chain.then(function (formId) {
        return resized(f, 1600, 0.8).then(function (r) {
          return send("POST", "/api/v1/forms/" + formId + "/photos", r.blob, uuid(), "image/jpeg");
        }).then(function (r) {
          if (!r.ok) { settled({ kind: "photo", data: {} }, r); throw r; }
          remember(r.body);
          showPhotos(r.body.photos);
          showErrors({});
          return formId;
        });
      });
    });
    chain.then(function () { say(t("saved"), "ok"); }, function (r) {
      if (r && r.status) return;
      showErrors({ photo: t("photo-offline") });
      say("");
    });
  });
  thumbs.addEventListener("click", function (e) {
    var b = e.target.closest("[data-remove-photo]");
    if (!b || !meta.formId) return;
    send("DELETE", "/api/v1/forms/" + meta.formId + "/photos/" + b.dataset.removePhoto).then(function (r) {
      if (r.ok) { remember(r.body); showPhotos(r.body.photos); } else settled({ kind: "photo", data: {} }, r);
    }, function () { showErrors({ photo: t("photo-offline") }); });
  });

  // ---- the stamp: a photo, resized, sent with the signing ----
  var stampData = kept && kept.stamp ? kept.stamp : null;
  var stampPreview = form.querySelector("[data-stamp-preview]");
  if (stampData) { stampPreview.src = stampData; stampPreview.hidden = false; }
  form.querySelector("[data-stamp-input]").addEventListener("change", function (e) {
    var f = e.target.files && e.target.files[0];
    if (!f) return;
    resized(f, 800, 0.8).then(function (r) {
      stampData = r.canvas.toDataURL("image/jpeg", 0.8);
      stampPreview.src = stampData;
      stampPreview.hidden = false;
      var d = collect();
      d.sig = sigData();
      d.stamp = stampData;
      store(DRAFT, d);
    });
  });

  // ---- start the draft when online, send what waited, keep the page for offline ----
  if (navigator.onLine) {
    ensureForm(uuid()).then(function () { flush(); }, function (e) {
      if (e && e.answered) settled({ kind: "start", data: {} }, e.answered);
    });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.cached) document.documentElement.dataset.offlineReady = "1";
    });
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [location.pathname, "/field/form.js", "/field/form.css", root.dataset.assets];
      if (reg.active) reg.active.postMessage({ cache: urls });
    }).catch(function () { /* no offline reload; typing is still kept */ });
  }
})();
