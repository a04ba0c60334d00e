import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { DEFAULT_BUCKET, SECRET_ID, SECRET_KEY, ocrBody } from '../helpers.js';
import { startQuiet } from '../sdk/sdk.js';
import { BROWSER_REQUIRED, CHROMIUM_MISSING, CHROMIUM_PATH, INSTALL_HINT, launchChromium, serveStaticSite, type StaticSite } from './chromium.js';

/**
 * cos-js-sdk-v5 in a real Chromium, on a page served from another origin than the emulator's:
 * every call is preflighted, the answers are read through CORS, and the dashboard is driven
 * through its forms, with the admin token in the cookie that ?token= sets.
 */

const skipBrowser = CHROMIUM_MISSING && !BROWSER_REQUIRED;
if (skipBrowser) console.log(INSTALL_HINT);

const ADMIN_TOKEN = 'browser-admin-token';
const REGION = 'ap-guangzhou';
const SCREENSHOT = 'test-output/dashboard.png';

/** What the page hands back from cos.request: only data that survives structured cloning. */
type PageResult =
  | { readonly ok: true; readonly data: { readonly RequestId?: string; readonly statusCode: number; readonly Response: Record<string, unknown> } }
  | {
      readonly ok: false;
      readonly error: { readonly code?: string; readonly message?: string; readonly statusCode?: number; readonly error?: Record<string, string> };
    };

interface CosSettings {
  readonly SecretId: string;
  readonly SecretKey: string;
  readonly Domain?: string;
  readonly Protocol: 'http:';
}

interface PageCall {
  readonly Method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly Key: string;
  readonly Bucket?: string;
  readonly Region?: string;
  readonly Url?: string;
  readonly Body?: string;
  readonly Query?: Record<string, string>;
  readonly Headers?: Record<string, string>;
}

type PageWindow = { ciCall: (settings: CosSettings, call: PageCall) => Promise<PageResult> };

// The page keeps no state: each call builds its COS client from the settings it is given.
const SDK_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>cos-js-sdk-v5 page</title>
<script src="/cos-js-sdk-v5.js"></script>
<script>
window.ciCall = (settings, call) => new Promise((resolve) => {
  new COS(settings).request(call, (err, data) => {
    if (err) resolve({ ok: false, error: { code: err.code, message: err.message, statusCode: err.statusCode, error: err.error } });
    else resolve({ ok: true, data: JSON.parse(JSON.stringify(data)) });
  });
});
</script></head><body><h1>SDK page</h1></body></html>`;

interface TemplateData {
  readonly TemplateId: string;
  readonly Name: string;
  readonly BucketId: string;
  readonly ImageOCR: Record<string, string>;
}

describe.skipIf(skipBrowser)('Chromium', () => {
  let emulator: RunningEmulator;
  let site: StaticSite;
  let browser: Browser;
  let context: BrowserContext;
  let sdkPage: Page;
  let settings: CosSettings;

  beforeAll(async () => {
    if (CHROMIUM_MISSING)
      throw new Error(`${CHROMIUM_PATH} is missing and CIE_REQUIRE_BROWSER=1 requires it: apt-get install -y --no-install-recommends chromium`);
    [emulator, site, browser] = await Promise.all([startQuiet({ adminToken: ADMIN_TOKEN }), serveStaticSite(SDK_PAGE), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    sdkPage = await context.newPage();
    await sdkPage.goto(site.origin);
    // Chromium resolves every *.localhost name to the loopback itself: the bucket comes from the Host, as on the real service.
    settings = { SecretId: SECRET_ID, SecretKey: SECRET_KEY, Domain: `{Bucket}.ci.{Region}.localhost:${emulator.port}`, Protocol: 'http:' };
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([site?.close(), emulator?.close()]);
  });

  const inPage = (call: PageCall, overrides: Partial<CosSettings> = {}): Promise<PageResult> =>
    sdkPage.evaluate(([cosSettings, pageCall]) => (globalThis as unknown as PageWindow).ciCall(cosSettings, pageCall), [
      { ...settings, ...overrides },
      call,
    ] as const);

  const bucketCall = (call: Omit<PageCall, 'Bucket' | 'Region'>): PageCall => ({ Bucket: DEFAULT_BUCKET, Region: REGION, ...call });

  async function pageOk(call: PageCall, overrides: Partial<CosSettings> = {}): Promise<Extract<PageResult, { ok: true }>['data']> {
    const result = await inPage(call, overrides);
    if (!result.ok) throw new Error(`the page's SDK call failed: ${result.error.code} ${result.error.message}`);
    return result.data;
  }

  async function pageError(call: PageCall, overrides: Partial<CosSettings> = {}): Promise<Extract<PageResult, { ok: false }>['error']> {
    const result = await inPage(call, overrides);
    if (result.ok) throw new Error(`the page's SDK call succeeded: ${JSON.stringify(result.data.Response)}`);
    return result.error;
  }

  const admin = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${emulator.url}/_emulator${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });

  const createInPage = async (name: string): Promise<TemplateData> => {
    const data = await pageOk(bucketCall({ Method: 'POST', Key: 'template', Body: ocrBody(name), Headers: { 'Content-Type': 'application/xml' } }));
    return data.Response['Template'] as TemplateData;
  };

  describe('cos-js-sdk-v5 from another origin', () => {
    it('creates, describes, updates and deletes through the Domain option, reading RequestId', async () => {
      const created = await pageOk(
        bucketCall({ Method: 'POST', Key: 'template', Body: ocrBody('from-browser'), Headers: { 'Content-Type': 'application/xml' } }),
      );
      const template = created.Response['Template'] as TemplateData;
      expect(created.statusCode).toBe(200);
      // data.RequestId comes from the x-ci-request-id header: readable only through Access-Control-Expose-Headers.
      expect(created.RequestId).toBe(created.Response['RequestId']);
      expect(template).toMatchObject({ Name: 'from-browser', BucketId: DEFAULT_BUCKET });

      const described = await pageOk(bucketCall({ Method: 'GET', Key: 'template', Query: { name: 'from-browser' } }));
      expect(described.Response['TotalCount']).toBe('1');
      expect(described.RequestId).toBe(described.Response['RequestId']);

      const updated = await pageOk(
        bucketCall({ Method: 'PUT', Key: `template/${template.TemplateId}`, Body: ocrBody('from-browser-2', '<Type>general</Type><IsPdf>true</IsPdf>') }),
      );
      expect(updated.Response['Template']).toMatchObject({ TemplateId: template.TemplateId, Name: 'from-browser-2', ImageOCR: { IsPdf: 'true' } });

      // A browser DELETE: empty body, Content-Type text/plain.
      const deleted = await pageOk(bucketCall({ Method: 'DELETE', Key: `template/${template.TemplateId}` }));
      expect(deleted.Response['TemplateId']).toBe(template.TemplateId);
      expect(deleted.RequestId).toBe(deleted.Response['RequestId']);

      const gone = await pageOk(bucketCall({ Method: 'GET', Key: 'template', Query: { name: 'from-browser' } }));
      expect(gone.Response['TotalCount']).toBe('0');
    });

    it('calls through the Url option too, on the default bucket', async () => {
      const data = await pageOk({ Method: 'POST', Key: 'template', Url: `${emulator.url}/template`, Body: ocrBody('via-url') }, { Domain: '' });
      expect(data.Response['Template']).toMatchObject({ Name: 'via-url', BucketId: DEFAULT_BUCKET });
      expect(data.RequestId).toBe(data.Response['RequestId']);
    });

    it('hands a bad name to the page as err.code InvalidArgument', async () => {
      const error = await pageError(bucketCall({ Method: 'POST', Key: 'template', Body: ocrBody('bad name') }));
      expect(error.code).toBe('InvalidArgument');
      expect(error.statusCode).toBe(400);
      expect(error.message).toContain('Name');
    });

    it('lets a 503 fault of times: 4 reach the page, after the SDK retried it 3 times', async () => {
      expect((await admin('/requests', { method: 'DELETE' })).status).toBe(200);
      const armed = await admin('/faults', {
        method: 'POST',
        body: JSON.stringify({ match: { method: 'POST', path: '/template' }, status: 503, code: 'ServiceUnavailable', times: 4 }),
      });
      expect(armed.status).toBe(201);

      const error = await pageError(bucketCall({ Method: 'POST', Key: 'template', Body: ocrBody('never-created') }));
      expect(error).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });

      const journal = (await (await admin('/requests')).json()) as { requests: { method: string; status: number; code: string }[] };
      expect(journal.requests.map((entry) => `${entry.method} ${entry.status} ${entry.code}`)).toEqual(Array(4).fill('POST 503 ServiceUnavailable'));
      expect(((await (await admin('/faults')).json()) as { faults: unknown[] }).faults).toEqual([]);
    });

    it('hides a fault of times: 3 behind the retries', async () => {
      await admin('/faults', { method: 'POST', body: JSON.stringify({ match: { method: 'GET', path: '/template' }, times: 3 }) });
      const data = await pageOk(bucketCall({ Method: 'GET', Key: 'template' }));
      expect(data.statusCode).toBe(200);
    });
  });

  describe('the dashboard, in the same browser', () => {
    let dashboard: Page;

    beforeAll(async () => {
      dashboard = await context.newPage();
    });

    it('needs the admin token, which ?token= turns into a cookie and drops from the address', async () => {
      const refused = await dashboard.goto(`${emulator.url}/_emulator/`);
      expect(refused?.status()).toBe(401);
      const opened = await dashboard.goto(`${emulator.url}/_emulator/?token=${ADMIN_TOKEN}`);
      expect(opened?.status()).toBe(200);
      expect(dashboard.url()).toBe(`${emulator.url}/_emulator/`);
      const cookies = await context.cookies(`${emulator.url}/_emulator/`);
      expect(cookies.find((cookie) => cookie.name === 'cie_admin_token')).toMatchObject({
        value: ADMIN_TOKEN,
        httpOnly: true,
        sameSite: 'Strict',
        path: '/_emulator',
      });
    });

    it('shows a template created through the SDK and a refused signature with its StringToSign', async () => {
      const template = await createInPage('shown-on-dashboard');
      await createInPage('second-template');
      const refusal = await pageError(bucketCall({ Method: 'GET', Key: 'template' }), { SecretKey: 'NOT-THE-SECRET-KEY' });
      expect(refusal.code).toBe('SignatureDoesNotMatch');
      const stringToSign = refusal.error?.['StringToSign'] ?? '';
      expect(stringToSign).toMatch(/^sha1\n\d+;\d+\n[0-9a-f]{40}\n$/);

      await dashboard.goto(`${emulator.url}/_emulator/`);
      const row = dashboard.locator(`section.bucket[data-bucket="${DEFAULT_BUCKET}"] tr.template[data-template-id="${template.TemplateId}"]`);
      await expect(row.locator('td.name').textContent()).resolves.toBe('shown-on-dashboard');
      await expect(row.locator('dl.fields').first().textContent()).resolves.toContain('general');

      const refused = dashboard.locator('tr.entry[data-verdict="SignatureDoesNotMatch"]').first();
      await expect(refused.locator('.verdict').textContent()).resolves.toBe('SignatureDoesNotMatch');
      await expect(refused.textContent()).resolves.toContain(SECRET_ID);
      const shownStringToSign = await dashboard.locator('tr.entry[data-verdict="SignatureDoesNotMatch"] + tr.entry-details pre.sts').first().textContent();
      expect(shownStringToSign).toBe(stringToSign);
      const shownHttpString = await dashboard.locator('tr.entry[data-verdict="SignatureDoesNotMatch"] + tr.entry-details pre.fmt').first().textContent();
      expect(shownHttpString).toMatch(new RegExp(`^get\\n/template\\n.*\\nhost=${DEFAULT_BUCKET}.ci.${REGION}.localhost%3A${emulator.port}\\n$`));

      mkdirSync('test-output', { recursive: true });
      await dashboard.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it('adds a fault and clears the faults through their forms', async () => {
      await dashboard.goto(`${emulator.url}/_emulator/`);
      await dashboard.selectOption('.fault-form select[name="method"]', 'DELETE');
      await dashboard.fill('.fault-form input[name="path"]', '/template/*');
      await dashboard.fill('.fault-form input[name="status"]', '500');
      await dashboard.fill('.fault-form input[name="code"]', 'InternalError');
      await dashboard.fill('.fault-form input[name="times"]', '2');
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('.fault-form button')]);
      await expect(dashboard.locator('.notice').textContent()).resolves.toContain('500 InternalError for the next 2 DELETE requests to /template/*');
      await expect(dashboard.locator('tr.fault').textContent()).resolves.toContain('InternalError');
      const listed = (await (await admin('/faults')).json()) as { faults: unknown[] };
      expect(listed.faults).toMatchObject([{ match: { method: 'DELETE', path: '/template/*' }, status: 500, code: 'InternalError', times: 2 }]);

      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('form[action="/_emulator/faults/clear"] button')]);
      await expect(dashboard.locator('tr.fault').count()).resolves.toBe(0);
      expect(((await (await admin('/faults')).json()) as { faults: unknown[] }).faults).toEqual([]);
    });

    it('deletes one template through its Delete button', async () => {
      const template = await createInPage('to-delete');
      await dashboard.goto(`${emulator.url}/_emulator/`);
      const row = dashboard.locator(`tr.template[data-template-id="${template.TemplateId}"]`);
      await Promise.all([dashboard.waitForURL(/notice=/), row.locator('button').click()]);
      await expect(dashboard.locator(`tr.template[data-template-id="${template.TemplateId}"]`).count()).resolves.toBe(0);
      await expect(dashboard.locator('.notice').textContent()).resolves.toContain(`Deleted ${template.TemplateId}`);
    });

    it('empties the list with the reset form', async () => {
      await dashboard.goto(`${emulator.url}/_emulator/`);
      expect(await dashboard.locator('tr.template').count()).toBeGreaterThan(0);
      await Promise.all([dashboard.waitForURL(/notice=/), dashboard.click('form.reset-all button')]);
      await expect(dashboard.locator('tr.template').count()).resolves.toBe(0);
      await expect(dashboard.locator('#templates .empty').isVisible()).resolves.toBe(true);
      const described = await pageOk(bucketCall({ Method: 'GET', Key: 'template' }));
      expect(described.Response['TotalCount']).toBe('0');
    });
  });
});
