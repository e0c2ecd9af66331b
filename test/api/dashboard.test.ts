/**
 * The dashboard in a real headless Chromium (Debian `chromium`, driven by playwright-core) against a real
 * listening service: connect with a key, sessions and turns, the context heatmap with reasons, live events,
 * workspaces, profiles, experiences and the metrics charts. Screenshots go to test-output/dashboard/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../helpers/app.ts';

const CHROMIUM = process.env.SIRA_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/dashboard/', import.meta.url));

let t: TestApp;
let base: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  t = await testApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const acme = t.sira.tenant('acme');
  await acme.createSession({ id: 'support-1', user_id: 'u-7' });
  await acme.appendTurns('support-1', [
    { role: 'user', content: 'Hi, I ordered a blue kettle last week' },
    { role: 'assistant', content: 'Thanks! Let me look at your order.' },
    { role: 'user', content: 'My card ending 4242 was charged twice for it' },
    { role: 'assistant', content: 'I see two charges of 39 EUR; one will be refunded.' },
    { role: 'user', content: 'I live in Lisbon, by the way, and prefer email updates' },
    { role: 'assistant', content: 'Noted: email updates.' },
  ]);
  await acme.createSession({ id: 'support-2' });
  await t.sira.workspaces('acme').create({ id: 'team-room' });
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-gpu', '--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t.close();
});

const shot = async (name: string) => {
  const path = `${SHOTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
};
const tab = (name: string) => page.click(`#tabs button[data-tab="${name}"]`);

describe('dashboard (headless Chromium)', () => {
  it('connects with a key and lists sessions and turns', async () => {
    await page.goto(`${base}/dashboard`);
    await page.fill('#key', t.key);
    await page.click('#login button');
    await page.waitForSelector('#session-list li[data-id="support-1"]');
    expect(await page.locator('#session-list li').count()).toBe(2);
    await page.click('#session-list li[data-id="support-1"]');
    await page.waitForSelector('#turn-list li');
    expect(await page.locator('#turn-list li').count()).toBe(6);
    expect(await page.textContent('#turn-list')).toContain('charged twice');
    await shot('sessions');
  });

  it('a wrong key shows the problem code and no data', async () => {
    const other = await browser.newPage();
    await other.goto(`${base}/dashboard`);
    await other.fill('#key', 'wrong-key');
    await other.click('#login button');
    await other.waitForSelector('#error:not([hidden])', { state: 'attached' });
    expect(await other.textContent('#error')).toContain('SIRA_ERR_AUTH');
    expect(await other.locator('#session-list li').count()).toBe(0);
    await other.close();
  });

  it('shows the context chosen for a query as a heatmap of score components with reasons', async () => {
    await tab('context');
    await page.fill('#ctx-query', 'how much was I charged on my card?');
    await page.fill('#ctx-budget', '60');
    await page.click('#context-form button');
    await page.waitForSelector('#ctx-table tbody tr');
    const rows = await page.locator('#ctx-table tbody tr').count();
    expect(rows).toBe(6);
    const selected = page.locator('#ctx-table tbody tr.selected');
    expect(await selected.count()).toBeGreaterThan(0);
    expect(await page.locator('#ctx-table tbody tr.dropped').count()).toBeGreaterThan(0);
    // The top row is the turn about the charge, its reason is shown, and its cells are shaded by value.
    expect(await page.locator('#ctx-table tbody tr').first().getAttribute('data-seq')).toBe('3');
    expect(await page.textContent('#ctx-table thead')).toContain('recency');
    expect(await page.textContent('#ctx-table tbody')).toContain('over_budget');
    const shades = await page.locator('#ctx-table tbody tr:first-child td[title]').evaluateAll((tds) => tds.map((td) => (td as unknown as { style: { background: string } }).style.background));
    expect(shades.some((s) => s.startsWith('rgba'))).toBe(true);
    expect(await page.textContent('#ctx-usage')).toMatch(/of 60 tokens/);
    await shot('context');
  });

  it('follows a session\'s events live', async () => {
    await tab('events');
    await page.fill('#ev-session', 'support-2');
    await page.click('#events-form button[type="submit"]');
    await page.waitForSelector('#event-list li[data-type="session.created"]');
    await t.sira.tenant('acme').appendTurns('support-2', [{ role: 'user', content: 'is anyone there?' }]);
    await page.waitForSelector('#event-list li[data-type="turns.appended"]', { timeout: 10_000 });
    await shot('events');
    await page.click('#ev-stop');
  });

  it('lists workspaces, shows a profile and searches experiences', async () => {
    await tab('workspaces');
    await page.waitForSelector('#ws-list li');
    await page.click('#ws-list li');
    await expect.poll(() => page.textContent('#ws-detail')).toContain('members');
    await tab('profiles');
    await page.fill('#profile-user', 'u-7');
    await page.click('#profile-form button');
    await page.waitForSelector('#profile-table[data-done="true"], #error:not([hidden])', { state: 'attached' });
    expect(await page.isHidden('#error')).toBe(true);
    await tab('experiences');
    await page.fill('#exp-task', 'refund a duplicate charge');
    await page.click('#exp-form button');
    await page.waitForSelector('#exp-list[data-done="true"], #error:not([hidden])', { state: 'attached' });
    expect(await page.isHidden('#error')).toBe(true);
    await shot('experiences');
  });

  it('charts request rate and latency from /metrics', async () => {
    await tab('metrics');
    await page.waitForSelector('#route-table tbody tr');
    expect(await page.textContent('#route-table')).toContain('/v1/sessions');
    await expect.poll(() => page.locator('#chart-lat polyline').count()).toBe(2);
    // A second sample (2 s later) draws the lines.
    await expect.poll(async () => Number((await page.getAttribute('#chart-rps', 'data-samples')) ?? 0), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await shot('metrics');
  });
});
