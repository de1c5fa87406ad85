/* roomreport: optional enhancements. The pages are complete without this
   script; it adds the overview's call search (below) and opens every
   folded part for printing. It touches nothing it cannot find, and never
   throws. */
(function () {
  "use strict";
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.open = true;
    });
  });
})();
/* The call index: a search box over the calls embedded as JSON in
   the script element #find-data (render_index.c). A query
   that is a whole user ID, room or CommId of the report finds exactly its
   calls; otherwise every word must appear in a call's room, CommId, users,
   date or time (any case). #user=ID in the address searches for that
   user; links to a user's row in the index (a.user) are turned into such
   links. Each result's start is a <time datetime data-f="dt"> element as
   render_page.c's add_time writes them (the zone switch re-draws those).
   All text goes in as text, never as markup. */
(function () {
  "use strict";
  var SHOW = 200;
  function setup() {
    var dataEl = document.getElementById("find-data");
    var box = document.getElementById("find-box");
    if (!dataEl || !box) return;
    var d;
    try { d = JSON.parse(dataEl.textContent); } catch (e) { return; }
    var input = document.getElementById("find-q");
    var count = document.getElementById("find-count");
    var list = document.getElementById("find-results");
    var more = document.getElementById("find-more");
    if (!input || !count || !list || !more || !d || !d.calls) return;
    var calls = d.calls, users = d.users || [], rooms = d.rooms || [], days = d.days || [];
    var apps = d.room_apps || null, pages = d.day_pages || [], offsets = d.offsets || [];
    // Each call's start (epoch ms) from the deltas after t0.
    var starts = [], t = d.t0 || 0;
    calls.forEach(function (c) { t += c[8] || 0; starts.push(t); });
    function two(n) { return (n < 10 ? "0" : "") + n; }
    // The instant as render_page.c's add_time writes it:
    // "2026-11-20T10:31:05.120+08:00", with the zone's offset at it.
    function iso(ms) {
      var off = 0;
      for (var k = 0; k < offsets.length && offsets[k][0] <= ms; k++) off = offsets[k][1];
      var a = Math.abs(off);
      var s = new Date(ms + off * 1000).toISOString().slice(0, 23);
      return s + (off < 0 ? "-" : "+") + two(Math.floor(a / 3600)) + ":" +
        two(Math.floor(a / 60) % 60) + (a % 60 ? ":" + two(a % 60) : "");
    }
    // A room as the pages name it: with its app when the calls are of several.
    function roomLabel(k) {
      if (!apps) return rooms[k];
      return rooms[k] + (apps[k] === null ? " (no SdkAppId)" : " (app " + apps[k] + ")");
    }
    var single = !d.fallback;
    var byUser = {}, byRoom = {}, byComm = {}, hay = null, shown = [], limit = SHOW;
    users.forEach(function (u, k) { byUser[u] = k; });
    rooms.forEach(function (r, k) { if (!(r in byRoom)) byRoom[r] = []; byRoom[r].push(k); });
    calls.forEach(function (c, i) { if (c[3]) byComm[c[3]] = i; });
    function haystack(i) {
      var c = calls[i], s = [days[c[0]], c[1], roomLabel(c[2]), c[3]];
      c[4].forEach(function (u) { s.push(users[u]); });
      return s.join("\n").toLowerCase();
    }
    function href(i) {
      var p = calls[i][7];
      if (p === 0 && single) return "#c-" + (i + 1);
      if (p === 0) {
        var k = 0;
        while (k + 1 < pages.length && pages[k + 1] <= i) k++;
        return "index/day-" + (k + 1) + ".html#c-" + (i + 1);
      }
      return single ? "#call-" + (i + 1) : "calls/" + p + ".html";
    }
    function match(q) {
      var out = [], i;
      if (Object.prototype.hasOwnProperty.call(byUser, q)) {
        var u = byUser[q];
        for (i = 0; i < calls.length; i++) if (calls[i][4].indexOf(u) >= 0) out.push(i);
        return { hits: out, how: "user" };
      }
      if (Object.prototype.hasOwnProperty.call(byRoom, q)) {
        var rs = byRoom[q];
        for (i = 0; i < calls.length; i++) if (rs.indexOf(calls[i][2]) >= 0) out.push(i);
        return { hits: out, how: "room" };
      }
      if (Object.prototype.hasOwnProperty.call(byComm, q)) return { hits: [byComm[q]], how: "CommId" };
      var words = q.toLowerCase().split(/\s+/).filter(function (w) { return w; });
      if (!hay) hay = calls.map(function (c, k) { return haystack(k); });
      for (i = 0; i < calls.length; i++) {
        var h = hay[i], ok = true;
        for (var w = 0; w < words.length && ok; w++) ok = h.indexOf(words[w]) >= 0;
        if (ok) out.push(i);
      }
      return { hits: out, how: "" };
    }
    function item(i) {
      var c = calls[i], li = document.createElement("li");
      var a = document.createElement("a");
      a.href = href(i);
      var tm = document.createElement("time");
      tm.setAttribute("datetime", iso(starts[i]));
      tm.setAttribute("data-f", "dt");
      tm.textContent = days[c[0]] + " " + c[1];
      a.appendChild(tm);
      a.appendChild(document.createTextNode(" · room " + roomLabel(c[2])));
      li.appendChild(a);
      var t = [];
      if (c[3]) t.push("CommId " + c[3]);
      t.push((c[4].length === 1 ? "user " : "users ") +
        c[4].map(function (u) { return users[u]; }).join(", "));
      if (c[5] + c[6] > 0) t.push(c[5] + (c[5] === 1 ? " error, " : " errors, ") +
        c[6] + (c[6] === 1 ? " warning" : " warnings"));
      if (c[7] === 0) t.push(single ? "no section in this file" : "no page (--pages)");
      li.appendChild(document.createTextNode(" · " + t.join(" · ")));
      return li;
    }
    function draw() {
      while (list.firstChild) list.removeChild(list.firstChild);
      var n = Math.min(shown.length, limit);
      var frag = document.createDocumentFragment();
      for (var k = 0; k < n; k++) frag.appendChild(item(shown[k]));
      list.appendChild(frag);
      more.hidden = shown.length <= limit;
      more.textContent = "Show all " + shown.length;
    }
    function run() {
      var q = input.value.trim();
      limit = SHOW;
      if (!q) {
        shown = [];
        count.textContent = "";
        draw();
        return;
      }
      var m = match(q);
      shown = m.hits;
      count.textContent = shown.length + (shown.length === 1 ? " call" : " calls") +
        (m.how ? " of " + m.how + " " : " match ") + "\u201c" + q + "\u201d" +
        (shown.length > limit ? " (the first " + limit + " listed)" : "") + ".";
      draw();
    }
    function fromHash() {
      var h = location.hash;
      if (h.indexOf("#user=") !== 0) return false;
      var u;
      try { u = decodeURIComponent(h.slice(6)); } catch (e) { return false; }
      input.value = u;
      run();
      box.scrollIntoView();
      return true;
    }
    box.hidden = false;
    input.addEventListener("input", run);
    more.addEventListener("click", function () { limit = shown.length; draw(); });
    Array.prototype.forEach.call(document.querySelectorAll("a.user[data-user]"), function (a) {
      a.setAttribute("href", "#user=" + encodeURIComponent(a.getAttribute("data-user")));
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
