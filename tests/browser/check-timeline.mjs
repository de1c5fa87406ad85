#!/usr/bin/env node
// The call page's timeline script (templates/timeline.js) in headless Debian
// Chromium (playwright-core, pinned in package.json):
//
//   node tests/browser/check-timeline.mjs CALL.html [BIGCALL.html [SHOTS_DIR]]
//
// On CALL.html (room 3101 of samples/: chen's timeout at 10:12:14), at
// 1400x900:
// - keys: with the timeline focused, "+" halves the visible range (its
//   text and data-a/data-b change), "-" and the arrow keys change it too,
//   "0" shows the whole call again;
// - drag: a mouse drag across 40 %..60 % of the plot shows about that part
//   of the range;
// - Tab from the timeline reaches every mark group (g.mk > path, path.exp)
//   in turn, each a role=button with an aria-label that holds its text;
// - Enter on a mark shows its events in the details line (p.tl-detail);
// - the list view (table.tl-marks) has one row per mark group with an
//   event in the visible range, counted here from the marks' data-ts;
// - the "show HH:MM–HH:MM" button of the timeout finding sets the range to
//   10:11:00–10:14:00;
// - axe-core (WCAG 2.1 A and AA) finds nothing at 1400 and 390 px with the
//   timeline zoomed and a mark focused (its controls and list open);
// - no console error or page error.
// On BIGCALL.html (tests/bench/bigcall.py: 60 users, 4 hours), when given:
// the page loads in under 1 s (load event, median of 3), the timeline
// opens on a range of its first problem, and the first finding is on the
// first screen at 1400x900. The figures are printed.
// With SHOTS_DIR: PNGs of the timeline, normal and in Chromium's simulated
// deuteranopia (CDP Emulation.setEmulatedVisionDeficiency), of CALL.html
// and of the exits page next to it (exits.html, when given as
// EXITS=path in the environment).
// Exits 0 when every check passes, 1 with one line per failure, 2 on a
// usage or setup error. Environment: CHROMIUM (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { AXE_PATH, launchChromium } from './launch.mjs';

const [callFile, bigFile, shots] = process.argv.slice(2);
if (!callFile) {
  console.error('usage: check-timeline.mjs CALL.html [BIGCALL.html [SHOTS_DIR]]');
  process.exit(2);
}
const failures = [];
const fail = (m) => failures.push(m);
const check = (ok, m) => { if (!ok) fail(m); };

const browser = await launchChromium('check-timeline', { axe: true });

async function open(file, width, height, label) {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  page.route((u) => u.protocol !== 'file:' && u.protocol !== 'data:', (r) => r.abort());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') fail(`${label}: console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => fail(`${label}: page error: ${e.message}`));
  const t = Date.now();
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  return { ctx, page, ms: Date.now() - t };
}

const range = (page) => page.$eval('p.tl-range', (p) => ({
  text: p.textContent, a: Number(p.getAttribute('data-a')), b: Number(p.getAttribute('data-b')) }));

async function keys(page) {
  const r0 = await range(page);
  check(/^Showing the whole call: /.test(r0.text), `keys: first range text is "${r0.text}"`);
  await page.focus('section.timeline .svg-wrap');
  await page.keyboard.press('+');
  const r1 = await range(page);
  check(r1.text !== r0.text, `keys: "+" left the range text at "${r1.text}"`);
  check(Math.abs((r1.b - r1.a) * 2 - (r0.b - r0.a)) <= 2, `keys: "+" gave ${r1.b - r1.a} ms of ${r0.b - r0.a}`);
  await page.keyboard.press('ArrowLeft');
  const r2 = await range(page);
  check(r2.a < r1.a && r2.b - r2.a === r1.b - r1.a, `keys: ArrowLeft moved ${r1.a}..${r1.b} to ${r2.a}..${r2.b}`);
  await page.keyboard.press('-');
  const r3 = await range(page);
  check(r3.b - r3.a > r2.b - r2.a, `keys: "-" did not widen ${r2.b - r2.a} ms`);
  await page.keyboard.press('0');
  const r4 = await range(page);
  check(r4.a === r0.a && r4.b === r0.b, 'keys: "0" did not show the whole call');
  console.log(`check-timeline: keys: "${r0.text}" -> "+" "${r1.text}" -> "0" "${r4.text}"`);
}

async function drag(page) {
  const r0 = await range(page);
  const box = await page.evaluate(() => {
    const svg = document.querySelector('svg.timeline');
    const m = svg.getScreenCTM(), b = svg.getBoundingClientRect();
    const x0 = Number(svg.getAttribute('data-x0')), x1 = Number(svg.getAttribute('data-x1'));
    return { left: m.e + x0 * m.a, right: m.e + x1 * m.a, y: b.top + b.height - 3 };
  });
  await page.evaluate((y) => window.scrollBy(0, 0), box.y);
  const w = box.right - box.left;
  await page.mouse.move(box.left + 0.4 * w, box.y);
  await page.mouse.down();
  await page.mouse.move(box.left + 0.5 * w, box.y, { steps: 3 });
  await page.mouse.move(box.left + 0.6 * w, box.y, { steps: 3 });
  await page.mouse.up();
  const r1 = await range(page);
  const span = r0.b - r0.a, want = r0.a + 0.4 * span;
  check(r1.text !== r0.text, 'drag: the range text did not change');
  check(Math.abs(r1.a - want) < 0.02 * span && Math.abs((r1.b - r1.a) - 0.2 * span) < 0.02 * span,
    `drag: 40..60 % of ${r0.a}..${r0.b} gave ${r1.a}..${r1.b}`);
  console.log(`check-timeline: drag: "${r1.text}"`);
  await page.click('button.tl-all');
}

async function tabbing(page) {
  const n = await page.$$eval('svg.timeline g.mk > path, svg.timeline path.exp', (els) => els.length);
  await page.focus('section.timeline .svg-wrap');
  const seen = new Set();
  let bad = 0;
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const a = document.activeElement;
      const all = [...document.querySelectorAll('svg.timeline g.mk > path, svg.timeline path.exp')];
      const k = all.indexOf(a);
      return { k, role: a.getAttribute('role'), label: a.getAttribute('aria-label') || '',
        title: a.querySelector('title') ? a.querySelector('title').textContent.split('\n')[0] : '' };
    });
    if (r.k < 0 || r.role !== 'button' || !r.title || r.label.indexOf(r.title) < 0) bad++;
    else seen.add(r.k);
  }
  check(seen.size === n && bad === 0, `tab: ${seen.size} of ${n} mark groups reached in ${n} Tabs (${bad} stops elsewhere or unlabelled)`);
  console.log(`check-timeline: tab: ${seen.size} of ${n} mark groups reached`);
}

async function enter(page) {
  const sel = 'svg.timeline g.mk.sev-error > path';
  await page.focus(sel);
  await page.$eval('p.tl-detail', (p) => { p.textContent = ''; });
  await page.keyboard.press('Enter');
  const got = await page.$eval('p.tl-detail', (p) => p.textContent);
  const want = await page.$eval(sel, (p) => p.querySelector('title').textContent.split('\n')[0]);
  check(got.indexOf(want) >= 0 && /error/.test(got), `enter: details "${got}" lack "${want}"`);
  console.log(`check-timeline: enter: "${got.slice(0, 100)}"`);
}

// Rows of the list view against the marks' own instants.
async function listCount(page, label) {
  const r = await page.evaluate(() => {
    const p = document.querySelector('p.tl-range');
    const a = Number(p.getAttribute('data-a')), b = Number(p.getAttribute('data-b'));
    let want = 0;
    for (const m of document.querySelectorAll('svg.timeline g.mk > path, svg.timeline path.exp')) {
      const ts = (m.getAttribute('data-ts') || m.getAttribute('data-t')).split(' ').map(Number);
      if (ts.some((t) => t >= a && t <= b)) want++;
    }
    return { want, rows: document.querySelectorAll('table.tl-marks tbody tr').length,
      summary: document.querySelector('details.tl-list summary').textContent };
  });
  check(r.rows === r.want && r.summary.indexOf(`(${r.want})`) >= 0,
    `list ${label}: ${r.rows} rows, summary "${r.summary}", ${r.want} mark groups in range`);
  return r;
}

async function finding(page) {
  const btn = await page.$('li.finding[data-code="timeout"] button.tl-show');
  if (!btn) { fail('finding: no "show" button on the timeout finding'); return; }
  const text = (await btn.textContent()).trim();
  check(text === 'show 10:11–10:14', `finding: the button says "${text}"`);
  await btn.click();
  const r = await range(page);
  check(r.text === 'Showing 10:11:00–10:14:00', `finding: range "${r.text}" after "${text}"`);
  const c = await listCount(page, 'after the finding');
  const focused = await page.evaluate(() => document.activeElement.classList.contains('svg-wrap'));
  check(focused, 'finding: the timeline is not focused after "show"');
  console.log(`check-timeline: finding: "${text}" -> "${r.text}", list ${c.rows} rows`);
}

async function axe(file, width, height) {
  const { ctx, page } = await open(file, width, height, `axe ${width}px`);
  await page.focus('section.timeline .svg-wrap');
  await page.keyboard.press('+');
  await page.focus('svg.timeline g.mk > path');
  await page.$$eval('details.tl-list', (ds) => ds.forEach((d) => { d.open = true; }));
  await page.addScriptTag({ path: AXE_PATH });
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} on ${v.nodes.length}: ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')}`);
  });
  for (const v of res) fail(`axe ${width}px (timeline zoomed): ${v}`);
  console.log(`check-timeline: axe-core ${width}px, timeline zoomed: ${res.length} violation(s)`);
  await ctx.close();
}

async function big(file) {
  const times = [];
  let info = null;
  for (let i = 0; i < 3; i++) {
    const { ctx, page, ms } = await open(file, 1400, 900, 'bigcall');
    times.push(ms);
    if (i === 0) {
      info = await page.evaluate(() => {
        const f = document.querySelector('li.finding');
        const p = document.querySelector('p.tl-range');
        const svg = document.querySelector('svg.timeline');
        return { height: document.documentElement.scrollHeight,
          findingTop: f ? f.getBoundingClientRect().top : -1,
          range: p.textContent, span: Number(p.getAttribute('data-b')) - Number(p.getAttribute('data-a')),
          whole: Number(svg.getAttribute('data-t1')) - Number(svg.getAttribute('data-t0')),
          bytes: document.documentElement.outerHTML.length };
      });
    }
    await ctx.close();
  }
  times.sort((x, y) => x - y);
  const med = times[1];
  check(med < 1000, `bigcall: load took ${med} ms (median of ${times.join(', ')})`);
  check(info.findingTop >= 0 && info.findingTop < 900, `bigcall: first finding at y = ${info.findingTop}`);
  check(info.span < info.whole, `bigcall: the timeline opens on the whole call ("${info.range}")`);
  console.log(`check-timeline: bigcall: load ${med} ms (median of ${times.join(', ')}), page height ` +
    `${info.height} px, first finding at y = ${Math.round(info.findingTop)}, opens on "${info.range}"`);
}

async function shoot(file, dir, name) {
  const { ctx, page } = await open(file, 1400, 900, `shots ${name}`);
  const sec = await page.$('section.timeline');
  await sec.screenshot({ path: `${dir}/${name}.png` });
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setEmulatedVisionDeficiency', { type: 'deuteranopia' });
  await sec.screenshot({ path: `${dir}/${name}-deuteranopia.png` });
  await cdp.send('Emulation.setEmulatedVisionDeficiency', { type: 'none' });
  const show = await page.$('button.tl-show');
  if (show) {
    await show.click();
    await page.focus('svg.timeline g.mk.sev-error > path, svg.timeline g.mk > path');
    await sec.screenshot({ path: `${dir}/${name}-zoomed.png` });
  }
  await ctx.close();
}

try {
  const { ctx, page } = await open(callFile, 1400, 900, 'call');
  const top = await page.$eval('li.finding', (f) => f.getBoundingClientRect().top);
  check(top < 900, `call: the first finding is at y = ${top}, below the first screen`);
  console.log(`check-timeline: call: first finding at y = ${Math.round(top)}`);
  await keys(page);
  await drag(page);
  await tabbing(page);
  await enter(page);
  await page.focus('section.timeline .svg-wrap');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  const c = await listCount(page, 'zoomed');
  await page.keyboard.press('0');
  const w = await listCount(page, 'whole call');
  console.log(`check-timeline: list: ${c.rows} rows zoomed, ${w.rows} for the whole call`);
  await finding(page);
  await ctx.close();
  await axe(callFile, 1400, 900);
  await axe(callFile, 390, 844);
  if (bigFile) await big(bigFile);
  if (shots) {
    mkdirSync(shots, { recursive: true });
    await shoot(callFile, shots, 'call-3101');
    if (process.env.EXITS) await shoot(process.env.EXITS, shots, 'exits');
    console.log(`check-timeline: screenshots in ${shots}`);
  }
} catch (e) {
  fail(`error while checking: ${e.stack || e.message}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`check-timeline: ${failures.length} problem(s):`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log('check-timeline: ok');
