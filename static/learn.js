// Counts down to each [data-expires-at] (unix seconds) once a second, so the
// /learn token page shows an access token running out. The page says the
// expiry time without it.
"use strict";
(function () {
  var clocks = document.querySelectorAll("[data-expires-at]");
  function tick() {
    var now = Date.now() / 1000;
    clocks.forEach(function (el) {
      var left = Math.round(Number(el.dataset.expiresAt) - now);
      if (left <= 0) {
        el.textContent = "expired: the API now refuses it with 401 invalid_token";
        el.classList.add("expired");
        return;
      }
      var s = left % 60;
      el.textContent = "expires in " + Math.floor(left / 60) + ":" + (s < 10 ? "0" : "") + s;
    });
  }
  if (clocks.length > 0) {
    tick();
    setInterval(tick, 1000);
  }
})();
