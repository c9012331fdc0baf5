/* 综调中心 console helpers: no framework, loaded after htmx. */
(function () {
  "use strict";

  /* Polling panels skip a refresh while the user is typing in them. */
  window.consoleIdle = function (el) {
    var active = document.activeElement;
    return !(active && el.contains(active) && active.matches("input, textarea, select"));
  };

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  /* 上报位置: the phone's position through navigator.geolocation. */
  function reportPosition(button) {
    var status = document.getElementById(button.dataset.status);
    function say(text, bad) {
      if (status) { status.textContent = text; status.className = bad ? "error" : "ok"; }
    }
    if (!navigator.geolocation) { say(button.dataset.unsupported, true); return; }
    button.disabled = true;
    say(button.dataset.locating, false);
    navigator.geolocation.getCurrentPosition(function (pos) {
      var body = new URLSearchParams();
      body.set("lat", pos.coords.latitude);
      body.set("lng", pos.coords.longitude);
      fetch(button.dataset.url, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        body: body,
        credentials: "same-origin"
      }).then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (res) {
          button.disabled = false;
          say(res[0] ? res[1].message : button.dataset.failed, !res[0]);
        })
        .catch(function () { button.disabled = false; say(button.dataset.failed, true); });
    }, function () {
      button.disabled = false;
      say(button.dataset.denied, true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate]");
    if (button) { event.preventDefault(); reportPosition(button); }
  });
})();
