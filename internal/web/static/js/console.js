// Wenyun staff console. The Content-Security-Policy forbids inline scripts,
// so every behaviour hangs on data-* attributes:
//   data-autosubmit        form: submit when a select changes
//   data-room-filter="#id" unit select: show only the rooms of that unit
//   data-checkin           check-in page: camera scanner (qr-scanner) and
//                          the typed-code form (data-checkin-form, htmx)
// (Forms with data-confirm ask first: app.js does that on every page.)
(function () {
  "use strict";

  function autosubmit(form) {
    form.querySelectorAll("select").forEach(function (sel) {
      sel.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    });
  }

  function roomFilter(unitSelect) {
    var rooms = document.querySelector(unitSelect.dataset.roomFilter);
    if (!rooms) return;
    function apply() {
      var unit = unitSelect.value;
      rooms.querySelectorAll("option[data-unit]").forEach(function (opt) {
        var off = unit !== "" && opt.dataset.unit !== unit;
        opt.hidden = off;
        opt.disabled = off;
        if (off && opt.selected) rooms.value = "";
      });
    }
    unitSelect.addEventListener("change", apply);
    apply();
  }

  // codeFrom takes the ticket code out of what a QR code holds: the bare
  // code, or a ticket URL ending in the code or carrying ?code=.
  function codeFrom(text) {
    text = (text || "").trim();
    try {
      var u = new URL(text);
      var q = u.searchParams.get("code");
      if (q) return q;
      var parts = u.pathname.split("/").filter(Boolean);
      return parts.length ? decodeURIComponent(parts[parts.length - 1]) : text;
    } catch (e) {
      return text;
    }
  }

  function checkin(root) {
    var form = root.querySelector("[data-checkin-form]");
    var input = form.querySelector("input[name=code]");
    var box = root.querySelector("[data-scanner]");
    var startBtn = root.querySelector("[data-scanner-start]");
    var stopBtn = root.querySelector("[data-scanner-stop]");
    var status = root.querySelector("[data-scanner-status]");
    var result = document.getElementById("checkin-result");
    var scanner = null, last = "", lastAt = 0, busy = false;

    function submit(code) {
      input.value = code;
      busy = true;
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }

    function onScan(res) {
      var code = codeFrom(res && res.data !== undefined ? res.data : res);
      var now = Date.now();
      if (!code || busy || (code === last && now - lastAt < 4000)) return;
      last = code; lastAt = now;
      submit(code);
    }

    function start() {
      status.textContent = "正在打开摄像头…";
      if (!scanner) {
        scanner = new window.QrScanner(box.querySelector("video"), onScan, {
          returnDetailedScanResult: true, preferredCamera: "environment", maxScansPerSecond: 5
        });
      }
      box.hidden = false; startBtn.hidden = true;
      scanner.start().then(function () {
        status.textContent = "将票券二维码对准摄像头。";
      }).catch(function (err) {
        box.hidden = true; startBtn.hidden = false;
        status.textContent = "无法打开摄像头（" + err + "）。请检查浏览器的摄像头权限，或直接输入票码。";
      });
    }

    function stop() {
      if (scanner) scanner.stop();
      box.hidden = true; startBtn.hidden = false;
      status.textContent = "";
    }

    if (window.QrScanner && window.isSecureContext) {
      window.QrScanner.hasCamera().then(function (has) { startBtn.hidden = !has; });
      startBtn.addEventListener("click", start);
      stopBtn.addEventListener("click", stop);
    }

    // After each answer: clear and refocus the input for the next ticket,
    // buzz the phone (short for success, long for a refusal).
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target !== result) return;
      busy = false;
      input.value = "";
      if (box.hidden) input.focus();
      var r = result.querySelector("[data-result]");
      var tapped = !navigator.userActivation || navigator.userActivation.hasBeenActive;
      if (r && navigator.vibrate && tapped) navigator.vibrate(r.dataset.result === "ok" ? 80 : [200, 100, 200]);
    });
    document.body.addEventListener("htmx:afterRequest", function () { busy = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
    document.querySelectorAll("select[data-room-filter]").forEach(roomFilter);
    document.querySelectorAll("[data-checkin]").forEach(checkin);
  });
})();
