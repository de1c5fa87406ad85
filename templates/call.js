/* roomreport call page: optional filters. The page is complete without
   this script (everything shown); it adds one filter bar above the findings
   that narrows the findings and the event log by user, severity and text,
   scrolls a timeline wider than the screen to its first problem, and opens
   the logs for printing. It touches nothing it cannot find, makes
   no request, and never throws on a page without findings or log. */
(function () {
  "use strict";
  var SEVS = { all: 0, warning: 1, error: 2 };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function sevOf(node) {
    var c = node.classList;
    return c.contains("sev-error") ? 2 : c.contains("sev-warning") ? 1 : 0;
  }

  /* A lane's <pre> as one element per line, so that lines can be hidden;
     done once, on the first filter. A line's nodes move into it, so its
     <time> stays one (the zone switch re-draws it). */
  function splitLog(pre) {
    if (pre.getAttribute("data-split")) return;
    var parts = [], cur = null;
    Array.prototype.slice.call(pre.childNodes).forEach(function (n) {
      if (n.nodeType === 1 && n.tagName.toLowerCase() !== "time") {
        /* A line in an element of its own (a warning or an error, say). */
        parts.push({ nodes: Array.prototype.slice.call(n.childNodes), cls: n.className, title: n.getAttribute("title") });
        cur = null;
      } else if (n.nodeType === 1) {
        if (!cur) { cur = { nodes: [], cls: "" }; parts.push(cur); }
        cur.nodes.push(n);
      } else if (n.nodeType === 3) {
        n.nodeValue.split("\n").forEach(function (t, i) {
          if (i > 0) cur = null;
          if (!t) return;
          if (!cur) { cur = { nodes: [], cls: "" }; parts.push(cur); }
          cur.nodes.push(document.createTextNode(t));
        });
      }
    });
    pre.textContent = "";
    parts.forEach(function (p) {
      var s = el("span", ("ln " + p.cls).trim());
      p.nodes.forEach(function (n) { s.appendChild(n); });
      if (p.title) s.title = p.title;
      pre.appendChild(s);
      pre.appendChild(document.createTextNode("\n"));
    });
    pre.setAttribute("data-split", "1");
  }

  /* On a narrow screen the timeline scrolls sideways: bring its first
     error (else warning) mark into view. */
  function firstProblemInView() {
    var wrap = document.querySelector("section.timeline .svg-wrap");
    if (!wrap || wrap.scrollWidth <= wrap.clientWidth) return;
    var mark = wrap.querySelector("g.mk.sev-error path") || wrap.querySelector("g.mk.sev-warning path");
    if (!mark) return;
    var box = mark.getBoundingClientRect(), w = wrap.getBoundingClientRect();
    wrap.scrollLeft += box.left - w.left - wrap.clientWidth / 3;
  }

  function setup() {
    firstProblemInView();
    var findings = document.querySelector("section.findings");
    var lanes = document.querySelectorAll("details.lane-log");
    var items = document.querySelectorAll("li.finding");
    if (!findings || (!lanes.length && !items.length)) return;
    var users = [];
    Array.prototype.forEach.call(lanes, function (d) {
      var u = d.getAttribute("data-user");
      if (u !== null && users.indexOf(u) < 0) users.push(u);
    });

    var form = el("form", "call-filter");
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Filter the findings and the event log");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    var userSel = el("select");
    userSel.id = "filter-user";
    userSel.appendChild(new Option("every user", ""));
    users.forEach(function (u) { userSel.appendChild(new Option(u, u)); });
    var sevSel = el("select");
    sevSel.id = "filter-sev";
    sevSel.appendChild(new Option("any severity", "all"));
    sevSel.appendChild(new Option("warnings and errors", "warning"));
    sevSel.appendChild(new Option("errors only", "error"));
    var text = el("input");
    text.type = "search";
    text.id = "filter-text";
    text.placeholder = "label, ID, peer or time";
    [["filter-user", "User ", userSel], ["filter-sev", "Severity ", sevSel],
      ["filter-text", "Text ", text]].forEach(function (f) {
      var l = el("label", null, f[1]);
      l.htmlFor = f[0];
      form.appendChild(l);
      form.appendChild(f[2]);
    });
    var status = el("p", "filter-status");
    status.setAttribute("role", "status");
    form.appendChild(status);
    findings.insertBefore(form, findings.children[1] || null);

    function apply() {
      var user = userSel.value, min = SEVS[sevSel.value] || 0;
      var q = text.value.trim().toLowerCase();
      var active = user !== "" || min > 0 || q !== "";
      var nf = 0, nl = 0, tl = 0;
      Array.prototype.forEach.call(items, function (li) {
        var show = (!user || li.getAttribute("data-user") === user) && sevOf(li) >= min &&
          (!q || li.textContent.toLowerCase().indexOf(q) >= 0);
        li.hidden = !show;
        if (show) nf++;
      });
      /* Group headings of a big call: hidden with all of their items. */
      Array.prototype.forEach.call(findings.querySelectorAll("ol.findings"), function (ol) {
        var any = ol.querySelector("li.finding:not([hidden])") !== null;
        ol.hidden = !any;
        var h = ol.previousElementSibling;
        if (h && h.classList.contains("finding-user")) h.hidden = !any;
      });
      Array.prototype.forEach.call(lanes, function (d) {
        var pre = d.querySelector("pre.log");
        var mine = !user || d.getAttribute("data-user") === user;
        var hits = 0;
        d.hidden = !mine;
        if (!pre || !mine) return;
        if (active) splitLog(pre);
        Array.prototype.forEach.call(pre.querySelectorAll("span.ln"), function (s) {
          var show = sevOf(s) >= min && (!q || s.textContent.toLowerCase().indexOf(q) >= 0);
          s.hidden = !show;
          /* The newline after a hidden line goes with it. */
          if (s.nextSibling && s.nextSibling.nodeType === 3) s.nextSibling.nodeValue = show ? "\n" : "";
          tl++;
          if (show) hits++;
        });
        nl += hits;
        if (active && hits) d.open = true;
      });
      status.textContent = active
        ? "Showing " + nf + " of " + items.length + " findings" +
          (tl ? " and " + nl + " of " + tl + " log lines" : "") + "."
        : "";
    }
    userSel.addEventListener("change", apply);
    sevSel.addEventListener("change", apply);
    text.addEventListener("input", apply);
    window.addEventListener("beforeprint", function () {
      Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
        d.open = true;
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
