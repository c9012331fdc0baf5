/* 综合调度台: the countdowns and SLA colours stay current in the browser.

   The server renders each countdown right for the time of the render and
   marks it with its instants (data-deadline, data-warn-at; data-paused while
   suspended). The polled panels answer 304 while nothing changes, so this
   recomputes the text ("剩 2小时5分" / "2h 5m left") and the colour every
   15 s, with the words from the catalog (#desk-clock's data attributes) and
   the server's clock (the page's render time, then each answer's Date). */
(function () {
  "use strict";
  var skew = 0; /* server time minus this browser's time, in ms */
  var TONES = ["ok", "warning", "overdue", "paused"];

  function clock() { return document.getElementById("desk-clock"); }
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }
  /* as console.templatetags.console.countdown: whole minutes, then the span */
  function countdownText(c, minutes) {
    var total = Math.abs(minutes);
    var days = Math.floor(total / 1440);
    var hours = Math.floor((total % 1440) / 60);
    var mins = total % 60;
    var span = days ? fill(c.dataset.days, { d: days, h: hours })
      : hours ? fill(c.dataset.hours, { h: hours, m: mins })
      : fill(c.dataset.minutes, { m: mins });
    return fill(minutes >= 0 ? c.dataset.left : c.dataset.overdue, { span: span });
  }
  /* as console.rules.minutes_left and sla_tone */
  function minutesLeft(deadline, now) {
    var seconds = (deadline - now) / 1000;
    return seconds >= 0 ? Math.floor(seconds / 60) : -Math.floor(-seconds / 60);
  }
  function toneOf(el, deadline, now) {
    if (el.hasAttribute("data-paused")) { return "paused"; }
    if (now >= deadline) { return "overdue"; }
    var warn = el.dataset.warnAt ? Date.parse(el.dataset.warnAt) : NaN;
    return !isNaN(warn) && now >= warn ? "warning" : "ok";
  }
  function setTone(el, prefix, tone) {
    TONES.forEach(function (t) { el.classList.toggle(prefix + t, t === tone); });
  }
  function refresh() {
    var c = clock();
    if (!c) { return; }
    var now = Date.now() + skew;
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.dataset.deadline);
      if (isNaN(deadline)) { return; }
      var tone = toneOf(el, deadline, now);
      var text = el.firstChild;
      if (text && text.nodeType === Node.TEXT_NODE) {
        text.nodeValue = countdownText(c, minutesLeft(deadline, now));
      }
      setTone(el, "", tone);
      if (el.title) { el.title = c.dataset["tone" + tone.charAt(0).toUpperCase() + tone.slice(1)]; }
      var row = el.closest("tr[data-order]");
      if (row) { setTone(row, "tone-", tone); }
    });
  }
  function localTime(c, at) {
    try {
      return new Intl.DateTimeFormat("en-GB", {
        timeZone: c.dataset.tz || undefined, hour: "2-digit", minute: "2-digit",
        second: "2-digit", hour12: false
      }).format(new Date(at));
    } catch (e) { return ""; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var c = clock();
    var rendered = c && Date.parse(c.dataset.now);
    if (rendered) { skew = rendered - Date.now(); }
    refresh();
    window.setInterval(refresh, 15000);
  });
  /* each answer carries the server's Date; a 304 still says "checked now" */
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var date = xhr && Date.parse(xhr.getResponseHeader("Date") || "");
    if (date) { skew = date - Date.now(); }
    if (xhr && xhr.status === 304) {
      var c = clock();
      var stamp = event.detail.elt.querySelector && event.detail.elt.querySelector("[data-polled-at]");
      var text = c && localTime(c, Date.now() + skew);
      if (stamp && text) { stamp.textContent = text; }
    }
  });
  document.addEventListener("htmx:afterSwap", refresh);
  window.deskCountdowns = refresh; /* for the browser tests */
})();
