/* roomreport: the local/UTC switch (issue 17 item 6). The page is complete
   without this script: every time is written in the report's zone, which
   the header names. With it, the header gets a group of buttons — the
   report's zone, UTC, and this computer's zone when it differs from both —
   and choosing one re-draws the text of every <time data-f> element from its
   datetime attribute in that zone ("dt" 2026-11-20 10:31:05, "dtms" with
   milliseconds, "t" 10:31:05, "tms" 10:31:05.120, "hm" 10:31, "d"
   2026-11-20), elements added later as well, and every [data-zone] name;
   a note on the report zone's change of offset (.zone-change) is hidden
   while another zone is shown.
   The report's zone gives back the page's own texts. The choice is kept in
   localStorage when the browser allows it. It tells other scripts through
   document.rrZone and a "rr-zone" event on document ({zone, offset(t)}:
   the zone's name and its UTC offset in ms at instant t; zone null for the
   report's). It makes no request and touches nothing it cannot find. */
(function () {
  "use strict";
  var KEY = "roomreport.zone";
  var SHAPES = { dt: 1, dtms: 1, t: 1, tms: 1, hm: 1, d: 1 };
  var orig = typeof WeakMap === "function" ? new WeakMap() : null;
  var fmts = {};
  var current = null;        /* null: the report's zone */

  function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; }

  /* Intl's parts of instant t in zone, as numbers; null when Intl lacks it. */
  function partsOf(zone, t) {
    var f = fmts[zone];
    if (!f) {
      try {
        f = fmts[zone] = new Intl.DateTimeFormat("en-US", {
          timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit"
        });
      } catch (e) { return null; }
    }
    var o = {};
    f.formatToParts(new Date(t)).forEach(function (p) { o[p.type] = Number(p.value); });
    if (o.hour === 24) o.hour = 0;
    return o;
  }
  /* The zone's offset from UTC at t, in ms. */
  function offsetOf(zone, t) {
    if (zone === "UTC") return 0;
    var p = partsOf(zone, t);
    if (!p) return 0;
    var s = Math.floor(t / 1000) * 1000;
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - s;
  }
  /* The zone's short name at t ("UTC", "CET"), "" when Intl has none. */
  function abbrOf(zone, t) {
    if (zone === "UTC") return "UTC";
    try {
      var n = "";
      new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "short" })
        .formatToParts(new Date(t)).forEach(function (p) { if (p.type === "timeZoneName") n = p.value; });
      return n;
    } catch (e) { return ""; }
  }
  /* Instant t in zone, in the page's shape f. */
  function format(zone, t, f) {
    var d = new Date(t + offsetOf(zone, t));
    var date = pad(d.getUTCFullYear(), 4) + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
    var hm = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    var tm = hm + ":" + pad(d.getUTCSeconds());
    var ms = "." + pad(d.getUTCMilliseconds(), 3);
    return f === "d" ? date : f === "hm" ? hm : f === "t" ? tm : f === "tms" ? tm + ms :
      f === "dtms" ? date + " " + tm + ms : date + " " + tm;
  }
  /* The shape's length in the page's own text: what follows it (" CET") is
     the zone's name, which a re-drawn time gets in its zone too. */
  var LEN = { d: 10, hm: 5, t: 8, tms: 12, dt: 19, dtms: 23 };

  function redraw(el) {
    var f = el.getAttribute("data-f"), t = Date.parse(el.getAttribute("datetime") || "");
    if (!SHAPES[f] || !isFinite(t)) return;
    if (orig && !orig.has(el)) orig.set(el, el.textContent);
    if (current === null) {
      if (orig && orig.has(el) && el.textContent !== orig.get(el)) el.textContent = orig.get(el);
      return;
    }
    var own = orig ? orig.get(el) : el.textContent;
    var s = format(current, t, f);
    if (own && own.length > LEN[f] && own.charAt(LEN[f]) === " ") {
      var a = abbrOf(current, t);
      if (a) s += " " + a;
    }
    if (el.textContent !== s) el.textContent = s;
  }
  function redrawAll(root) {
    if (root.nodeType !== 1) return;
    if (root.matches && root.matches("time[data-f]")) redraw(root);
    Array.prototype.forEach.call(root.querySelectorAll("time[data-f]"), redraw);
    if (root.matches && root.matches("[data-zone]")) nameZone(root);
    Array.prototype.forEach.call(root.querySelectorAll("[data-zone]"), nameZone);
  }
  var report = "";
  function nameZone(el) {
    var want = current === null ? el.getAttribute("data-zone") : current;
    if (el.textContent !== want) el.textContent = want;
  }

  function store(v) {
    try {
      if (v === null) window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, v);
    } catch (e) { /* file:// or a private window: not kept */ }
  }
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function setup() {
    /* The header's statement of the zone (the overview's, or the call
       page's Time fact, above its findings), else the first name of it. */
    var named = document.querySelector("p.generated [data-zone], " +
      "dd[data-slot='fact-time'] [data-zone], p.zone [data-zone]") ||
      document.querySelector("[data-zone]");
    if (!named || typeof Intl === "undefined" || !Intl.DateTimeFormat || !orig) return;
    report = named.getAttribute("data-zone");
    var here = "";
    try { here = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { here = ""; }
    if (/^(Etc\/)?(UTC|GMT|UCT|Zulu|Universal)$/.test(here)) here = "UTC";
    var choices = [{ zone: null, label: report }];
    if (report !== "UTC") choices.push({ zone: "UTC", label: "UTC" });
    if (here && here !== report && here !== "UTC" && partsOf(here, 0))
      choices.push({ zone: here, label: "this computer's zone (" + here + ")" });
    if (choices.length < 2) return;

    var group = document.createElement("span");
    group.className = "zone-switch";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Show times in");
    var lead = document.createElement("span");
    lead.className = "zone-lead";
    lead.textContent = "Show times in:";
    lead.setAttribute("aria-hidden", "true");
    group.appendChild(lead);
    var note = document.createElement("span");
    note.className = "zone-note";
    note.setAttribute("aria-live", "polite");
    var buttons = choices.map(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "zone-choice";
      b.textContent = c.label;
      b.addEventListener("click", function () { choose(c.zone, true); });
      group.appendChild(b);
      return { b: b, zone: c.zone };
    });
    group.appendChild(note);
    var host = named.closest("p, dd, div, header") || named.parentNode;
    host.appendChild(document.createTextNode(" "));
    host.appendChild(group);

    function choose(zone, said) {
      current = zone;
      buttons.forEach(function (x) { x.b.setAttribute("aria-pressed", x.zone === zone ? "true" : "false"); });
      redrawAll(document.body);
      /* "; clocks went back at 03:00 CEST ..." is of the report's zone. */
      Array.prototype.forEach.call(document.querySelectorAll(".zone-change"), function (e) {
        e.hidden = zone !== null;
      });
      var detail = { zone: zone, offset: function (t) { return zone === null ? null : offsetOf(zone, t); } };
      document.rrZone = detail;
      var ev;
      try { ev = new CustomEvent("rr-zone", { detail: detail }); } catch (e) { ev = null; }
      if (ev) document.dispatchEvent(ev);
      if (said) {
        note.textContent = "Times now in " + (zone === null ? report : zone) + ".";
        store(zone);
      }
    }
    var saved = stored();
    var start = null;
    buttons.forEach(function (x) { if (x.zone !== null && x.zone === saved) start = saved; });
    choose(start, false);
    if (typeof MutationObserver === "function") {
      new MutationObserver(function (list) {
        list.forEach(function (m) {
          Array.prototype.forEach.call(m.addedNodes, function (n) { if (n.nodeType === 1) redrawAll(n); });
        });
      }).observe(document.body, { childList: true, subtree: true });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
