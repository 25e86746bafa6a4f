/**
 * Every answer the integration suite gets from our API (the api function through Hosting or
 * directly, and stripeWebhook) is recorded: method, path, status, content type and body. After the
 * suite, `npm test` checks each one against the OpenAPI document and checks coverage both ways
 * (scripts/lib/contract.ts). Installed for every integration test file by jest.config.js.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Recorded } from '../../../scripts/lib/contract';
import { emulatorPorts } from '../../../scripts/lib/paths';

const RECORDED_HEADERS = ['ratelimit-policy', 'ratelimit', 'retry-after', 'x-request-id', 'x-cache', 'allow'];
const dir = join(__dirname, '..', '..', '..', '.test-results', 'contract');
const records: Recorded[] = [];

/** The API path of a URL, or null when the URL is not our API. */
function apiPath(url: URL): string | null {
  const ports = emulatorPorts();
  const port = Number(url.port);
  if (port === ports.hosting) {
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return url.pathname.slice(4) || '/';
    if (url.pathname === '/stripe/webhook') return url.pathname;
    return null;
  }
  if (port === ports.functions) {
    const match = /^\/[^/]+\/[^/]+\/(api|stripeWebhook)(\/.*)?$/.exec(url.pathname);
    if (!match) return null;
    return match[1] === 'api' ? (match[2] ?? '/') : '/stripe/webhook';
  }
  return null;
}

const original = globalThis.fetch;
globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const res = await original(input, init);
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const path = apiPath(url);
  if (path !== null) {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const text = await res.clone().text();
    const headers: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    records.push({
      method,
      path,
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: text.length <= 4_000_000 ? text : null,
      headers,
      file: basename(expect.getState().testPath ?? 'unknown'),
    });
  }
  return res;
};

afterAll(() => {
  if (records.length === 0) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  records.length = 0;
});
