/* roomreport call page: the timeline's zoom, pan, range selection, mark
   details and list view (issue 18). The page is complete without this
   script: the static SVG shows the whole call. With it, each timeline gets
   controls (zoom in/out, earlier/later, show all), keys (+ and - zoom, the
   arrow keys pan, 0 shows all) on the timeline, a range chosen by dragging,
   a "show HH:MM–HH:MM" button on each finding, marks that take the keyboard
   focus and show their events on focus, click and Enter, and a table of the
   marks in the visible range. Positions come from the instants the page
   carries (data-t0/t1 on the SVG, data-ts, data-start/end, data-t on the
   marks); times are labelled on the zone's offsets (data-zones), or, when
   the zone switch (zone.js) shows the page's times in another zone, on
   that zone's offsets (its "rr-zone" event). It makes no request and
   touches nothing it cannot find. */
(function () {
  "use strict";
  var STEPS = [1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000,
    900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000];
  var MIN_SPAN = 10000;      /* the narrowest range: 10 s */
  var LONG_CALL = 3600000;   /* a longer call opens on its first problem */
  var FIRST_VIEW = 1800000;  /* ... in a range of 30 min */
  var SEV_WORD = { "sev-error": "error", "sev-warning": "warning", "sev-info": "info" };

  function num(e, name) { return Number(e.getAttribute(name)); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* The zone's stretches: [{from, off (ms), abbr}]. */
  function zonesOf(svg) {
    var out = [];
    (svg.getAttribute("data-zones") || "").split(";").forEach(function (z) {
      var f = z.split(" ");
      if (f.length >= 2 && f[0] !== "") out.push({ from: Number(f[0]), off: Number(f[1]) * 1000, abbr: f[2] || "" });
    });
    if (!out.length) out.push({ from: -Infinity, off: 0, abbr: "" });
    return out;
  }
  /* Another zone chosen with the zone switch: its offsets, without names. */
  function otherZones(detail) {
    return { fn: function (t) { return { off: detail.offset(t), abbr: "" }; } };
  }
  function zoneAt(zones, t) {
    if (zones.fn) return zones.fn(t);
    var z = zones[0];
    for (var i = 1; i < zones.length; i++) if (t >= zones[i].from) z = zones[i];
    return z;
  }
  /* "10:12" or "10:12:14" (secs) on the zone's clock, "CET" added on a
     page that spans a change of offset. */
  function clock(zones, t, secs) {
    var z = zoneAt(zones, t), d = new Date(t + z.off);
    var s = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + (secs ? ":" + pad(d.getUTCSeconds()) : "");
    return z.abbr ? s + " " + z.abbr : s;
  }

  /* "10:12:14", or "10:12:14–10:12:20" when the last differs to the second. */
  function span(zones, first, last) {
    var a = clock(zones, first, true), b = clock(zones, last, true);
    return a === b ? a : a + "–" + b;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  /* An SVG element, in the namespace of the page's timeline (the page
     names no URL, not even the SVG namespace's). */
  function svgEl(tag, cls) {
    var e = document.createElementNS(document.querySelector("svg.timeline").namespaceURI, tag);
    if (cls) e.setAttribute("class", cls);
    return e;
  }

  function Timeline(section, svg, index) {
    var self = this;
    this.svg = svg;
    this.wrap = svg.parentNode;
    this.t0 = num(svg, "data-t0");
    this.t1 = num(svg, "data-t1");
    this.x0 = num(svg, "data-x0");
    this.x1 = num(svg, "data-x1");
    this.own = this.zones = zonesOf(svg);
    if (document.rrZone && document.rrZone.zone !== null) this.zones = otherZones(document.rrZone);
    this.a = this.t0;
    this.b = this.t1;
    this.id = "tl" + index;
    this.height = svg.viewBox.baseVal.height;
    this.marks = [];
    this.items = [];   /* bars, spans, patterns, arrows: moved, not listed */
    this.axis = svg.querySelector("g.axis");
    this.prepare();
    this.controls(section);
    this.pointer();
    this.wrap.addEventListener("keydown", function (e) { self.key(e); });
  }

  /* Marks and the other drawn elements with what is needed to move them. */
  Timeline.prototype.prepare = function () {
    var self = this, svg = this.svg;
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", "Timeline: one lane per user; each mark is a button that shows its events");
    Array.prototype.forEach.call(svg.querySelectorAll("g.lane"), function (lane) {
      var user = lane.getAttribute("data-user") || "";
      Array.prototype.forEach.call(lane.querySelectorAll("g.mk > path, path.exp"), function (p) {
        var g = p.parentNode, sev = "", ts, head, title = p.querySelector("title");
        if (p.classList.contains("exp")) {
          sev = "abnormal experience";
          ts = [num(p, "data-t")];
        } else {
          Object.keys(SEV_WORD).forEach(function (c) { if (g.classList.contains(c)) sev = SEV_WORD[c]; });
          if (g.classList.contains("outside")) sev += ", outside the user's sessions";
          ts = (p.getAttribute("data-ts") || "").split(" ").map(Number);
        }
        head = /^M(-?[\d.]+) (-?[\d.]+)([^M]*)/.exec(p.getAttribute("d") || "");
        var m = {
          el: p, user: user, sev: sev, ts: ts, text: title ? title.textContent : "",
          exp: p.classList.contains("exp"), info: g.classList.contains("sev-info"),
          /* The shape's start from the mark's x: a tick or a diamond
             starts there, a triangle or a square 4.5 units left. */
          dx: g.classList.contains("sev-warning") || g.classList.contains("sev-error") ? -4.5 : 0,
          y: head ? head[2] : "0", tail: head ? head[3] : ""
        };
        p.setAttribute("tabindex", "0");
        p.setAttribute("role", "button");
        p.setAttribute("aria-label", self.label(m));
        p.addEventListener("focus", function () { self.show(m); });
        p.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); self.show(m); }
        });
        self.marks.push(m);
      });
      Array.prototype.forEach.call(lane.querySelectorAll("[data-start], path.ongoing-mark"), function (p) {
        var head = /^M(-?[\d.]+) (-?[\d.]+)h(-?[\d.]+)v(-?[\d.]+)/.exec(p.getAttribute("d") || "");
        self.items.push({ el: p, start: num(p, "data-start"), end: num(p, "data-end"),
          t: num(p, "data-t"), arrow: p.classList.contains("ongoing-mark"),
          y: head ? head[2] : "0", h: head ? head[4] : "0", d: p.getAttribute("d") });
      });
    });
    this.marks.sort(function (p, q) { return p.ts[0] - q.ts[0]; });
  };

  Timeline.prototype.label = function (m) {
    var n = m.ts.length;
    return m.user + ", " + m.sev + ", " + (n > 1 ? n + " events: " : "") + m.text.replace(/\n/g, "; ");
  };
  /* x of t on the visible range, clamped to the plot. */
  Timeline.prototype.x = function (t) {
    var x = this.x0 + (t - this.a) * (this.x1 - this.x0) / (this.b - this.a);
    return Math.max(this.x0, Math.min(this.x1, x));
  };
  Timeline.prototype.inView = function (t) { return t >= this.a && t <= this.b; };

  Timeline.prototype.controls = function (section) {
    var self = this, bar = el("div", "tl-controls");
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Timeline range");
    bar.setAttribute("aria-controls", this.wrap.id || "");
    [["tl-in", "Zoom in (+)", function () { self.zoom(0.5); }],
      ["tl-out", "Zoom out (−)", function () { self.zoom(2); }],
      ["tl-left", "◀ Earlier", function () { self.pan(-0.25); }],
      ["tl-right", "Later ▶", function () { self.pan(0.25); }],
      ["tl-all", "Show all", function () { self.set(self.t0, self.t1); }]].forEach(function (c) {
      var b = el("button", c[0], c[1]);
      b.type = "button";
      b.addEventListener("click", c[2]);
      bar.appendChild(b);
    });
    if (!this.wrap.id) bar.removeAttribute("aria-controls");
    this.range = el("p", "tl-range");
    this.range.setAttribute("role", "status");
    this.range.id = this.id + "-range";
    var help = el("p", "tl-help", "Drag across the timeline to show a range; with the timeline or a mark " +
      "focused, + and − zoom, the arrow keys move, 0 shows all; Tab moves through the marks, " +
      "and a mark's events show below it on focus, click or Enter.");
    this.detail = el("p", "tl-detail");
    this.detail.setAttribute("aria-live", "polite");
    this.detail.id = this.id + "-detail";
    var list = el("details", "tl-list");
    this.listSummary = el("summary");
    list.appendChild(this.listSummary);
    var wrap = el("div", "table-wrap");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", "Marks in the visible range");
    var table = el("table", "tl-marks");
    var head = el("tr");
    ["Time", "User", "Kind", "Events"].forEach(function (h) {
      var th = el("th", null, h);
      th.scope = "col";
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    this.tbody = el("tbody");
    table.appendChild(this.tbody);
    wrap.appendChild(table);
    list.appendChild(wrap);
    section.insertBefore(bar, this.wrap);
    section.insertBefore(this.range, this.wrap);
    section.insertBefore(help, this.wrap);
    this.wrap.parentNode.insertBefore(this.detail, this.wrap.nextSibling);
    this.detail.parentNode.insertBefore(list, this.detail.nextSibling);
    this.wrap.setAttribute("aria-describedby", this.range.id);
  };

  Timeline.prototype.show = function (m) {
    this.detail.textContent = "";
    var t = m.ts[0], last = m.ts[m.ts.length - 1];
    this.detail.appendChild(el("strong", null, m.user + " · " + m.sev + " · " + span(this.zones, t, last) + ":"));
    m.text.split("\n").forEach(function (line) {
      this.detail.appendChild(document.createElement("br"));
      this.detail.appendChild(document.createTextNode(line));
    }, this);
    this.current = m;
  };

  /* The visible range [a, b], kept within the call and at least MIN_SPAN. */
  Timeline.prototype.set = function (a, b) {
    var full = this.t1 - this.t0, span = Math.min(full, Math.max(MIN_SPAN, b - a));
    var mid = (a + b) / 2;
    a = Math.round(mid - span / 2);
    if (a < this.t0) a = this.t0;
    if (a + span > this.t1) a = this.t1 - span;
    this.a = a;
    this.b = a + span;
    this.draw();
  };
  Timeline.prototype.zoom = function (f, at) {
    var c = at !== undefined ? at : (this.a + this.b) / 2;
    this.set(c - (c - this.a) * f, c + (this.b - c) * f);
  };
  Timeline.prototype.pan = function (f) {
    var d = (this.b - this.a) * f;
    this.set(this.a + d, this.b + d);
  };

  Timeline.prototype.key = function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var at = this.current && document.activeElement === this.current.el ? this.current.ts[0] : undefined;
    if (e.key === "+" || e.key === "=") this.zoom(0.5, at);
    else if (e.key === "-" || e.key === "−" || e.key === "_") this.zoom(2, at);
    else if (e.key === "ArrowLeft") this.pan(-0.25);
    else if (e.key === "ArrowRight") this.pan(0.25);
    else if (e.key === "0" || e.key === "Home") this.set(this.t0, this.t1);
    else return;
    e.preventDefault();
  };

  /* Drag to choose a range; a click on a mark shows it. */
  Timeline.prototype.pointer = function () {
    var self = this, svg = this.svg, start = null, sel = null;
    function svgX(e) {
      var m = svg.getScreenCTM();
      return m ? (e.clientX - m.e) / m.a : 0;
    }
    function tOf(x) {
      x = Math.max(self.x0, Math.min(self.x1, x));
      return self.a + (x - self.x0) * (self.b - self.a) / (self.x1 - self.x0);
    }
    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      start = { x: svgX(e), cx: e.clientX, target: e.target };
      sel = svgEl("rect", "tl-sel");
      sel.setAttribute("y", "0");
      sel.setAttribute("height", String(self.height));
      sel.setAttribute("width", "0");
      sel.setAttribute("x", String(start.x));
      svg.appendChild(sel);
      if (svg.setPointerCapture) svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener("pointermove", function (e) {
      if (!start) return;
      var x = svgX(e);
      sel.setAttribute("x", String(Math.min(x, start.x)));
      sel.setAttribute("width", String(Math.abs(x - start.x)));
    });
    function end(e, cancel) {
      if (!start) return;
      var s = start;
      start = null;
      svg.removeChild(sel);
      if (cancel) return;
      if (Math.abs(e.clientX - s.cx) >= 5) {
        var x = svgX(e);
        self.set(tOf(Math.min(x, s.x)), tOf(Math.max(x, s.x)));
        return;
      }
      for (var i = 0; i < self.marks.length; i++) {
        if (self.marks[i].el === s.target) {
          self.marks[i].el.focus();
          self.show(self.marks[i]);
        }
      }
    }
    svg.addEventListener("pointerup", function (e) { end(e, false); });
    svg.addEventListener("pointercancel", function (e) { end(e, true); });
  };

  /* Redraws everything at the visible range. */
  Timeline.prototype.draw = function () {
    var self = this, whole = this.a === this.t0 && this.b === this.t1;
    this.marks.forEach(function (m) {
      var vis = m.ts.filter(function (t) { return self.inView(t); });
      m.visible = vis.length > 0;
      m.el.style.display = m.visible ? "" : "none";
      m.el.setAttribute("tabindex", m.visible ? "0" : "-1");
      if (!m.visible) return;
      var d = "", last = null;
      vis.forEach(function (t) {
        var x = Math.round(self.x(t));
        if (x === last) return;
        last = x;
        d += "M" + String(x + m.dx) + " " + m.y + m.tail;
      });
      m.el.setAttribute("d", d);
    });
    this.items.forEach(function (it) {
      var s = it.arrow ? it.t : it.start, e = it.arrow ? it.t : it.end;
      var vis = e >= self.a && s <= self.b;
      it.el.style.display = vis ? "" : "none";
      if (!vis) return;
      if (it.arrow) {
        if (!self.inView(it.t)) { it.el.style.display = "none"; return; }
        it.el.setAttribute("d", it.d.replace(/^M-?[\d.]+/, "M" + self.x(it.t).toFixed(1)));
        return;
      }
      var x0 = self.x(s), w = Math.max(1, self.x(e) - x0);
      it.el.setAttribute("d", "M" + x0.toFixed(1) + " " + it.y + "h" + w.toFixed(1) + "v" + it.h +
        "h" + (-w).toFixed(1) + "z");
    });
    this.ticks(whole);
    this.range.setAttribute("data-a", String(this.a));
    this.range.setAttribute("data-b", String(this.b));
    this.range.textContent = (whole ? "Showing the whole call: " : "Showing ") +
      clock(this.zones, this.a, true) + "–" + clock(this.zones, this.b, true);
    this.list();
  };

  /* The axis: the page's own when the whole call shows, else ticks at a
     round step on the zone's clock. */
  Timeline.prototype.ticks = function (whole) {
    var old = this.svg.querySelector("g.tl-axis");
    if (old) old.parentNode.removeChild(old);
    /* The page's own axis is on the report's zone. */
    whole = whole && this.zones === this.own;
    if (this.axis) this.axis.style.display = whole ? "" : "none";
    if (whole) return;
    var span = this.b - this.a, step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) if (span / STEPS[i] <= 10) { step = STEPS[i]; break; }
    var g = svgEl("g", "axis tl-axis"), lines = svgEl("g"), labels = svgEl("g", "tick-label");
    var base = this.axis ? this.axis.querySelector("g") : null;
    var lab = this.axis ? this.axis.querySelector("g.tick-label") : null;
    var tick = this.axis ? this.axis.querySelector("line.tick") : null;
    if (base) lines.setAttribute("transform", base.getAttribute("transform"));
    if (lab) labels.setAttribute("transform", lab.getAttribute("transform"));
    var y2 = tick ? tick.getAttribute("y2") : "0";
    var z = zoneAt(this.zones, this.a);
    for (var k = Math.ceil((this.a + z.off) / step); k * step - z.off <= this.b; k++) {
      var t = k * step - zoneAt(this.zones, k * step - z.off).off;
      if (t < this.a || t > this.b) continue;
      var x = this.x(t).toFixed(1), l = svgEl("line", "tick"), tx = svgEl("text");
      l.setAttribute("x1", x);
      l.setAttribute("x2", x);
      l.setAttribute("y2", y2);
      lines.appendChild(l);
      tx.setAttribute("x", x);
      tx.textContent = clock(this.zones, t, step < 60000);
      /* A label that would run past the right edge ends at its tick (about
         3.2 units a character either side, as the page's own axis). */
      if (Number(x) + 3.2 * tx.textContent.length > 1000) tx.setAttribute("text-anchor", "end");
      labels.appendChild(tx);
    }
    g.appendChild(lines);
    g.appendChild(labels);
    this.svg.insertBefore(g, this.axis ? this.axis.nextSibling : this.svg.firstChild);
  };

  /* The list view: one row per mark in the visible range. */
  Timeline.prototype.list = function () {
    var self = this, n = 0;
    this.tbody.textContent = "";
    this.marks.forEach(function (m) {
      if (!m.visible) return;
      n++;
      var tr = el("tr"), first = m.ts[0], last = m.ts[m.ts.length - 1];
      [span(self.zones, first, last), m.user, m.sev, m.text.replace(/\n/g, "; ")].forEach(function (c) { tr.appendChild(el("td", null, c)); });
      self.tbody.appendChild(tr);
    });
    this.listSummary.textContent = "List of the marks in this range (" + n + ")";
  };

  /* The first error mark, else warning, else experience. */
  Timeline.prototype.firstProblem = function () {
    var order = ["error", "warning", "abnormal experience"];
    for (var i = 0; i < order.length; i++)
      for (var k = 0; k < this.marks.length; k++)
        if (this.marks[k].sev.indexOf(order[i]) === 0) return this.marks[k].ts[0];
    return null;
  };

  /* "show 10:10–10:13" on each finding: 3 min around its time, whole minutes. */
  function findingButtons(tl) {
    var all = [];
    Array.prototype.forEach.call(document.querySelectorAll("li.finding[data-t]"), function (li) {
      var t = Number(li.getAttribute("data-t"));
      if (!isFinite(t) || t < tl.t0 || t > tl.t1) return;
      var btn = el("button", "tl-show"), a, b;
      /* Its minutes on the clock of the zone shown. */
      function label() {
        var z = zoneAt(tl.zones, t);
        a = Math.floor((t + z.off - 60000) / 60000) * 60000 - z.off;
        b = a + 180000;
        btn.textContent = "show " + clock(tl.zones, a, false) + "–" + clock(tl.zones, b, false);
        btn.setAttribute("data-a", String(a));
        btn.setAttribute("data-b", String(b));
        btn.setAttribute("aria-label", "Show " + clock(tl.zones, a, false) + " to " + clock(tl.zones, b, false) +
          " on the timeline");
      }
      label();
      all.push(label);
      btn.type = "button";
      btn.addEventListener("click", function () {
        tl.set(a, b);
        tl.wrap.scrollIntoView({ block: "nearest" });
        tl.wrap.focus({ preventScroll: true });
      });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(btn);
    });
    return all;
  }

  function setup() {
    var svgs = document.querySelectorAll("section.timeline svg.timeline[data-t0]");
    var tls = [], labels = [];
    Array.prototype.forEach.call(svgs, function (svg, i) {
      var section = svg.closest("section.timeline");
      if (!section || !svg.parentNode.classList.contains("svg-wrap")) return;
      var tl = new Timeline(section, svg, i);
      tls.push(tl);
      if (i === 0) labels = findingButtons(tl);
      var p = tl.t1 - tl.t0 > LONG_CALL ? tl.firstProblem() : null;
      if (p !== null) tl.set(p - FIRST_VIEW / 6, p - FIRST_VIEW / 6 + FIRST_VIEW);
      else tl.draw();
    });
    /* The zone switch: the same range, labelled on the chosen zone. */
    document.addEventListener("rr-zone", function (e) {
      tls.forEach(function (tl) {
        tl.zones = e.detail.zone === null ? tl.own : otherZones(e.detail);
        tl.draw();
      });
      labels.forEach(function (f) { f(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
