import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { createOcr, describeOf, call } from '../helpers.js';
import { startQuiet } from '../sdk/sdk.js';
import { BROWSER_REQUIRED, CHROMIUM_MISSING, CHROMIUM_PATH, INSTALL_HINT, launchChromium, serveStaticSite, type StaticSite } from './chromium.js';

/**
 * The admin API against a real browser: a page served from another origin (127.0.0.1 on another
 * port: the same site, so the SameSite=Strict token cookie goes along) tries to read the journal
 * and to reset the store every way a page can. The emulator's own dashboard, and a page on an
 * origin CIE_ADMIN_ORIGINS lists, must still work.
 */

const skipBrowser = CHROMIUM_MISSING && !BROWSER_REQUIRED;
if (skipBrowser) console.log(INSTALL_HINT);

const ADMIN_TOKEN = 'origin-test-admin-token';
// The page builds and submits a form the way any site could: no script of it needs a permission.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>another origin</title>
<script>
window.postForm = (action, fields, enctype) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = action;
  form.enctype = enctype;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
};
</script></head><body><h1>a page on another origin</h1></body></html>`;

type PageWindow = { postForm: (action: string, fields: Record<string, string>, enctype: string) => void };

/** What a fetch from the page came to: the status and body it could read, or the error it got. */
type FetchOutcome = { readonly read: true; readonly status: number; readonly body: string } | { readonly read: false; readonly error: string };

const templateCount = async (emulator: RunningEmulator): Promise<number> =>
  Number(describeOf((await call(emulator.app, { method: 'GET', path: '/template' })).body).TotalCount);

function fetchFromPage(
  page: Page,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; mode?: 'cors' | 'no-cors' } = {},
): Promise<FetchOutcome> {
  return page.evaluate(
    async ([target, options]) => {
      try {
        const response = await fetch(target, options);
        return { read: true as const, status: response.status, body: await response.text() };
      } catch (error) {
        return { read: false as const, error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    },
    [url, init] as const,
  );
}

/** Builds a form in the page and submits it; resolves with the browser's request and the answer it navigated to. */
async function submitForm(
  page: Page,
  action: string,
  fields: Record<string, string>,
  enctype = 'application/x-www-form-urlencoded',
): Promise<{ request: Request; status: number; body: string }> {
  const answered = page.waitForResponse((response) => response.url().startsWith(action) && response.request().method() === 'POST');
  await page.evaluate(([target, values, type]) => (globalThis as unknown as PageWindow).postForm(target, values, type), [action, fields, enctype] as const);
  const response = await answered;
  // A 303 back to the dashboard has no body a page may read.
  const redirected = response.status() >= 300 && response.status() < 400;
  return { request: response.request(), status: response.status(), body: redirected ? '' : await response.text() };
}

describe.skipIf(skipBrowser)('the admin API in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (CHROMIUM_MISSING)
      throw new Error(`${CHROMIUM_PATH} is missing and CIE_REQUIRE_BROWSER=1 requires it: apt-get install -y --no-install-recommends chromium`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('from a page on another origin of the same site, with the token cookie set', () => {
    let emulator: RunningEmulator;
    let site: StaticSite;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      [emulator, site] = await Promise.all([startQuiet({ adminToken: ADMIN_TOKEN }), serveStaticSite(PAGE)]);
      context = await browser.newContext();
      // The developer opened the dashboard once: the cookie is in the browser.
      const dashboard = await context.newPage();
      expect((await dashboard.goto(`${emulator.url}/_emulator/?token=${ADMIN_TOKEN}`))?.status()).toBe(200);
      await dashboard.close();
      expect((await context.cookies(`${emulator.url}/_emulator/`)).map((cookie) => cookie.name)).toContain('cie_admin_token');
      await createOcr(emulator.app, 'kept-a');
      await createOcr(emulator.app, 'kept-b');
      page = await context.newPage();
      await page.goto(site.origin);
    });
    afterAll(async () => {
      await context?.close();
      await Promise.all([site?.close(), emulator?.close()]);
    });

    it('is another origin than the emulator, on the same host', () => {
      expect(new URL(site.origin).hostname).toBe(new URL(emulator.url).hostname);
      expect(site.origin).not.toBe(emulator.url);
    });

    it('cannot read /_emulator/requests', async () => {
      const outcome = await fetchFromPage(page, `${emulator.url}/_emulator/requests`, { mode: 'cors' });
      expect(outcome).toMatchObject({ read: false, error: expect.stringMatching(/^TypeError/) });
    });

    it('cannot reset through an HTML form, although the browser sent the token cookie: 403 ForbiddenOrigin, nothing removed', async () => {
      const { request, status, body } = await submitForm(page, `${emulator.url}/_emulator/reset`, {});
      expect((await request.allHeaders())['cookie']).toContain(`cie_admin_token=${ADMIN_TOKEN}`);
      expect((await request.allHeaders())['origin']).toBe(site.origin);
      expect(status).toBe(403);
      expect(JSON.parse(body)).toMatchObject({ error: 'ForbiddenOrigin' });
      expect(await templateCount(emulator)).toBe(2);
      await page.goto(site.origin);
    });

    it('cannot forge a JSON fault with a text/plain form', async () => {
      const { status, body } = await submitForm(page, `${emulator.url}/_emulator/faults`, { '{"times":5,"x":"': '"}' }, 'text/plain');
      expect(status).toBe(403);
      expect(JSON.parse(body)).toMatchObject({ error: 'ForbiddenOrigin' });
      const faults = await emulator.app.inject({ method: 'GET', url: '/_emulator/faults', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(faults.json()).toEqual({ faults: [] });
      await page.goto(site.origin);
    });

    it('cannot send a JSON write: its preflight fails, and nothing is removed', async () => {
      const outcome = await fetchFromPage(page, `${emulator.url}/_emulator/reset`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(outcome).toMatchObject({ read: false, error: expect.stringMatching(/^TypeError/) });
      expect(await templateCount(emulator)).toBe(2);
    });

    it('cannot reset with a no-cors fetch (a simple request that needs no preflight)', async () => {
      const outcome = await fetchFromPage(page, `${emulator.url}/_emulator/reset`, { method: 'POST', mode: 'no-cors' });
      // An opaque answer: the page learns nothing, and the server refused the reset.
      expect(outcome).toMatchObject({ read: true, status: 0 });
      expect(await templateCount(emulator)).toBe(2);
    });

    it('leaves the CI API open to it, which its signatures protect', async () => {
      const outcome = await fetchFromPage(page, `${emulator.url}/template`);
      expect(outcome).toMatchObject({ read: true, status: 401, body: expect.stringContaining('<Code>MissingAuthorization</Code>') });
    });
  });

  describe('from a page on an origin that CIE_ADMIN_ORIGINS lists', () => {
    let emulator: RunningEmulator;
    let site: StaticSite;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      site = await serveStaticSite(PAGE);
      emulator = await startQuiet({ adminOrigins: [site.origin] });
      await createOcr(emulator.app, 'to-reset');
      context = await browser.newContext();
      page = await context.newPage();
      await page.goto(site.origin);
    });
    afterAll(async () => {
      await context?.close();
      await Promise.all([site?.close(), emulator?.close()]);
    });

    it('reads the journal', async () => {
      await call(emulator.app, { method: 'GET', path: '/template' });
      const outcome = await fetchFromPage(page, `${emulator.url}/_emulator/requests?limit=1`);
      expect(outcome).toMatchObject({ read: true, status: 200 });
      if (outcome.read) expect(JSON.parse(outcome.body)).toMatchObject({ requests: [{ path: '/template' }] });
    });

    it('resets with a JSON POST, its preflight passing', async () => {
      const outcome = await fetchFromPage(page, `${emulator.url}/_emulator/reset`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(outcome).toMatchObject({ read: true, status: 200 });
      if (outcome.read) expect(JSON.parse(outcome.body)).toMatchObject({ reset: 'all', removed: 1 });
      expect(await templateCount(emulator)).toBe(0);
    });

    it('adds a fault through a form post too, sent back to the dashboard', async () => {
      const { status } = await submitForm(page, `${emulator.url}/_emulator/faults`, {
        method: 'GET',
        path: '/nowhere',
        status: '',
        code: '',
        times: '1',
        delayMs: '0',
      });
      expect(status).toBe(303);
      expect((await emulator.app.inject({ method: 'GET', url: '/_emulator/faults' })).json()).toMatchObject({ faults: [{ match: { path: '/nowhere' } }] });
    });
  });

  describe('the dashboard without an admin token', () => {
    let emulator: RunningEmulator;
    let context: BrowserContext;
    let dashboard: Page;

    beforeAll(async () => {
      emulator = await startQuiet();
      context = await browser.newContext();
      dashboard = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
      await emulator?.close();
    });

    it('adds and clears a fault through its forms', async () => {
      await dashboard.goto(`${emulator.url}/_emulator/`);
      await dashboard.fill('.fault-form input[name="path"]', '/template/*');
      await dashboard.fill('.fault-form input[name="times"]', '3');
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('.fault-form button')]);
      await expect(dashboard.locator('.notice').textContent()).resolves.toContain('for the next 3 requests to /template/*');
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('form[action="/_emulator/faults/clear"] button')]);
      await expect(dashboard.locator('tr.fault').count()).resolves.toBe(0);
    });

    it('deletes a template through its Delete button', async () => {
      const template = await createOcr(emulator.app, 'delete-me');
      await dashboard.goto(`${emulator.url}/_emulator/`);
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.locator(`tr.template[data-template-id="${template.TemplateId}"] button`).click()]);
      await expect(dashboard.locator('.notice').textContent()).resolves.toContain(`Deleted ${template.TemplateId}`);
    });

    it('resets every bucket', async () => {
      await createOcr(emulator.app, 'reset-me');
      await dashboard.goto(`${emulator.url}/_emulator/`);
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('form.reset-all button')]);
      await expect(dashboard.locator('tr.template').count()).resolves.toBe(0);
      expect(await templateCount(emulator)).toBe(0);
    });
  });
});
