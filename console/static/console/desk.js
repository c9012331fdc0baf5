/* 综合调度台: keyboard shortcuts with their help overlay, compact rows, the
   queue poll's ETag, live-count alerts (opt-in) and the map panel. */
(function () {
  "use strict";
  var selected = null; /* the order number of the selected queue row */

  /* --- a poll carries its panel's ETag (queue, side, technicians, counts);
     a 304 keeps the panel as it is --- */
  document.addEventListener("htmx:configRequest", function (event) {
    var etag = event.detail.elt.dataset && event.detail.elt.dataset.etag;
    if (etag && event.detail.verb === "get") {
      event.detail.headers["If-None-Match"] = etag;
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      htmx.config.responseHandling.unshift({ code: "304", swap: false });
    }
  });

  /* --- rows: selection survives the panel's refreshes --- */
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-order]"));
  }
  function mark() {
    rows().forEach(function (row) {
      row.classList.toggle("selected", row.dataset.order === selected);
    });
  }
  function current() {
    return rows().filter(function (row) { return row.dataset.order === selected; })[0] || null;
  }
  function move(step) {
    var list = rows();
    if (!list.length) { return; }
    var index = list.indexOf(current());
    index = index < 0 ? (step > 0 ? 0 : list.length - 1)
      : Math.min(list.length - 1, Math.max(0, index + step));
    selected = list[index].dataset.order;
    mark();
    list[index].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:afterSwap", mark);
  document.addEventListener("click", function (event) {
    var row = event.target.closest("#queue tbody tr[data-order]");
    if (row) { selected = row.dataset.order; mark(); }
  });

  /* --- compact density, remembered in this browser --- */
  function density(compact) {
    document.body.classList.toggle("density-compact", compact);
    try { localStorage.setItem("desk-density", compact ? "compact" : "normal"); } catch (e) { /* private mode */ }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var saved = "";
    try { saved = localStorage.getItem("desk-density") || ""; } catch (e) { /* private mode */ }
    density(saved === "compact");
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-density-toggle]")) {
      density(!document.body.classList.contains("density-compact"));
    }
  });

  /* --- help overlay --- */
  function help(open) {
    var overlay = document.getElementById("help-overlay");
    if (overlay) { overlay.hidden = !open; }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-open]")) { help(true); }
    if (event.target.closest("[data-help-close]") || event.target.id === "help-overlay") { help(false); }
  });

  /* --- shortcuts --- */
  var keys = {
    "j": function () { move(1); },
    "ArrowDown": function () { move(1); },
    "k": function () { move(-1); },
    "ArrowUp": function () { move(-1); },
    "Enter": candidates,
    "c": candidates,
    "D": dispatchTop,
    "o": function () { var row = current(); if (row) { window.location.href = row.dataset.url; } },
    "/": function () { var q = document.getElementById("id_q"); if (q) { q.focus(); q.select(); } },
    "v": function () { density(!document.body.classList.contains("density-compact")); },
    "m": function () { var map = document.getElementById("map-panel"); if (map) { map.open = !map.open; } },
    "?": function () { help(true); }
  };
  function candidates() {
    var row = current();
    var button = row && row.querySelector("[data-candidates]");
    if (button) { button.click(); }
  }
  function dispatchTop() {
    var button = document.querySelector("#candidates ol.candidates li form button");
    if (button) { button.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var overlay = document.getElementById("help-overlay");
    if (event.key === "Escape") {
      help(false);
      if (document.activeElement && document.activeElement.matches("input, select, textarea")) {
        document.activeElement.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target.closest && event.target.closest("input, select, textarea, [contenteditable]")) { return; }
    if (overlay && !overlay.hidden && event.key !== "?") { return; }
    if ((event.key === "Enter") && event.target.closest && event.target.closest("a, button, summary")) { return; }
    var action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  /* --- live counts: ring and notify when one grows (opt-in) --- */
  var seen = null;
  function alertsOn() {
    try { return localStorage.getItem("desk-alerts") === "on"; } catch (e) { return false; }
  }
  function showAlerts() {
    var button = document.querySelector("[data-alerts-toggle]");
    if (button) { button.textContent = alertsOn() ? button.dataset.on : button.dataset.off; }
  }
  function ring() {
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      var audio = new Audio();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.1;
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio */ }
  }
  function readCounts(el) {
    return ["stuck", "escalations", "warnings", "approvals"].map(function (k) {
      return parseInt(el.dataset[k] || "0", 10);
    });
  }
  function countsArrived(el) {
    var now = readCounts(el);
    var grew = seen && now.some(function (n, i) { return n > seen[i]; });
    seen = now;
    el.dataset.seen = "true";
    if (!grew || !alertsOn()) { return; }
    ring();
    if (window.Notification && Notification.permission === "granted") {
      new Notification(el.dataset.alertText, { tag: "dispatch-desk" });
    }
  }
  /* htmx:load fires for each new copy of the counts (first load and polls) */
  document.addEventListener("htmx:load", function (event) {
    var el = event.detail.elt;
    if (el && el.id === "nav-counts" && el.dataset.stuck !== undefined) { countsArrived(el); }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-alerts-toggle]")) { return; }
    var on = !alertsOn();
    try { localStorage.setItem("desk-alerts", on ? "on" : "off"); } catch (e) { /* private mode */ }
    if (on && window.Notification && Notification.permission === "default") {
      Notification.requestPermission();
    }
    showAlerts();
  });
  document.addEventListener("DOMContentLoaded", showAlerts);

  /* --- the map: ECharts (the local copy), loaded when the panel opens --- */
  var COLOURS = { ok: "#2f9e44", warning: "#f08c00", overdue: "#e03131", paused: "#868e96" };
  var FAULT_COLOURS = { suspected: "#9c36b5", confirmed: "#a61e4d" };
  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  /* a fault's tooltip: number, status, cause, ETA, linked count, its page */
  function faultTip(f, area, label) {
    var rows = [
      ["faultStatus", f.status_display], ["faultCause", f.cause || "—"],
      ["faultEta", f.eta || "—"], ["faultLinked", f.linked], ["faultArea", area]
    ];
    return "<b>" + escapeHtml(label("faultNumber")) + " " + escapeHtml(f.number) + "</b><br>" +
      rows.map(function (r) { return escapeHtml(label(r[0])) + "：" + escapeHtml(r[1]); }).join("<br>") +
      '<br><a href="' + escapeHtml(f.url) + '">' + escapeHtml(label("faultOpen")) + "</a>";
  }
  function loadEcharts(src, done) {
    if (window.echarts) { done(); return; }
    var script = document.createElement("script");
    script.src = src;
    script.onload = done;
    document.head.appendChild(script);
  }
  /* a margin of 5 % around the points (at least 0.002°) */
  function pad(side) {
    return function (v) {
      var margin = Math.max((v.max - v.min) * 0.05, 0.002);
      return +(side < 0 ? v.min - margin : v.max + margin).toFixed(4);
    };
  }
  function drawMap(panel) {
    var box = document.getElementById("map");
    var label = function (k) { return box.dataset["label" + k.charAt(0).toUpperCase() + k.slice(1)]; };
    fetch(panel.dataset.mapUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var faults = data.faults || [];
        if (!data.orders.length && !data.technicians.length && !faults.length) {
          box.textContent = label("empty");
          return;
        }
        /* the most urgent drawn last, on top of the others */
        var series = ["ok", "paused", "warning", "overdue"].map(function (tone) {
          return {
            name: label(tone), type: "scatter", symbolSize: 7,
            itemStyle: { color: COLOURS[tone] },
            data: data.orders.filter(function (o) { return o.tone === tone; })
              .map(function (o) { return { value: [o.lng, o.lat], name: o.number, id: o.id }; })
          };
        });
        series.push({
          name: label("technicians"), type: "scatter", symbol: "triangle", symbolSize: 12,
          itemStyle: { color: "#1c7ed6" },
          data: data.technicians.map(function (t) {
            return { value: [t.lng, t.lat], name: t.name + " " + t.code + " " + t.at };
          })
        });
        /* network faults on top: a pin per package area of their scope */
        ["suspected", "confirmed"].forEach(function (status) {
          var key = "fault" + status.charAt(0).toUpperCase() + status.slice(1);
          var points = [];
          faults.filter(function (f) { return f.status === status; }).forEach(function (f) {
            f.areas.forEach(function (a) {
              points.push({ value: [a.lng, a.lat], name: f.number, fault: f, area: a.name + "（" + a.code + "）" });
            });
          });
          if (!points.length) { return; }
          series.push({
            name: label(key), type: "scatter", symbol: "pin", symbolSize: 34, z: 5, clip: false,
            itemStyle: { color: FAULT_COLOURS[status], borderColor: "#fff", borderWidth: 1 },
            label: { show: true, formatter: "!", color: "#fff", fontWeight: "bold", offset: [0, -3] },
            data: points
          });
        });
        var chart = window.echarts.getInstanceByDom(box) || window.echarts.init(box);
        chart.setOption({
          animation: false,
          legend: { top: 0, data: ["overdue", "warning", "ok", "paused", "technicians", "faultSuspected", "faultConfirmed"].map(label) },
          tooltip: {
            trigger: "item", enterable: true,
            formatter: function (p) {
              if (p.data && p.data.fault) { return faultTip(p.data.fault, p.data.area, label); }
              return escapeHtml(p.seriesName + "：" + p.name);
            }
          },
          grid: { left: 64, right: 20, top: faults.length ? 64 : 36, bottom: 44 },
          xAxis: { type: "value", scale: true, name: label("lng"), nameLocation: "middle", nameGap: 24, min: pad(-1), max: pad(1) },
          yAxis: { type: "value", scale: true, name: label("lat"), nameLocation: "middle", nameGap: 40, min: pad(-1), max: pad(1) },
          series: series
        }, true);
        chart.off("click");
        chart.on("click", function (p) {
          if (p.data && p.data.fault) { window.location.href = p.data.fault.url; return; }
          var row = p.data && p.data.id && document.querySelector("#queue tr[data-id='" + p.data.id + "'] [data-candidates]");
          if (row) { row.click(); }
        });
        box.dataset.drawn = String(data.orders.length + data.technicians.length);
        box.dataset.faults = String(faults.length);
      });
  }
  document.addEventListener("toggle", function (event) {
    var panel = event.target;
    if (panel.id !== "map-panel" || !panel.open) { return; }
    loadEcharts(panel.dataset.echarts, function () { drawMap(panel); });
  }, true);
})();
