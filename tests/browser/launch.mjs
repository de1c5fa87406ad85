// launch.mjs — the headless Debian Chromium every check-*.mjs opens its
// pages in (playwright-core, pinned in package.json), started the same way
// for all: a fresh temporary profile, no sandbox, GPU, background network,
// component updates, sync, QUIC or /dev/shm.
//
//   import { AXE_PATH, launchChromium } from './launch.mjs';
//   const browser = await launchChromium('check-x', { axe: true });
//
// launchChromium(name, { axe }) returns the started browser. On a setup
// error it prints "NAME: ..." and exits with status 2 (the checks' setup
// error): CHROMIUM (default /usr/bin/chromium) missing, playwright-core not
// installed, axe-core missing when axe is set, or Chromium failing to start.
// AXE_PATH is axe-core's script, for page.addScriptTag.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AXE_PATH = resolve(dirname(fileURLToPath(import.meta.url)),
  'node_modules/axe-core/axe.min.js');

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-dev-shm-usage'];

function setupError(name, what) {
  console.error(`${name}: ${what}`);
  process.exit(2);
}

export async function launchChromium(name, { axe = false } = {}) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath))
    setupError(name, `${executablePath} not found (Debian: apt-get install chromium)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    setupError(name, `playwright-core not installed (run npm ci in tests/browser): ${e.message}`);
  }
  if (axe && !existsSync(AXE_PATH))
    setupError(name, `${AXE_PATH} missing (run npm ci in tests/browser)`);
  return chromium.launch({ executablePath, headless: true, args: ARGS })
    .catch((e) => setupError(name, `cannot start ${executablePath}: ${e.message}`));
}
