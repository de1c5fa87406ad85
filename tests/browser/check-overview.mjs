#!/usr/bin/env node
// Chart text and print of an overview or single-file report, in headless
// Debian Chromium (playwright-core, pinned in package.json):
//
//   node tests/browser/check-overview.mjs PAGE.html OUT.pdf
//
// - every <text> of every inline SVG on the page (every <details> opened)
//   renders at 11 px or more (its computed font size times the SVG's
//   scale) at 1400 and at 390 px wide; the smallest is printed;
// - printed on A4 (print media emulated at 718 px, the 794 px of A4 less
//   two 10 mm margins): every table is shown, no table is wider than the
//   printable width, and each row keeps as many cells drawn (a width above
//   0, inside the printable width) as the table's header row has columns,
//   so no column is lost; the page is printed to OUT.pdf (page.pdf, A4,
//   10 mm margins) and the PDF must have pages.
// Exits 0 when every check passes, 1 with one line per failure, 2 on a
// usage or setup error. Environment: CHROMIUM (default /usr/bin/chromium).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { launchChromium } from './launch.mjs';

const [file, pdf] = process.argv.slice(2);
if (!file || !pdf || !existsSync(file)) {
  console.error('usage: check-overview.mjs PAGE.html OUT.pdf');
  process.exit(2);
}
const url = pathToFileURL(resolve(file)).href;
const failures = [];
const fail = (m) => failures.push(m);
const browser = await launchChromium('check-overview');

// Runs in the page: the smallest SVG text, and every one under 11 px.
function svgText() {
  for (const d of document.querySelectorAll('details')) d.open = true;
  let min = Infinity, where = '', small = [], n = 0;
  for (const t of document.querySelectorAll('svg text')) {
    const svg = t.ownerSVGElement;
    const m = t.getScreenCTM();
    if (!m || !svg.getBoundingClientRect().width) continue;
    n++;
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (px < min) { min = px; where = `svg.${svg.getAttribute('class')} "${t.textContent.slice(0, 30)}"`; }
    if (px < 10.95 && small.length < 5) small.push(`svg.${svg.getAttribute('class')} text "${t.textContent.slice(0, 30)}" at ${px.toFixed(1)} px`);
  }
  return { min, where, small, n };
}

// Runs in the page in print media: tables wider than the page or with
// fewer drawn cells than header columns.
function printTables() {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const w = document.documentElement.clientWidth, out = [];
  let tables = 0;
  for (const t of document.querySelectorAll('table')) {
    if (t.offsetParent === null && getComputedStyle(t).position !== 'fixed') continue;
    tables++;
    const name = `table.${t.className || '(no class)'} #${tables}`;
    const r = t.getBoundingClientRect();
    if (r.right > w + 1 || r.left < -1) out.push(`${name} is ${Math.round(r.width)} px (page ${w} px)`);
    const head = t.tHead ? t.tHead.rows[0] : t.rows[0];
    if (!head) continue;
    let cols = 0;
    for (const c of head.cells) cols += c.colSpan;
    for (const row of t.rows) {
      let drawn = 0;
      for (const c of row.cells) {
        const b = c.getBoundingClientRect();
        if (b.width > 0 && b.right <= w + 1) drawn += c.colSpan;
      }
      if (drawn < cols) { out.push(`${name}: a row draws ${drawn} of its ${cols} columns`); break; }
    }
  }
  return { tables, out };
}

try {
  for (const [width, height] of [[1400, 900], [390, 844]]) {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    await page.goto(url, { waitUntil: 'load' });
    const r = await page.evaluate(svgText);
    for (const s of r.small) fail(`${width}px: ${s} (under 11)`);
    console.log(`check-overview: ${width}px: ${r.n} SVG texts, smallest ${r.min.toFixed(1)} px (${r.where})`);
    await ctx.close();
  }
  const ctx = await browser.newContext({ viewport: { width: 718, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const p = await page.evaluate(printTables);
  for (const s of p.out) fail(`print: ${s}`);
  await page.pdf({ path: pdf, format: 'A4', margin: { top: '10mm', bottom: '10mm', left: '10mm', right: '10mm' } });
  if (!existsSync(pdf) || statSync(pdf).size < 1000) fail(`print: no PDF at ${pdf}`);
  console.log(`check-overview: print (A4, 718 px): ${p.tables} tables, ${p.out.length} losing columns; ${pdf}`);
  await ctx.close();
} catch (e) {
  fail(`error while checking: ${e.stack || e.message}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`check-overview: ${file}: ${failures.length} problem(s):`);
  for (const f of failures) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`check-overview: ${file}: ok`);
