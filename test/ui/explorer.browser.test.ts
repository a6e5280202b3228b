/**
 * The decision explorer in a real browser (Debian's Chromium driven by playwright-core, see
 * chromium.ts): the page loads without console errors, a denial appears in the list within a
 * second of being made, the filters work, a decision's explanation renders, "try a request" shows
 * the reason the server gave, and markup in a principal id or an action renders as text and never
 * runs. With ORGWARDEN_SCREENSHOTS=<dir> it also writes the screenshots docs/explorer.md shows.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { postJson, session, startTestApp } from '../support/app.js';
import { launchChromium, type Browser } from './chromium.js';

const AUDITOR_TOKEN = 'auditor-token-0123456789abcdef';
const SCREENSHOTS = process.env.ORGWARDEN_SCREENSHOTS;

let app: App;
let url: string;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ({ app, url } = await startTestApp({
    extra: {
      admin: {
        token_env: 'ORGWARDEN_ADMIN_TOKEN',
        credentials: [{ name: 'reviewer', role: 'auditor', token_env: 'AUDITOR_TOKEN' }],
      },
    },
    env: { AUDITOR_TOKEN },
  }));
  browser = await launchChromium({ username: 'reviewer', password: AUDITOR_TOKEN });
  ({ page, errors } = await browser.open(`${url}/ui/`));
});
afterAll(async () => {
  await browser.close();
  await app.stop();
});

/** Asks orgwarden for a decision as `sub`; the decision's id. */
async function decide(sub: string, org: string, action: string): Promise<string> {
  const answer = await postJson(`${url}/v1/authorize`, { token: await session(sub), org, action });
  expect(answer.status).toBe(200);
  return String(answer.json?.decision_id);
}

const row = (id: string) => page.locator(`#decisions tbody tr[data-decision-id="${id}"]`);

async function setFilter(name: string, value: string): Promise<void> {
  const field = page.locator(`#filters [name="${name}"]`);
  if (name === 'spoof') await field.selectOption(value);
  else await field.fill(value);
}

async function clearFilters(): Promise<void> {
  for (const name of ['principal', 'org', 'action', 'reason']) await setFilter(name, '');
  await setFilter('spoof', '');
}

async function shot(name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

describe('the explorer page in Chromium', () => {
  it('loads, shows the state at a glance, without a console error', async () => {
    await expect(page.title()).resolves.toBe('orgwarden · decision explorer');
    const overview = page.locator('#overview');
    await overview.locator('dd').first().waitFor();
    const text = await overview.textContent();
    expect(text).toContain(app.policy.current()?.revision);
    expect(text).toContain('directory');
    expect(await page.locator('body').getAttribute('data-error')).toBeNull();
    expect(errors).toEqual([]);
  });

  it('lists a denial within a second of it being made', async () => {
    const started = Date.now();
    const id = await decide('mallory', 'acme', 'org.read');
    await row(id).waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    const cells = await row(id).locator('td').allTextContents();
    expect(cells.slice(1)).toEqual([
      'mallory',
      'acme',
      'org.read',
      'deny',
      'access_denied',
      'yes (field)',
    ]);
  });

  it('filters by principal, org, action, reason and spoof', async () => {
    const allowed = await decide('alice', 'acme', 'org.read');
    const spoofed = await decide('erin', 'acme', 'org.read');
    const other = await decide('erin', 'globex', 'org.read');
    await row(other).waitFor();
    const shown = async () =>
      Promise.all(
        (await page.locator('#decisions tbody tr').all()).map((r) =>
          r.getAttribute('data-decision-id'),
        ),
      );
    // The list follows the filters at the next answer (at most one poll, 500 ms, later).
    const showsExactly = (ids: string[]) => expect.poll(shown, { timeout: 2000 }).toEqual(ids);

    await setFilter('principal', 'erin');
    await showsExactly([other, spoofed]);
    await setFilter('org', 'acme');
    await showsExactly([spoofed]);
    await clearFilters();
    await setFilter('spoof', 'true');
    await expect.poll(shown, { timeout: 2000 }).not.toContain(allowed);
    expect(await shown()).toContain(spoofed);
    await clearFilters();
    await setFilter('reason', 'allowed');
    await setFilter('action', 'org.');
    await setFilter('principal', 'alice');
    await showsExactly([allowed]);
    await shot('explorer-filtered.png');
    await clearFilters();
    await expect
      .poll(shown, { timeout: 2000 })
      .toEqual(expect.arrayContaining([allowed, spoofed, other]));
  });

  it("renders a decision's explanation, the deciding check marked", async () => {
    const id = await decide('mallory', 'globex', 'org.read');
    await row(id).click();
    await expect(page.locator('#detail-id').textContent()).resolves.toBe(id);
    const steps = page.locator('#detail-explain table.explain tbody tr');
    await steps.first().waitFor();
    expect(await steps.count()).toBe(12);
    const failed = page.locator('#detail-explain tr.failed');
    expect(await failed.count()).toBe(1);
    expect(await failed.locator('td.check').textContent()).toBe('binding_membership');
    expect(await failed.locator('td.reason').textContent()).toBe('access_denied');
    await shot('explorer-explanation.png');
  });

  it('"try a request" shows the reason the server gave', async () => {
    const form = page.locator('#try-form');
    await form.locator('[name="token"]').fill(await session('mallory'));
    await form.locator('[name="org"]').fill('acme');
    await form.locator('[name="action"]').fill('org.read');
    await form.locator('button[type="submit"]').click();
    await page.locator('#try-result:not([hidden])').waitFor();
    expect(await page.locator('#try-verdict').textContent()).toBe('deny');
    expect(await page.locator('#try-reason').textContent()).toBe('access_denied');
    expect(await page.locator('#try-explain table.explain tbody tr').count()).toBe(12);

    await form.locator('[name="token"]').fill(await session('alice'));
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#try-verdict').textContent()).toBe('allow');
    expect(await page.locator('#try-reason').textContent()).toBe('allowed');
    // The token typed is nowhere in the page but its own password field.
    const html = await page.content();
    expect(html).not.toContain((await session('alice')).split('.')[1]);
    await shot('explorer-try.png');
  });

  it('renders markup in a principal id and an action as text, and runs none of it', async () => {
    const script = '<script>window.__pwned = 1</script>';
    const image = '<img src=x onerror="window.__pwned = 2">';
    const first = await decide(script, 'acme', image);
    const second = await decide(image, 'acme', script);
    await row(second).waitFor({ timeout: 2000 });
    expect(await row(first).locator('td.principal').textContent()).toBe(script);
    expect(await row(first).locator('td.action').textContent()).toBe(image);
    expect(await row(second).locator('td.principal').textContent()).toBe(image);
    await row(second).click();
    await expect(page.locator('#detail-fields').textContent()).resolves.toContain(image);
    expect(await page.locator('#decisions img, #detail img, #decisions script').count()).toBe(0);
    expect(await page.evaluate('window.__pwned ?? null')).toBeNull();
    await clearFilters();
    await page.evaluate("document.getElementById('detail').hidden = true");
    await shot('explorer-list.png');
    expect(errors).toEqual([]);
  });
});
