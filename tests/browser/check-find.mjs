#!/usr/bin/env node
// Finds calls in a report as a support engineer would, in headless Debian
// Chromium (playwright-core, pinned in package.json):
//
//   node tests/browser/check-find.mjs DIR/index.html FILE.html EVENTS.csv
//
// DIR is a directory report and FILE.html the single file of the same
// input, EVENTS.csv its event export (RoomId, UserId and CommId columns).
// From the export: the user and the room with the most calls (CommIds).
// In each report:
// - the overview's search box is shown; typing the user ID lists exactly
//   that user's calls (the count line and the results), typing the room
//   exactly the room's; #user=ID in the address does the same; a problem
//   user's link does the same for that user;
// - every result links to the call's page (directory), section (single
//   file) or row in the call index; following the first link lands on the
//   call, which names the user;
// - each result's start is a <time datetime data-f="dt"> of the same
//   instant as its text;
// - with JavaScript disabled, the box stays hidden and the fallback (the
//   directory's calls.html and the pages under index/ it links to, the
//   single file's lists) has the user's row (on the users' page whose
//   range holds the ID) with a link per call, and the day lists have the
//   room's calls; following the user's first link lands on the call.
// Prints the load time of each page. Exits 0 when every check passes, 1
// with one line per failed check, 2 on a usage or setup error.
// Environment: CHROMIUM (default /usr/bin/chromium).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { launchChromium } from './launch.mjs';

const [dirIndex, single, eventsCsv] = process.argv.slice(2);
if (!dirIndex || !single || !eventsCsv || process.argv.length !== 5) {
  console.error('usage: check-find.mjs DIR/index.html FILE.html EVENTS.csv');
  process.exit(2);
}
for (const f of [dirIndex, single, eventsCsv]) {
  if (!existsSync(f)) {
    console.error(`check-find: ${f}: no such file`);
    process.exit(2);
  }
}

// ---- what the input holds: calls (CommIds) per user and per room
function expected(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const head = lines[0].split(',');
  const col = (n) => head.findIndex((h) => h.toLowerCase() === n);
  const [ri, ui, ci] = [col('roomid'), col('userid'), col('commid')];
  if (ri < 0 || ui < 0 || ci < 0) throw new Error(`${path}: no RoomId, UserId or CommId`);
  const users = new Map(), rooms = new Map();
  const add = (m, k, v) => { if (!m.has(k)) m.set(k, new Set()); m.get(k).add(v); };
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.split(',');   // gen.py writes no quoted fields
    add(users, f[ui], f[ci]);
    add(rooms, f[ri], f[ci]);
  }
  const most = (m) => [...m.entries()].sort((a, b) =>
    b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))[0];
  const [user, uc] = most(users), [room, rc] = most(rooms);
  return { user, userCalls: uc.size, room, roomCalls: rc.size };
}

const want = expected(eventsCsv);
const failures = [];
const fail = (m) => failures.push(m);
const browser = await launchChromium('check-find');

function watch(page, label) {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') fail(`${label}: console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => fail(`${label}: page error: ${e.message}`));
  page.on('dialog', (d) => { fail(`${label}: dialog ${d.type()}`); d.dismiss(); });
  page.on('request', (r) => {
    if (!/^(file|data):/.test(r.url())) fail(`${label}: request to ${r.url()}`);
  });
}

// "N calls of user “X”." -> N
async function countLine(page) {
  const t = (await page.textContent('#find-count')) || '';
  const m = /^(\d+) calls? /.exec(t);
  return m ? Number(m[1]) : -1;
}

// Where a result's link goes must exist: a call page, a section, a row.
async function checkTargets(page, label, isSingle, base) {
  const hrefs = await page.$$eval('#find-results li a', (as) => as.map((a) => a.getAttribute('href')));
  for (const h of hrefs) {
    if (h.startsWith('#')) {
      const n = await page.locator(`[id="${h.slice(1)}"]`).count();
      if (n !== 1) fail(`${label}: result link ${h} has no target in the page`);
    } else if (isSingle) {
      fail(`${label}: result link ${h} leaves the single file`);
    } else {
      const [file, frag] = h.split('#');
      if (!existsSync(resolve(base, file))) {
        fail(`${label}: result link ${h}: no such file`);
      } else if (frag) {
        // A call without a page: its row on the index's day page.
        if (!/^index\/day-\d+\.html$/.test(file) ||
            !readFileSync(resolve(base, file), 'utf8').includes(`<li id="${frag}">`)) {
          fail(`${label}: result link ${h} has no target`);
        }
      }
    }
  }
  // Each result's start is a <time datetime data-f="dt"> (add_time's
  // shape; the report is in UTC): the same instant as its text.
  const times = await page.$$eval('#find-results li a time', (ts) =>
    ts.map((t) => [t.getAttribute('datetime'), t.getAttribute('data-f'), t.textContent]));
  if (times.length !== hrefs.length) fail(`${label}: ${hrefs.length - times.length} results without a <time>`);
  for (const [dt, f, text] of times) {
    if (f !== 'dt' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/.test(dt || '') ||
        dt.slice(0, 19) !== text.replace(' ', 'T')) {
      fail(`${label}: result time ${JSON.stringify([dt, f, text])}`);
    }
  }
  return hrefs;
}

async function search(page, label, q, n, how) {
  await page.fill('#find-q', '');
  await page.locator('#find-q').pressSequentially(q);   // as typed
  const got = await countLine(page);
  const items = await page.locator('#find-results li').count();
  if (got !== n) fail(`${label}: "${q}" counts ${got} calls, the input has ${n}`);
  if (items !== Math.min(n, 200)) fail(`${label}: "${q}" lists ${items} results, want ${Math.min(n, 200)}`);
  const line = (await page.textContent('#find-count')) || '';
  if (!line.includes(`of ${how} \u201c${q}\u201d`)) fail(`${label}: count line ${JSON.stringify(line)}`);
}

// Lands on the call: the section or index row the address names (#id), or
// the call page, names the user.
async function landed(page, label, user) {
  const id = new URL(page.url()).hash.slice(1);
  if (id) {
    const text = (await page.locator(`[id="${id}"]`).textContent()) || '';
    if (!text.includes(user)) fail(`${label}: #${id} does not name ${user}`);
    return;
  }
  const text = await page.textContent('body');
  if (!/\/calls\/[^/]+\.html$/.test(page.url())) fail(`${label}: landed on ${page.url()}`);
  if (!text.includes(user)) fail(`${label}: ${page.url()} does not name ${user}`);
}

// The first link to a page or section, else the first one (a row).
const firstCall = (hrefs) => Math.max(0, hrefs.findIndex((h) => !h.includes('#c-')));

async function withScripts(path, isSingle) {
  const label = `${isSingle ? 'single file' : 'directory'} (scripts)`;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  watch(page, label);
  const url = pathToFileURL(resolve(path)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  console.log(`check-find: ${path}: loaded in ${Date.now() - t0} ms`);
  if (!(await page.isVisible('#find-q'))) {
    fail(`${label}: no search box`);
    await ctx.close();
    return;
  }
  await search(page, label, want.room, want.roomCalls, 'room');
  await checkTargets(page, label + ' room', isSingle, dirname(resolve(path)));
  await search(page, label, want.user, want.userCalls, 'user');
  const hrefs = await checkTargets(page, label + ' user', isSingle, dirname(resolve(path)));
  // #user=ID, opened afresh.
  await page.goto('about:blank');
  await page.goto(url + '#user=' + encodeURIComponent(want.user), { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('#find-count').textContent !== '');
  if ((await countLine(page)) !== want.userCalls) fail(`${label}: #user= does not find the user's calls`);
  // A problem user's link.
  const pu = page.locator('#problem-users a.user').first();
  if ((await pu.count()) === 0) {
    fail(`${label}: no linked user in "Users with the most problems"`);
  } else {
    const id = await pu.getAttribute('data-user');
    await pu.click();
    await page.waitForFunction((u) => document.querySelector('#find-q').value === u, id);
    if ((await countLine(page)) < 1) fail(`${label}: problem user ${id}: no calls found`);
  }
  // Follow the user's first link to a page or section.
  await search(page, label, want.user, want.userCalls, 'user');
  await page.locator('#find-results li a').nth(firstCall(hrefs)).click();
  await page.waitForLoadState('load');
  await landed(page, label + ' followed', want.user);
  await ctx.close();
}

async function withoutScripts(path, isSingle) {
  const label = `${isSingle ? 'single file' : 'directory'} (no scripts)`;
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  watch(page, label);
  await page.goto(pathToFileURL(resolve(path)).href, { waitUntil: 'load', timeout: 120000 });
  if (await page.isVisible('#find-q')) fail(`${label}: a search box that cannot work is shown`);
  let roomDays = 0;
  if (!isSingle) {
    // calls.html: the users' pages, each named "FIRST to LAST"; the day
    // pages. Find the user's page by its range, and count the room's calls
    // on every day page.
    await page.click('a[href="calls.html"]');
    await page.waitForLoadState('load');
    const hub = page.url();
    const dayHrefs = await page.$$eval('ul.index-days a', (as) => as.map((a) => a.getAttribute('href')));
    for (const h of dayHrefs) {
      await page.goto(new URL(h, hub).href);
      roomDays += await page.$$eval('ul.find-day > li', (lis, r) =>
        lis.filter((li) => li.textContent.includes(` room ${r} \u00b7 `)).length, want.room);
    }
    await page.goto(hub);
    const ranges = await page.$$eval('ul.index-users a', (as) =>
      as.map((a) => [a.getAttribute('href'), a.textContent]));
    const hit = ranges.filter(([, t]) => {
      const [a, b] = t.split(' to ');
      return a <= want.user && want.user <= (b || a);
    });
    if (hit.length !== 1) {
      fail(`${label}: ${hit.length} users' pages name a range holding ${want.user}`);
      await ctx.close();
      return;
    }
    await page.goto(new URL(hit[0][0], hub).href);
  }
  const rows = page.locator('ul.find-users > li');
  const n = await rows.count();
  let row = null;
  for (let i = 0; i < n && !row; i++) {
    if ((await rows.nth(i).locator('span.id').textContent()) === want.user) row = rows.nth(i);
  }
  if (!row) {
    fail(`${label}: no row of ${want.user} in the list of users`);
  } else {
    const links = await row.locator('a').count();
    if (links !== want.userCalls) fail(`${label}: ${want.user}'s row has ${links} calls, the input ${want.userCalls}`);
    const days = isSingle ? await page.$$eval('ul.find-day > li', (lis, r) =>
      lis.filter((li) => li.textContent.includes(` room ${r} \u00b7 `)).length, want.room) : roomDays;
    if (days !== want.roomCalls) fail(`${label}: the day lists have ${days} calls of room ${want.room}, the input ${want.roomCalls}`);
    // The first of the user's calls with a page or section.
    const hrefs = await row.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    await page.goto(new URL(hrefs[firstCall(hrefs)], page.url()).href);
    await landed(page, label + ' followed', want.user);
  }
  await ctx.close();
}

try {
  await withScripts(dirIndex, false);
  await withScripts(single, true);
  await withoutScripts(dirIndex, false);
  await withoutScripts(single, true);
} catch (e) {
  fail(`check-find: ${e.message}`);
}
await browser.close();
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(1);
}
console.log(`check-find: ok (user ${want.user}: ${want.userCalls} calls; room ${want.room}: ${want.roomCalls} calls)`);
