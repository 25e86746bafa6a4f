/**
 * The web app in a real browser (Debian's Chromium driven by playwright-core), served by the Hosting
 * emulator, calling the api through the Hosting rewrite as a fan's browser does.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { webUrl } from './helpers';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(
      `No Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH to a Chrome/Chromium binary)`,
    );
  }
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}, 30_000);
afterAll(() => browser?.close());

it('shows the service status the api reports, one row per dependency', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text()); // a CSP violation is reported here
  });
  const health = page.waitForResponse((r) => r.url().endsWith('/api/v1/health'));
  await page.goto(webUrl('/status'));
  const reported = (await (await health).json()) as {
    status: string;
    version: string;
    checks: Record<string, { ok: boolean }>;
  };

  const status = page.locator('#status');
  await page.locator('#status:not([data-status="loading"])').waitFor({ timeout: 10_000 });
  expect(await status.getAttribute('data-status')).toBe(reported.status);
  expect(await status.textContent()).toBe(`API is ${reported.status}`);
  expect(reported.status).toBe('ok'); // the test stack runs Firestore and Redis

  const rows = page.locator('#checks tbody tr');
  expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.dependency, tr.dataset.ok]))).toEqual(
    Object.entries(reported.checks).map(([name, check]) => [name, String(check.ok)]),
  );
  expect(await page.locator('#version').textContent()).toBe(`Version ${reported.version}`);
  expect(errors).toEqual([]);
  await page.close();
}, 30_000);

it('index.html is revalidated on every visit; the hashed assets it names are cached for a year', async () => {
  const index = await fetch(webUrl('/'));
  expect(index.headers.get('cache-control')).toBe('no-cache');
  // Every path of the app is its HTML too: a deep link must not keep an old release either.
  for (const path of ['/games/x', '/app.html', '/docs/'])
    expect([path, (await fetch(webUrl(path))).headers.get('cache-control')]).toEqual([path, 'no-cache']);
  const assets = [...(await index.text()).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  expect(assets.length).toBeGreaterThanOrEqual(2); // the script and the stylesheet
  for (const asset of assets) {
    const res = await fetch(webUrl(asset));
    expect([asset, res.status, res.headers.get('cache-control')]).toEqual([
      asset,
      200,
      'public, max-age=31536000, immutable',
    ]);
  }
});

it('/docs/ renders the API reference from the served contract, and "try it" lists games (200)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await page.goto(webUrl('/docs/'));
  await page
    .locator('.swagger-ui .info .title')
    .filter({ hasText: 'AI Sports Edge API' })
    .waitFor({ timeout: 20_000 });
  const operation = page.locator('#operations-games-listGames');
  await operation.locator('.opblock-summary').click();
  await operation.locator('.try-out__btn').click();
  const executed = page.waitForResponse(
    (r) => r.url().includes('/api/v1/games') && r.request().method() === 'GET',
  );
  await operation.locator('.execute').click();
  expect((await executed).status()).toBe(200);
  // Swagger UI shows what the server answered.
  await operation
    .locator('.live-responses-table tbody .response-col_status')
    .filter({ hasText: '200' })
    .waitFor({ timeout: 10_000 });
  // No CSP violation, no request to a CDN or validator: everything came from this origin.
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);
