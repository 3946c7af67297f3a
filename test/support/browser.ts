import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it where it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium for page tests, with nothing of its own reaching for the network (this machine has none). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium), or set CHROMIUM_PATH`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where page tests leave their screenshots (kept out of git). */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

/** axe-core's serious and critical findings on a page, each with its first few elements. */
export async function axe(page: Page): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated, not added as a script element: the pages' policy runs no inline script.
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = (await page.evaluate(
    [
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({',
      'id: v.id, impact: v.impact,',
      'nodes: v.nodes.map((n) => n.target.join(" ") + " " + (n.any[0] && n.any[0].message)).slice(0, 6) })))',
    ].join(' '),
  )) as { id: string; impact: string; nodes: string[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
