#!/usr/bin/env node
// The overview's call search when the calls are of several apps, in
// headless Debian Chromium (playwright-core, pinned in package.json):
//
//   node tests/browser/check-find-apps.mjs DIR/index.html
//
// DIR is a directory report (--tz UTC) of tests/data/two-apps/events.csv:
// room 3101 of app 111 (anna, 10:00), room 3101 of app 222 (ben, 11:00).
// Typing the RoomId 3101 finds both calls, each named with its app, with
// the exact texts below; each result's start is a <time datetime data-f>;
// following the second result lands on the call page of app 222's room,
// which names ben and not anna.
// Exits 0 when every check passes, 1 with one line per failed check, 2 on
// a usage or setup error. Environment: CHROMIUM (default /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { launchChromium } from './launch.mjs';

const [dirIndex] = process.argv.slice(2);
if (!dirIndex || process.argv.length !== 3 || !existsSync(dirIndex)) {
  console.error('usage: check-find-apps.mjs DIR/index.html');
  process.exit(2);
}
const browser = await launchChromium('check-find-apps');
const failures = [];
const fail = (m) => failures.push(m);
const WANT = [
  ['2026-11-20 10:00:00 · room 3101 (app 111)', '2026-11-20T10:00:00.000+00:00'],
  ['2026-11-20 11:00:00 · room 3101 (app 222)', '2026-11-20T11:00:00.000+00:00'],
];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') fail(`console error: ${m.text()}`); });
  await page.goto(pathToFileURL(resolve(dirIndex)).href, { waitUntil: 'load' });
  await page.locator('#find-q').pressSequentially('3101');
  const count = (await page.textContent('#find-count')) || '';
  if (count !== '2 calls of room \u201c3101\u201d.') fail(`count line ${JSON.stringify(count)}`);
  const got = await page.$$eval('#find-results li a', (as) => as.map((a) => {
    const t = a.querySelector('time');
    return [a.textContent, t && t.getAttribute('datetime'), t && t.getAttribute('data-f')];
  }));
  if (got.length !== WANT.length) fail(`${got.length} results, want ${WANT.length}`);
  WANT.forEach(([text, dt], k) => {
    const g = got[k] || [];
    if (g[0] !== text) fail(`result ${k + 1}: ${JSON.stringify(g[0])}, want ${JSON.stringify(text)}`);
    if (g[1] !== dt || g[2] !== 'dt') fail(`result ${k + 1}: <time datetime=${g[1]} data-f=${g[2]}>`);
  });
  // "(app 222)" finds app 222's call only, by the words of its label.
  await page.fill('#find-q', '');
  await page.locator('#find-q').pressSequentially('3101 app 222');
  const one = await page.$$eval('#find-results li a', (as) => as.map((a) => a.textContent));
  if (one.length !== 1 || one[0] !== WANT[1][0]) fail(`"3101 app 222" lists ${JSON.stringify(one)}`);
  // Follow it: app 222's call page, ben's call.
  await page.locator('#find-results li a').first().click();
  await page.waitForLoadState('load');
  const body = (await page.textContent('body')) || '';
  if (!/\/calls\/[^/]+\.html$/.test(page.url())) fail(`landed on ${page.url()}`);
  if (!body.includes('ben') || body.includes('anna')) fail(`${page.url()} is not ben's call of app 222`);
} catch (e) {
  fail(`check-find-apps: ${e.message}`);
}
await browser.close();
if (failures.length) {
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exit(1);
}
console.log('check-find-apps: ok (room 3101 in apps 111 and 222)');
