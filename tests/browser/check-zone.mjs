#!/usr/bin/env node
// The local/UTC switch (templates/zone.js) in headless Debian Chromium
// (playwright-core, pinned in package.json), as a reader uses it:
//
//   node tests/browser/check-zone.mjs DIR/index.html DIR/calls/CALL.html [DST.html]
//
// DIR is the directory report of samples/*.csv with --tz Asia/Shanghai and
// CALL the page of room 3101. The browser's own zone is America/New_York,
// so the switch offers three zones. On each page:
// - the header has the group of buttons "Asia/Shanghai" (pressed), "UTC"
//   and "this computer's zone (America/New_York)", each with aria-pressed;
// - choosing UTC with the keyboard (focus, Enter) presses it, says "Times
//   now in UTC." in the polite live note, names UTC in the header and
//   re-draws every <time data-f> as its datetime in UTC in its shape
//   (exact texts: the overview's call 3101 "2026-11-20 18:00:05 CST" becomes
//   "2026-11-20 10:00:05 UTC"; on the call page the span, the finding's
//   time and the timeline's range and ticks);
// - after a reload the choice is kept; a <time> added after the load is
//   drawn in UTC; the report's zone gives back the page's own texts;
// - axe-core (WCAG 2.1 A and AA) finds no violation with the buttons
//   present, at 1400 and 390 px;
// - no console error and no request but file: URLs;
// - DST.html, when given: the call page of a call across Berlin's autumn
//   change (02:50 CEST to 02:10 CET on 2026-10-25) in Europe/Berlin: in UTC
//   its times carry "UTC" where the page wrote "CEST"/"CET", and the note
//   on Berlin's clocks is hidden; back in Berlin, the page's own texts.
// Exits 0 when every check passes, 1 with one line per failed check, 2 on
// a usage or setup error. Environment: CHROMIUM (default /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { AXE_PATH, launchChromium } from './launch.mjs';

const [overview, callPage, dstPage] = process.argv.slice(2);
if (!overview || !callPage || process.argv.length > 5) {
  console.error('usage: check-zone.mjs DIR/index.html DIR/calls/CALL.html [DST.html]');
  process.exit(2);
}
for (const f of [overview, callPage].concat(dstPage ? [dstPage] : [])) {
  if (!existsSync(f)) {
    console.error(`check-zone: ${f}: no such file`);
    process.exit(2);
  }
}

const failures = [];
const fail = (m) => failures.push(m);
const eq = (what, got, want) => {
  if (JSON.stringify(got) !== JSON.stringify(want))
    fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};

const browser = await launchChromium('check-zone', { axe: true });

function watch(page, label) {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') fail(`${label}: console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => fail(`${label}: page error: ${e.message}`));
  page.on('request', (r) => { if (!/^(file|data):/.test(r.url())) fail(`${label}: request to ${r.url()}`); });
}

// The switch as the page shows it: buttons, pressed states, note, zone.
const state = (page) => page.evaluate(() => {
  const g = document.querySelector('.zone-switch[role="group"]');
  if (!g) return null;
  return {
    label: g.getAttribute('aria-label'),
    buttons: [...g.querySelectorAll('button')].map((b) => [b.textContent, b.getAttribute('aria-pressed')]),
    note: (g.querySelector('[aria-live="polite"]') || {}).textContent,
    zone: g.parentNode.querySelector('[data-zone]').textContent,
  };
});

// Every <time data-f> whose text is not its datetime in UTC in its shape
// (a trailing zone name allowed only as " UTC"), computed here, not by the
// page's script.
const notUtc = (page) => page.evaluate(() => {
  const bad = [];
  for (const t of document.querySelectorAll('time[data-f]')) {
    const iso = new Date(Date.parse(t.getAttribute('datetime'))).toISOString();
    const d = iso.slice(0, 10), tm = iso.slice(11, 19), ms = iso.slice(19, 23);
    const want = { dt: `${d} ${tm}`, dtms: `${d} ${tm}${ms}`, t: tm, tms: `${tm}${ms}`,
      hm: tm.slice(0, 5), d }[t.getAttribute('data-f')];
    if (t.textContent !== want && t.textContent !== `${want} UTC`) bad.push(`${t.textContent} (want ${want})`);
  }
  return { n: document.querySelectorAll('time[data-f]').length, bad: bad.slice(0, 5) };
});

async function axe(page, label) {
  await page.addScriptTag({ path: AXE_PATH });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} on ${v.nodes.length}: ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')}`);
  });
  for (const v of res) fail(`${label}: axe ${v}`);
}

async function choose(page, text) {
  const b = page.locator('.zone-switch button', { hasText: text }).first();
  await b.focus();
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.className);
  eq(`focus on "${text}"`, focused, 'zone-choice');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(50);
}

const SH = 'Asia/Shanghai', NY = "this computer's zone (America/New_York)";

async function checkPage(path, label, mine) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'America/New_York' });
  const page = await ctx.newPage();
  watch(page, label);
  await page.goto(pathToFileURL(resolve(path)).href, { waitUntil: 'load' });
  eq(`${label}: switch on load`, await state(page), {
    label: 'Show times in', buttons: [[SH, 'true'], ['UTC', 'false'], [NY, 'false']], note: '', zone: SH });
  const before = await mine(page);
  await choose(page, 'UTC');
  eq(`${label}: switch after UTC`, await state(page), {
    label: 'Show times in', buttons: [[SH, 'false'], ['UTC', 'true'], [NY, 'false']],
    note: 'Times now in UTC.', zone: 'UTC' });
  const r = await notUtc(page);
  if (r.n < 3) fail(`${label}: only ${r.n} <time data-f> elements`);
  if (r.bad.length) fail(`${label}: times not in UTC: ${r.bad.join(', ')}`);
  const utc = await mine(page);
  await axe(page, `${label} 1400px`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload({ waitUntil: 'load' });
  eq(`${label}: UTC kept after reload`, (await state(page)).buttons[1], ['UTC', 'true']);
  eq(`${label}: texts after reload`, await mine(page), utc);
  await axe(page, `${label} 390px`);
  // A time added after the load is drawn in the zone chosen.
  await page.evaluate(() => {
    const t = document.createElement('time');
    t.id = 'late';
    t.setAttribute('datetime', '2026-11-20T18:00:05.000+08:00');
    t.setAttribute('data-f', 't');
    t.textContent = '18:00:05';
    document.body.appendChild(t);
  });
  await page.waitForTimeout(50);
  eq(`${label}: a time added later`, await page.textContent('#late'), '10:00:05');
  await page.setViewportSize({ width: 1400, height: 900 });
  await choose(page, SH);
  eq(`${label}: back in ${SH}`, await mine(page), before);
  eq(`${label}: note`, (await state(page)).note, `Times now in ${SH}.`);
  eq(`${label}: the later time back`, await page.textContent('#late'), '18:00:05');
  await ctx.close();
  return { before, utc };
}

// A call across Berlin's autumn change, shown in UTC and back.
async function checkDst(path) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'America/New_York' });
  const page = await ctx.newPage();
  watch(page, 'dst');
  await page.goto(pathToFileURL(resolve(path)).href, { waitUntil: 'load' });
  const texts = () => page.evaluate(() => ({
    span: (() => { // the Time fact's own text, without the switch it holds
      const e = document.querySelector('[data-slot="fact-time"]').cloneNode(true);
      e.querySelectorAll('.zone-switch').forEach((x) => x.remove());
      return e.textContent.trimEnd();
    })(),
    sentence: document.querySelector('li.finding .text').textContent,
    log: document.querySelector('pre.log time').textContent,
    zone: document.querySelector('p.zone').innerText.split('\n')[0].trim(),
  }));
  const own = {
    span: '2026-10-25 02:50:00 CEST – 02:10:00 CET (Europe/Berlin)',
    sentence: 'No network for 2 min 00 s from 02:00:00 CET',
    log: '02:50:00.000 CEST',
    zone: 'Times in Europe/Berlin; clocks went back at 03:00 CEST to 02:00 CET (2026-10-25 01:00 UTC)',
  };
  eq('dst: on load', await texts(), own);
  await choose(page, 'UTC');
  eq('dst: in UTC', await texts(), {
    span: '2026-10-25 00:50:00 UTC – 01:10:00 UTC (UTC)',
    sentence: 'No network for 2 min 00 s from 01:00:00 UTC',
    log: '00:50:00.000 UTC',
    zone: 'Times in UTC',
  });
  const r = await notUtc(page);
  if (r.bad.length) fail(`dst: times not in UTC: ${r.bad.join(', ')}`);
  await choose(page, 'Europe/Berlin');
  eq('dst: back in Berlin', await texts(), own);
  await ctx.close();
}

try {
  const o = await checkPage(overview, 'overview', (page) => page.evaluate(() => {
    const row = [...document.querySelectorAll('tr')].find((tr) => /_3101_/.test(tr.textContent) && tr.querySelector('time'));
    return { start: row ? row.querySelector('time').textContent : null,
      head: document.querySelector('[data-zone]').parentNode.firstChild.textContent };
  }));
  eq('overview: call 3101 in Shanghai', o.before.start, '2026-11-20 18:00:05 CST');
  eq('overview: call 3101 in UTC', o.utc.start, '2026-11-20 10:00:05 UTC');
  const c = await checkPage(callPage, 'call page', (page) => page.evaluate(() => ({
    span: (() => { // the Time fact's own text, without the switch it holds
      const e = document.querySelector('[data-slot="fact-time"]').cloneNode(true);
      e.querySelectorAll('.zone-switch').forEach((x) => x.remove());
      return e.textContent.trimEnd();
    })(),
    when: document.querySelector('li.finding .when').textContent,
    range: (document.querySelector('p.tl-range') || {}).textContent || null,
    ticks: [...document.querySelectorAll('svg.timeline g.tick-label text')]
      .filter((t) => t.getBoundingClientRect().width > 0).slice(0, 2).map((t) => t.textContent),
  })));
  eq('call: span in Shanghai', c.before.span, '2026-11-20 18:00:05 – 18:20:31 (Asia/Shanghai)');
  eq('call: span in UTC', c.utc.span, '2026-11-20 10:00:05 – 10:20:31 (UTC)');
  eq('call: first finding in Shanghai', c.before.when, '18:12:14');
  eq('call: first finding in UTC', c.utc.when, '10:12:14');
  eq('call: range in Shanghai', c.before.range, 'Showing the whole call: 18:00:05–18:20:31');
  eq('call: range in UTC', c.utc.range, 'Showing the whole call: 10:00:05–10:20:31');
  // In another zone the script draws the axis (a round step, at most 10
  // ticks: 5 min here); the page's own axis (2 min) is on the report's zone.
  eq('call: first ticks in UTC', c.utc.ticks, ['10:05', '10:10']);
  eq('call: first ticks in Shanghai', c.before.ticks, ['18:02', '18:04']);
  if (dstPage) await checkDst(dstPage);
} catch (e) {
  fail(`check-zone: ${e.stack || e}`);
}
await browser.close();
if (failures.length) {
  for (const f of failures) console.log(`check-zone: FAIL ${f}`);
  process.exit(1);
}
console.log('check-zone: the switch works on the overview and the call page (3 zones, UTC kept after reload, axe clean at 1400 and 390 px)');
