// Wenyun's small scripts: countdowns to booking opening. No inline scripts
// are allowed by the Content-Security-Policy, so behaviour hangs on data-*.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.countdown) - now) / 1000);
      if (left <= 0) {
        if (!el.dataset.done) { el.dataset.done = "1"; el.textContent = "已开放，请刷新页面"; if (el.dataset.reload) location.reload(); }
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (d > 0 ? d + " 天 " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();

// Booking buttons rendered before booking opens carry
// data-enable-at="RFC3339": they turn on at that moment (and take the text
// in data-enabled-text). Forms with data-confirm ask first; forms with
// data-once disable their buttons once sent, so a double tap sends once.
(function () {
  "use strict";
  function enable() {
    var now = Date.now();
    document.querySelectorAll("[data-enable-at]").forEach(function (el) {
      if (Date.parse(el.dataset.enableAt) <= now) {
        el.disabled = false;
        if (el.dataset.enabledText) el.textContent = el.dataset.enabledText;
        el.removeAttribute("data-enable-at");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enable(); setInterval(enable, 500); });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset.confirm && !window.confirm(f.dataset.confirm)) { e.preventDefault(); return; }
    if (f.hasAttribute("data-once")) {
      if (f.dataset.sent) { e.preventDefault(); return; }
      f.dataset.sent = "1";
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    }
  });
  // A page restored from the back-forward cache must be usable again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (f) {
      delete f.dataset.sent;
      f.querySelectorAll("button[type=submit]:not([data-enable-at])").forEach(function (b) { b.disabled = false; });
    });
  });
})();

// A first-come booking form carries data-queue-from and data-queue-until
// (RFC3339): sent in that fair-start window, the request waits until the
// window ends and is then admitted in random order, so the form says so
// in its role=status line instead of showing a dead button.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target, now = Date.now();
    if (e.defaultPrevented || !f.dataset || !f.dataset.queueUntil) return;
    if (now < Date.parse(f.dataset.queueFrom) || now >= Date.parse(f.dataset.queueUntil)) return;
    var status = f.querySelector("[data-queue-status]");
    if (status) status.textContent = "正在排队，请稍候…";
    f.querySelectorAll("button[type=submit]").forEach(function (b) { b.dataset.text = b.textContent; b.textContent = "排队中…"; });
  });
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll("[data-queue-status]").forEach(function (el) { el.textContent = ""; });
    document.querySelectorAll("button[data-text]").forEach(function (b) { b.textContent = b.dataset.text; });
  });
})();
