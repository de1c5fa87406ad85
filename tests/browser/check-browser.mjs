#!/usr/bin/env node
// Opens a roomreport HTML page in headless Debian Chromium (playwright-core,
// pinned in package.json) and checks what a reader would get:
//
//   node tests/browser/check-browser.mjs FILE.html OUT.png
//
// - no console errors or warnings, no uncaught page errors, no alert()
//   or other dialog;
// - no request for anything but file: and data: URLs (the page is
//   self-contained), and no failed request;
// - an inline <svg> timeline that is visible and has a size;
// - with JavaScript disabled, the findings and the event log are still
//   there as text.
// Saves a full-page screenshot at desktop width to OUT.png and one at phone
// width (390 px) to OUT-phone.png. Exits 0 when every check passes, 1 with
// one line per failed check otherwise, 2 on a usage or setup error.
//
// - nothing by colour alone: every session bar of the timeline whose exit
//   reason has a pattern (all but "normal", solid, and "ongoing", solid
//   with an arrow) is followed by its overlay (path.pat, data-exit naming
//   the reason) filled with that reason's <pattern>, which exists; every
//   ongoing bar has its arrow; each legend swatch of a patterned reason
//   draws a pattern; warnings and errors are drawn as different shapes.
//   Saves OUT-deutan.png: the timeline under a deuteranopia simulation (an
//   SVG feColorMatrix filter on the page), to look at;
// - on a call page with its script (a filter bar, form.call-filter): the
//   user, severity and text filters narrow the findings and the event log
//   to what they say, and clearing them shows everything again;
// - text in the timeline and the quality charts renders at 11 px or more
//   (font size times the SVG's scale) at desktop and at phone width;
// - at phone width, on a call page with its script, the timeline's first
//   error (else warning) mark is in the visible part of its scrolling box;
// - printed on A4 (print media, the 718 px of A4 less 10 mm margins): no
//   table is wider than the page, so no column is lost; saves OUT.pdf
//   (Chromium's page.pdf) to look at;
// - axe-core (pinned in package.json) with the WCAG 2.1 A and AA rules
//   (tags wcag2a, wcag2aa, wcag21a, wcag21aa) at 1400 px and at 390 px
//   wide: any violation fails, and each is printed with its rule, impact
//   and the first elements it names.
//
// With --overview (an overview page of the multi-page report, which has no
// timeline, findings or log of its own) only the first two checks and
// axe-core apply. With --axe-only only axe-core runs (quick iteration).
//
// Environment: CHROMIUM (default /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { AXE_PATH, launchChromium } from './launch.mjs';

const argv = process.argv.slice(2);
let overview = false;
let axeOnly = false;
while (argv[0] === '--overview' || argv[0] === '--axe-only') {
  if (argv.shift() === '--overview') overview = true; else axeOnly = true;
}
const [file, outPng] = argv;
if (!file || !outPng || !outPng.endsWith('.png') || argv.length !== 2) {
  console.error('usage: check-browser.mjs [--overview] [--axe-only] FILE.html OUT.png');
  process.exit(2);
}
const page_path = resolve(file);
if (!existsSync(page_path)) {
  console.error(`check-browser: ${page_path}: no such file`);
  process.exit(2);
}
const url = pathToFileURL(page_path).href;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const phonePng = outPng.replace(/\.png$/, '-phone.png');
const failures = [];
const fail = (msg) => failures.push(msg);

// Where the findings and the event log are expected; the first selector
// that matches is used. Kept loose so the check does not dictate markup.
const FINDINGS_SEL = ['#findings', '.findings', 'section[id*="finding"]', '[class*="finding"]'];
const LOG_SEL = ['#log', '#events', '.log', '.event-log', 'section[id*="log"]',
  '[class*="log"]', 'details'];
const TIMELINE_SEL = ['svg.timeline', '#timeline svg', 'svg#timeline', '.timeline svg',
  'svg[class*="timeline"]', '[id*="timeline"] svg', 'svg[aria-label*="imeline"]',
  'figure svg', 'svg'];

const browser = await launchChromium('check-browser', { axe: true });

// Watches one page: console, page errors, requests.
function watch(page, label) {
  // Never let a request leave the machine; it is still reported below.
  page.route((u) => u.protocol !== 'file:' && u.protocol !== 'data:', (route) => route.abort());
  page.on('console', (msg) => {
    const type = msg.type();
    if (type === 'error' || type === 'warning') {
      const loc = msg.location();
      fail(`${label}: console ${type}: ${msg.text()}` +
        (loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''));
    }
  });
  page.on('pageerror', (err) => fail(`${label}: page error: ${err.message}`));
  // alert() and friends: a script ran that the page did not mean to run.
  page.on('dialog', (d) => {
    fail(`${label}: a ${d.type()} dialog opened: ${JSON.stringify(d.message())}`);
    d.dismiss().catch(() => {});
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith('file:') && !u.startsWith('data:')) {
      fail(`${label}: external request: ${req.method()} ${u}`);
    }
  });
  page.on('requestfailed', (req) => {
    fail(`${label}: failed request: ${req.url()} (${req.failure()?.errorText})`);
  });
}

// The innermost elements that stick out on the right, to say what to fix.
async function widest(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= w + 1) continue;
      // Inside a scrolling or clipping box, it does not widen the page.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
      }
      if (clipped) continue;
      // Skip an element when one of its children sticks out as far.
      if ([...el.children].some((c) => c.getBoundingClientRect().right >= r.right - 1)) continue;
      let path = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\s+/).join('.') : '');
      for (let p = el.parentElement; p && p !== document.body && path.length < 120; p = p.parentElement) {
        path = p.tagName.toLowerCase() + (p.id ? '#' + p.id : '') + ' > ' + path;
      }
      out.push(`${path} (right edge ${Math.round(r.right)}px)`);
      if (out.length >= 3) break;
    }
    return out;
  });
}

async function firstMatch(page, selectors) {
  for (const s of selectors) {
    const h = await page.$(s);
    if (h) return { sel: s, h };
  }
  return null;
}

// The text of the findings and the log; used with and without scripts.
async function textOf(page, selectors) {
  const m = await firstMatch(page, selectors);
  if (!m) return null;
  return { sel: m.sel, text: (await m.h.textContent()) || '' };
}

// The call page's filters (call.js), operated as a person would.
async function checkFilters(page) {
  const state = () => page.evaluate(() => {
    const vis = (e) => !e.hidden && e.offsetParent !== null;
    const lis = [...document.querySelectorAll('li.finding')];
    const lanes = [...document.querySelectorAll('details.lane-log')];
    return {
      findings: lis.filter(vis).map((li) => ({ user: li.dataset.user,
        sev: li.classList.contains('sev-error') ? 2 : li.classList.contains('sev-warning') ? 1 : 0,
        text: li.textContent })),
      total: lis.length,
      lanes: lanes.filter((d) => !d.hidden).map((d) => d.dataset.user),
      lines: [...document.querySelectorAll('pre.log span.ln')].filter((s) => !s.hidden)
        .map((s) => s.textContent),
      status: document.querySelector('.filter-status')?.textContent || '',
    };
  });
  const users = await page.$$eval('#filter-user option', (os) => os.map((o) => o.value).filter(Boolean));
  if (!users.length) { fail('filters: no user to choose'); return; }
  const u = users[users.length - 1];
  await page.selectOption('#filter-user', u);
  let s = await state();
  if (s.findings.some((f) => f.user !== u)) fail(`filters: user ${u} chosen, findings of others shown`);
  if (s.lanes.length !== 1 || s.lanes[0] !== u) fail(`filters: user ${u} chosen, logs shown: ${s.lanes.join(', ')}`);
  if (!/^Showing \d+ of \d+ findings/.test(s.status)) fail(`filters: no status line (${JSON.stringify(s.status)})`);
  await page.selectOption('#filter-user', '');
  await page.selectOption('#filter-sev', 'error');
  s = await state();
  if (s.findings.some((f) => f.sev < 2)) fail('filters: errors only chosen, other findings shown');
  if (s.lines.some((l) => !/\terror: /.test(l))) fail('filters: errors only chosen, other log lines shown');
  await page.selectOption('#filter-sev', 'all');
  await page.fill('#filter-text', 'entering room');
  s = await state();
  if (!s.lines.length || s.lines.some((l) => !l.toLowerCase().includes('entering room'))) {
    fail(`filters: text "entering room": ${s.lines.length} log lines shown, not all matching`);
  }
  await page.fill('#filter-text', '');
  s = await state();
  if (s.findings.length !== s.total) fail(`filters cleared: ${s.findings.length} of ${s.total} findings shown`);
}

// Runs in the page: text of the timeline and charts drawn under 11 px.
function smallSvgText() {
  const out = [];
  for (const svg of document.querySelectorAll('svg.timeline, svg.chart')) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const r = svg.getBoundingClientRect();
    if (!vb || !vb.width || !r.width || svg.closest('details:not([open])')) continue;
    const scale = r.width / vb.width;
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 10.95) {
        out.push(`svg.${svg.getAttribute('class')} text "${t.textContent.slice(0, 30)}" at ${px.toFixed(1)} px (under 11)`);
        break;
      }
    }
    if (out.length >= 3) break;
  }
  return out;
}

// Runs in the page: what breaks "nothing by colour alone" in the timelines.
function exitPatternProblems() {
  const out = [];
  const solid = new Set(['normal', 'ongoing']);
  for (const bar of document.querySelectorAll('svg.timeline path.bar')) {
    const exit = [...bar.classList].find((c) => c.startsWith('exit-'))?.slice(5);
    if (!exit) { out.push('a timeline bar without an exit-* class'); continue; }
    const next = bar.nextElementSibling;
    if (exit === 'ongoing') {
      if (!next || !next.classList.contains('ongoing-mark')) out.push('an ongoing bar without its arrow');
      continue;
    }
    if (solid.has(exit)) continue;
    if (!next || !next.classList.contains('pat') || next.getAttribute('data-exit') !== exit) {
      out.push(`a bar of exit ${exit} without its pattern overlay`);
      continue;
    }
    const m = /^url\(#([^)]+)\)$/.exec(next.getAttribute('fill') || '');
    const pat = m && document.getElementById(m[1]);
    if (!pat || pat.tagName.toLowerCase() !== 'pattern' || !m[1].endsWith('-' + exit) ||
        !pat.firstElementChild) {
      out.push(`the overlay of exit ${exit} names no pattern of that exit (${next.getAttribute('fill')})`);
    }
  }
  for (const sw of document.querySelectorAll('ul.legend .swatch[class*="exit-"]')) {
    const exit = [...sw.classList].find((c) => c.startsWith('exit-')).slice(5);
    if (!solid.has(exit) && getComputedStyle(sw).backgroundImage === 'none') {
      out.push(`the legend's swatch of exit ${exit} has no pattern`);
    }
  }
  for (const g of document.querySelectorAll('svg.timeline g.mk.sev-warning path, svg.timeline g.mk.sev-error path')) {
    const d = g.getAttribute('d') || '';
    const warn = g.parentElement.classList.contains('sev-warning');
    if (d && !(warn ? /l4\.5-8l4\.5 8z/ : /h9v9h-9z/).test(d)) {
      out.push(`a ${warn ? 'warning' : 'error'} mark not drawn as a ${warn ? 'triangle' : 'square'}`);
    }
  }
  return out;
}

// A screenshot of the first timeline as a person with deuteranopia sees it
// (the Machado et al. 2009 matrix, severity 1, as an SVG filter on <html>).
async function deutanShot(page, path) {
  await page.evaluate(() => {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '0');
    svg.setAttribute('height', '0');
    svg.style.position = 'absolute';
    svg.innerHTML = '<filter id="rr-deutan" color-interpolation-filters="linearRGB">' +
      '<feColorMatrix type="matrix" values="0.367322 0.860646 -0.227968 0 0 ' +
      '0.280085 0.672501 0.047413 0 0 -0.011820 0.042940 0.968881 0 0 0 0 0 1 0"/></filter>';
    document.body.appendChild(svg);
    document.documentElement.style.filter = 'url(#rr-deutan)';
  });
  const sec = await page.$('section.timeline') || await page.$('svg.timeline');
  if (sec) await sec.screenshot({ path });
  await page.evaluate(() => { document.documentElement.style.filter = ''; });
}

// axe-core on the page at one width: the violations, one line each, and
// their count (nodes) for the summary line.
async function axeCheck(width, height) {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  const label = `axe ${width}px`;
  watch(page, label);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(200);
  await page.addScriptTag({ path: AXE_PATH });
  const res = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ') +
        (n.any && n.any[0] && n.any[0].message ? ` (${n.any[0].message})` : '')) }));
  }, AXE_TAGS);
  let n = 0;
  for (const v of res) {
    n += v.nodes;
    fail(`${label}: ${v.id} (${v.impact}) on ${v.nodes} element(s): ${v.help}; ` +
      v.targets.join('; '));
  }
  console.log(`check-browser: axe-core ${width}px: ${res.length} rule(s) violated, ${n} element(s)`);
  await ctx.close();
}

try {
  await axeCheck(1400, 900);
  await axeCheck(390, 844);
  if (axeOnly) throw null;
  // 1. Desktop, scripts on.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  watch(page, 'desktop');
  const resp = await page.goto(url, { waitUntil: 'load' });
  if (resp && !resp.ok()) fail(`desktop: loading ${url} gave status ${resp.status()}`);
  await page.waitForTimeout(300); // let deferred scripts run and report

  const lang = await page.getAttribute('html', 'lang');
  if (!lang) fail('desktop: <html> has no lang attribute');

  let tl = null;
  for (const s of overview ? [] : TIMELINE_SEL) {
    for (const h of await page.$$(s)) {
      const box = await h.boundingBox();
      if (box && box.width >= 100 && box.height >= 20 && await h.isVisible()) {
        const marks = await h.$$eval('rect, line, path, circle, polygon, polyline',
          (els) => els.length);
        if (marks > 0) { tl = { sel: s, box, marks }; break; }
      }
    }
    if (tl) break;
  }
  if (!overview && !tl) fail('desktop: no visible <svg> timeline (an svg at least 100x20 px with shapes in it)');

  const findingsJs = await textOf(page, FINDINGS_SEL);
  const logJs = await textOf(page, LOG_SEL);
  if (!overview && (!findingsJs || !findingsJs.text.trim())) fail(`desktop: no findings text (looked for ${FINDINGS_SEL.join(', ')})`);
  if (!overview && (!logJs || !logJs.text.trim())) fail(`desktop: no event log text (looked for ${LOG_SEL.join(', ')})`);

  // The page must not scroll sideways at desktop width (the timeline fits).
  const overflowX = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflowX > 1) {
    fail(`desktop: page is ${overflowX}px wider than the 1280px window; ` +
      `widest: ${(await widest(page)).join('; ')}`);
  }

  if (await page.$('form.call-filter')) await checkFilters(page);
  if (tl) {
    for (const msg of await page.evaluate(exitPatternProblems)) fail(`desktop: ${msg}`);
    await deutanShot(page, outPng.replace(/\.png$/, '-deutan.png'));
  }

  for (const msg of await page.evaluate(smallSvgText)) fail(`desktop: ${msg}`);
  await page.screenshot({ path: outPng, fullPage: true, timeout: 180000 });
  await desk.close();

  // 2. Phone width, scripts on.
  const phoneCtx = await browser.newContext({ viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const phone = await phoneCtx.newPage();
  watch(phone, 'phone');
  await phone.goto(url, { waitUntil: 'load' });
  await phone.waitForTimeout(300);
  const viewport = await phone.$$eval('meta[name="viewport"]', (els) => els.map((e) => e.content));
  if (!viewport.some((c) => /width\s*=\s*device-width/.test(c))) {
    fail('phone: no <meta name="viewport" content="width=device-width, ..."> (laid out at 980px and shrunk)');
  }
  const phoneOverflow = await phone.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (phoneOverflow > 1) {
    fail(`phone: page is ${phoneOverflow}px wider than the 390px screen (scrolls sideways); ` +
      `widest: ${(await widest(phone)).join('; ')}`);
  }
  for (const msg of await phone.evaluate(smallSvgText)) fail(`phone: ${msg}`);
  // Only where the call page's script runs (its filter bar is there): the
  // single-file report has no call script, and its timelines start at 0.
  if (tl && await phone.$('form.call-filter')) {
    const inView = await phone.evaluate(() => {
      const wrap = document.querySelector('section.timeline .svg-wrap');
      const mark = wrap && (wrap.querySelector('g.mk.sev-error path') ||
        wrap.querySelector('g.mk.sev-warning path'));
      if (!mark) return true;
      const b = mark.getBoundingClientRect(), w = wrap.getBoundingClientRect();
      return b.right > w.left && b.left < w.right;
    });
    if (!inView) fail('phone: the timeline\'s first problem is scrolled out of view');
  }
  await phone.screenshot({ path: phonePng, fullPage: true, timeout: 180000 });
  await phoneCtx.close();

  // Printed on A4.
  {
    const ctx = await browser.newContext({ viewport: { width: 718, height: 1000 } });
    const pr = await ctx.newPage();
    watch(pr, 'print');
    await pr.goto(url, { waitUntil: 'load' });
    await pr.emulateMedia({ media: 'print' });
    const wide = await pr.evaluate(() => {
      const w = document.documentElement.clientWidth;
      return [...document.querySelectorAll('table')]
        .filter((t) => t.getBoundingClientRect().right > w + 1 && t.offsetParent !== null)
        .slice(0, 3).map((t) => `table.${t.className} (${Math.round(t.getBoundingClientRect().width)}px)`);
    });
    if (wide.length) fail(`print: tables wider than A4 (718 px), columns would be lost: ${wide.join('; ')}`);
    await pr.pdf({ path: outPng.replace(/\.png$/, '.pdf'), format: 'A4',
      margin: { top: '10mm', bottom: '10mm', left: '10mm', right: '10mm' } });
    await ctx.close();
  }

  // 3. Scripts off (javaScriptEnabled is per context): the findings and
  // the log must still be there.
  {
    const ctx = await browser.newContext({ javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 } });
    const nojs = await ctx.newPage();
    watch(nojs, 'no-js');
    await nojs.goto(url, { waitUntil: 'load' });
    const findings = await textOf(nojs, FINDINGS_SEL);
    const log = await textOf(nojs, LOG_SEL);
    if (!overview && (!findings || !findings.text.trim())) fail('no-js: the findings are gone with scripts disabled');
    if (!overview && (!log || !log.text.trim())) fail('no-js: the event log is gone with scripts disabled');
    const bodyText = (await nojs.textContent('body')) || '';
    if (!bodyText.trim()) fail('no-js: the page body is empty with scripts disabled');
    const svgs = await nojs.$$eval('svg', (els) => els.length);
    if (!overview && svgs === 0) fail('no-js: no <svg> without scripts (the timeline must not be drawn by a script)');
    await ctx.close();
  }

  if (tl) {
    console.log(`check-browser: timeline ${tl.sel} ${Math.round(tl.box.width)}x${Math.round(tl.box.height)} px, ${tl.marks} shapes`);
  }
} catch (e) {
  if (e !== null) fail(`error while checking: ${e.stack || e.message}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`check-browser: ${page_path}: ${failures.length} problem(s):`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`check-browser: ${page_path}: ok; screenshots ${outPng}, ${phonePng}`);
