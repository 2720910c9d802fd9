// The payment page's only script: a live countdown over the expiry time
// the page already states, and focus on the error summary. The page
// works without it.
(function () {
  "use strict";
  var summary = document.getElementById("error");
  if (summary && summary.focus) { summary.focus(); }
  var box = document.getElementById("expiry-box");
  if (!box) { return; }
  var left = parseInt(box.getAttribute("data-remaining"), 10);
  if (isNaN(left)) { return; }
  var start = Date.now();
  var out = document.querySelector("#countdown bdi");
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var timer;
  var tick = function () {
    var s = Math.max(0, left - Math.floor((Date.now() - start) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    out.textContent = (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
    if (s === 0) {
      clearInterval(timer);
      box.className += " over";
      document.getElementById("expired-now").hidden = false;
    }
  };
  document.getElementById("countdown-box").hidden = false;
  tick();
  timer = setInterval(tick, 1000);
})();
