// The service worker of /field/: the phone's form page and its files stay readable when
// the network is gone. Network first; the cached copy only when the network fails. Never
// the API, never anything but GET.
"use strict";
var CACHE = "sanbao-field-v1";

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.indexOf("/api/") === 0) return false;
  return /^\/field\/jobs\/\d+\/form$/.test(url.pathname) ||
    url.pathname === "/field/form.js" || url.pathname === "/field/form.css" ||
    url.pathname.indexOf("/static/") === 0;
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });

// The page names itself and its files once the worker is ready (the first load happened
// before the worker could see it).
self.addEventListener("message", function (e) {
  var urls = ((e.data && e.data.cache) || []).filter(function (u) {
    return u && cacheable(new URL(u, self.location.origin));
  });
  if (!urls.length) return;
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return c.addAll(urls);
  }).then(function () {
    if (e.source) e.source.postMessage({ cached: urls.length });
  }).catch(function () { /* try again on the next load */ }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (!cacheable(url)) return;
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok && res.type === "basic") {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(req).then(function (hit) { return hit || Response.error(); });
  }));
});
