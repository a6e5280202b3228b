/**
 * Chromium from Debian's `chromium` package, driven by playwright-core (which downloads no
 * browser): a fresh profile per launch, no network of its own, the page's console errors kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where .ci/run installs it (`apt-get install chromium`). */
const CHROMIUM = process.env.ORGWARDEN_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  open(url: string): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Launches headless Chromium with HTTP Basic credentials for the explorer. */
export async function launchChromium(credentials: {
  username: string;
  password: string;
}): Promise<Browser> {
  // playwright passes --headless and this fresh --user-data-dir itself.
  const profile = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    httpCredentials: credentials,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(url);
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
