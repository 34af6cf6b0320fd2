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
