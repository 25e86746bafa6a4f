/**
 * A stateful local fake of the part of Stripe's REST API our billing code uses, so the real
 * `stripe` SDK (v23) runs against it offline over HTTP:
 *
 *   new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', apiVersion: '2026-10-28.endive',
 *                     maxNetworkRetries: 0, telemetry: false })
 *
 * It is a fake, not a mock: it speaks Stripe's wire protocol (form-encoded requests, Stripe's error
 * JSON and status codes, idempotency keys, `Stripe-Version`), keeps state, serves stand-ins for
 * the hosted Checkout and portal pages, and sends signed webhooks. A JSON control API under
 * `/_fake/` gives tests the knobs real Stripe lacks: complete a checkout, move a subscription to
 * past_due, advance the clock, hold/duplicate/reorder/tamper with webhook deliveries, and make the
 * next API calls fail. See README.md for the surface and its limits.
 *
 * Layout: wire.ts (protocol helpers), store.ts (state and billing rules), webhooks.ts (delivery),
 * pages.ts (HTML); this file is the HTTP layer: routing, auth, version check, idempotency, failure
 * injection, request counting and the control API. Handlers run synchronously between reading the
 * body and writing the response, so the single-threaded server needs no locks: concurrent requests
 * with one idempotency key see the first one's stored result.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import type { FakePriceConfig } from './constants';
import { checkoutPage, notFoundPage, PAGE_CSP, portalPage } from './pages';
import {
  SUBSCRIPTION_STATUSES,
  StripeStore,
  type InitialSubscriptionStatus,
  type SubscriptionStatus,
} from './store';
import {
  ApiError,
  applyExpand,
  canonicalJson,
  dig,
  invalidRequest,
  maskKey,
  noSuch,
  optBool,
  optInt,
  optMetadata,
  optString,
  optStringList,
  paginate,
  randomId,
  reqString,
  type Params,
} from './wire';
import { WebhookDispatcher, type BatchOptions, type ReleaseOrder, type WebhookEndpoint } from './webhooks';

export type { FakePriceConfig } from './constants';
export type { DeliveryKnobs, DeliveryRecord, WebhookEndpoint } from './webhooks';

export interface StripeFakeOptions {
  /** Port to listen on; 0 (the default) picks a free port. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** The secret key clients must send as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The API version clients must send (when they send `Stripe-Version`) and events carry. */
  apiVersion: string;
  /** Prices (and one product each) that exist from the start and survive `/_fake/reset`. */
  prices: readonly FakePriceConfig[];
  /** Webhook endpoints registered from the start (more via `POST /_fake/webhooks`). */
  webhooks?: readonly WebhookEndpoint[];
  /** Give up on a webhook delivery after this long (default 20 s; the Functions emulator can be slow to start). */
  webhookTimeoutMs?: number;
  log?: (msg: string) => void;
}

export interface StripeFake {
  /** Base URL, e.g. http://127.0.0.1:12111 (API under /v1, control API under /_fake). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

type FailureMode = 'error' | 'close' | 'hang';

interface FailureRule {
  method: string | null;
  path: string;
  remaining: number;
  status: number;
  mode: FailureMode;
}

interface IdempotencyRecord {
  method: string;
  path: string;
  canonical: string;
  status: number;
  body: string;
  requestId: string;
}

interface ApiContext {
  params: Params;
  /** The `:id` path segment, URL-decoded ('' when the route has none). */
  id: string;
}

interface ApiRoute {
  method: string;
  pattern: string;
  regex: RegExp;
  handler: (ctx: ApiContext) => unknown;
}

interface ControlContext {
  body: Record<string, unknown>;
  id: string;
  query: URLSearchParams;
}

interface ControlRoute {
  method: string;
  regex: RegExp;
  handler: (ctx: ControlContext) => unknown;
}

function compile(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// ---- control API body readers (JSON) ---------------------------------------------------------------

function ctlString(body: Record<string, unknown>, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === '') {
    if (required) throw invalidRequest(`Missing required field: ${key}.`, key, 'parameter_missing');
    return undefined;
  }
  if (typeof value !== 'string') throw invalidRequest(`${key} must be a string.`, key);
  return value;
}

function ctlInt(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidRequest(`${key} must be an integer from ${min} to ${max}.`, key);
  }
  return value;
}

function ctlBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(`${key} must be true or false.`, key);
  return value;
}

function ctlEnum<T extends string>(
  body: Record<string, unknown>,
  key: string,
  values: readonly T[],
): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  const found = values.find((candidate) => candidate === value);
  if (found === undefined) throw invalidRequest(`${key} must be one of: ${values.join(', ')}.`, key);
  return found;
}

/** Where the fake can be reached: a wildcard bind address is reached through loopback. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function createStripeFake(options: StripeFakeOptions): Promise<StripeFake> {
  if (options.apiKey === '') throw new Error('createStripeFake: apiKey must not be empty');
  if (options.apiVersion === '') throw new Error('createStripeFake: apiVersion must not be empty');
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const { apiKey, apiVersion } = options;

  const dispatcher = new WebhookDispatcher({
    log,
    onResult: (record) => store.recordDelivery(record.eventId, record.url, record.ok),
    timeoutMs: options.webhookTimeoutMs,
  });
  const store = new StripeStore({
    apiVersion,
    prices: options.prices,
    onEvent: (event) => dispatcher.enqueue(event),
    endpointCount: () => dispatcher.endpoints.length,
  });
  for (const endpoint of options.webhooks ?? []) addWebhook(endpoint.url, endpoint.secret);

  const idempotency = new Map<string, IdempotencyRecord>();
  let failures: FailureRule[] = [];
  const requestCounts = new Map<string, number>();

  function addWebhook(url: string, secret: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidRequest(`Invalid webhook URL: ${url}`, 'url');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw invalidRequest(`Webhook URL must be http(s): ${url}`, 'url');
    }
    if (secret === '') throw invalidRequest('Webhook secret must not be empty.', 'secret');
    const existing = dispatcher.endpoints.find((endpoint) => endpoint.url === url);
    if (existing !== undefined) existing.secret = secret;
    else dispatcher.endpoints.push({ url, secret });
  }

  // ---- Stripe API routes ------------------------------------------------------------------------

  const customerInput = (
    params: Params,
  ): {
    email?: string;
    name?: string;
    description?: string;
    phone?: string;
    metadata?: Record<string, string> | null;
  } => ({
    email: optString(params, 'email'),
    name: optString(params, 'name'),
    description: optString(params, 'description'),
    phone: optString(params, 'phone'),
    metadata: optMetadata(params, 'metadata'),
  });

  const subscriptionStatusFilter = (params: Params): string | undefined => {
    const status = optString(params, 'status');
    if (status === undefined || status === '') return undefined;
    const known: readonly string[] = [...SUBSCRIPTION_STATUSES, 'all', 'ended'];
    if (!known.includes(status))
      throw invalidRequest(`Invalid status: must be one of ${known.join(', ')}`, 'status');
    return status;
  };

  const createdFilter = (
    params: Params,
  ): { gt?: number; gte?: number; lt?: number; lte?: number } | undefined => {
    const value = dig(params, ['created']);
    if (value === undefined || value === '') return undefined;
    if (typeof value === 'string') {
      const exact = optInt(params, 'created');
      return exact === undefined ? undefined : { gte: exact, lte: exact };
    }
    return {
      gt: optInt(params, ['created', 'gt']),
      gte: optInt(params, ['created', 'gte']),
      lt: optInt(params, ['created', 'lt']),
      lte: optInt(params, ['created', 'lte']),
    };
  };

  const apiRoutes: ApiRoute[] = (
    [
      ['POST', '/v1/customers', ({ params }) => store.createCustomer(customerInput(params))],
      [
        'GET',
        '/v1/customers',
        ({ params }) =>
          paginate(
            store.listCustomers({ email: optString(params, 'email') || undefined }),
            params,
            '/v1/customers',
          ),
      ],
      ['GET', '/v1/customers/:id', ({ id }) => store.retrieveCustomer(id)],
      ['POST', '/v1/customers/:id', ({ id, params }) => store.updateCustomer(id, customerInput(params))],
      ['DELETE', '/v1/customers/:id', ({ id }) => store.deleteCustomer(id)],
      [
        'GET',
        '/v1/prices',
        ({ params }) =>
          paginate(
            store.listPrices({
              active: optBool(params, 'active'),
              product: optString(params, 'product') || undefined,
            }),
            params,
            '/v1/prices',
          ),
      ],
      ['GET', '/v1/prices/:id', ({ id }) => store.getPrice(id)],
      ['GET', '/v1/products/:id', ({ id }) => store.getProduct(id)],
      [
        'POST',
        '/v1/checkout/sessions',
        ({ params }) => {
          const mode = reqString(params, 'mode');
          if (mode !== 'subscription') {
            throw invalidRequest(`This fake supports only mode=subscription (got '${mode}').`, 'mode');
          }
          const customer = reqString(params, 'customer');
          const lineItems = dig(params, ['line_items']);
          if (Array.isArray(lineItems) && lineItems.length > 1) {
            throw invalidRequest('This fake supports exactly one line item.', 'line_items[1]');
          }
          const priceId = reqString(params, ['line_items', 0, 'price']);
          const quantity = optInt(params, ['line_items', 0, 'quantity'], { min: 1 }) ?? 1;
          const successUrl = reqString(params, 'success_url');
          const cancelUrl = reqString(params, 'cancel_url');
          return store.createCheckoutSession({
            customer,
            priceId,
            quantity,
            successUrl,
            cancelUrl,
            clientReferenceId: optString(params, 'client_reference_id'),
            metadata: optMetadata(params, 'metadata'),
            subscriptionMetadata: optMetadata(params, ['subscription_data', 'metadata']),
            trialPeriodDays: optInt(params, ['subscription_data', 'trial_period_days'], { min: 1, max: 730 }),
            allowPromotionCodes: optBool(params, 'allow_promotion_codes'),
          });
        },
      ],
      [
        'GET',
        '/v1/checkout/sessions',
        ({ params }) => {
          const status = optString(params, 'status') || undefined;
          if (status !== undefined && !['open', 'complete', 'expired'].includes(status)) {
            throw invalidRequest('Invalid status: must be one of open, complete, or expired', 'status');
          }
          return paginate(
            store.listSessions({
              customer: optString(params, 'customer') || undefined,
              status,
              subscription: optString(params, 'subscription') || undefined,
            }),
            params,
            '/v1/checkout/sessions',
          );
        },
      ],
      ['GET', '/v1/checkout/sessions/:id', ({ id }) => store.getSession(id)],
      [
        'POST',
        '/v1/billing_portal/sessions',
        ({ params }) =>
          store.createPortalSession(
            reqString(params, 'customer'),
            optString(params, 'return_url') || undefined,
          ),
      ],
      [
        'GET',
        '/v1/subscriptions',
        ({ params }) =>
          paginate(
            store.listSubscriptions({
              customer: optString(params, 'customer') || undefined,
              status: subscriptionStatusFilter(params),
              price: optString(params, 'price') || undefined,
            }),
            params,
            '/v1/subscriptions',
          ),
      ],
      [
        'POST',
        '/v1/subscriptions',
        ({ params }) => {
          const customer = reqString(params, 'customer');
          const items = dig(params, ['items']);
          if (Array.isArray(items) && items.length > 1) {
            throw invalidRequest('This fake supports exactly one subscription item.', 'items[1]');
          }
          const priceId = reqString(params, ['items', 0, 'price']);
          return store.createSubscription({
            customer,
            priceId,
            priceParam: 'items[0][price]',
            quantity: optInt(params, ['items', 0, 'quantity'], { min: 1 }),
            metadata: optMetadata(params, 'metadata'),
            trialDays: optInt(params, 'trial_period_days', { min: 0, max: 730 }),
          }).result;
        },
      ],
      ['GET', '/v1/subscriptions/:id', ({ id }) => store.getSubscription(id)],
      [
        'POST',
        '/v1/subscriptions/:id',
        ({ id, params }) => {
          const cancelAtText = optString(params, 'cancel_at');
          let cancelAt: number | 'max_period_end' | 'min_period_end' | null | undefined;
          if (cancelAtText === '') cancelAt = null;
          else if (cancelAtText === 'max_period_end' || cancelAtText === 'min_period_end')
            cancelAt = cancelAtText;
          else cancelAt = optInt(params, 'cancel_at', { min: 0 });
          return store.updateSubscription(id, {
            cancelAtPeriodEnd: optBool(params, 'cancel_at_period_end'),
            cancelAt,
            metadata: optMetadata(params, 'metadata'),
          });
        },
      ],
      ['DELETE', '/v1/subscriptions/:id', ({ id }) => store.cancelSubscription(id).result],
      [
        'GET',
        '/v1/invoices',
        ({ params }) =>
          paginate(
            store.listInvoices({
              customer: optString(params, 'customer') || undefined,
              subscription: optString(params, 'subscription') || undefined,
              status: optString(params, 'status') || undefined,
            }),
            params,
            '/v1/invoices',
          ),
      ],
      ['GET', '/v1/invoices/:id', ({ id }) => store.getInvoice(id)],
      [
        'GET',
        '/v1/events',
        ({ params }) => {
          const types = optStringList(params, 'types');
          if (types !== undefined && types.length > 20) {
            throw invalidRequest('types can contain at most 20 entries.', 'types');
          }
          if (types !== undefined && optString(params, 'type') !== undefined) {
            throw invalidRequest('You may only specify one of these parameters: type, types.', 'types');
          }
          return paginate(
            store.listEvents({
              type: optString(params, 'type') || undefined,
              types,
              created: createdFilter(params),
              deliverySuccess: optBool(params, 'delivery_success'),
            }),
            params,
            '/v1/events',
          );
        },
      ],
      ['GET', '/v1/events/:id', ({ id }) => store.getEvent(id)],
    ] as const satisfies readonly (readonly [string, string, (ctx: ApiContext) => unknown])[]
  ).map(([method, pattern, handler]) => ({ method, pattern, regex: compile(pattern), handler }));

  function matchApiRoute(method: string, path: string): { route: ApiRoute; id: string } | null {
    for (const route of apiRoutes) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (match !== null) return { route, id: decodeURIComponent(match[1] ?? '') };
    }
    return null;
  }

  /** The route pattern for request counting (`GET /v1/customers/:id`), or the raw path. */
  function routeKey(method: string, path: string): string {
    for (const route of apiRoutes) {
      if (route.method === method && route.regex.test(path)) return `${method} ${route.pattern}`;
    }
    return `${method} ${path}`;
  }

  function takeFailure(method: string, path: string): FailureRule | null {
    const rule = failures.find(
      (candidate) =>
        (candidate.method === null || candidate.method === method) && path.startsWith(candidate.path),
    );
    if (rule === undefined) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) failures = failures.filter((candidate) => candidate !== rule);
    return rule;
  }

  function authError(header: string | undefined): ApiError | null {
    if (header === undefined || header.trim() === '') {
      return new ApiError(
        401,
        'invalid_request_error',
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    let key = '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header.trim());
    const basic = /^Basic\s+(.+)$/i.exec(header.trim());
    if (bearer?.[1] !== undefined) key = bearer[1].trim();
    else if (basic?.[1] !== undefined)
      key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '';
    if (key === apiKey) return null;
    return new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${maskKey(key)}`);
  }

  // ---- HTTP plumbing --------------------------------------------------------------------------

  function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        if (tooLarge) return;
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          // Keep draining so the 413 can still be written; the connection closes after it.
          tooLarge = true;
          chunks.length = 0;
          reject(
            new ApiError(413, 'invalid_request_error', `Request body larger than ${MAX_BODY_BYTES} bytes.`),
          );
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (!tooLarge) resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', reject);
    });
  }

  function sendText(
    res: http.ServerResponse,
    status: number,
    text: string,
    headers: http.OutgoingHttpHeaders,
    contentType = 'application/json',
  ): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sendJson(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ): void {
    sendText(res, status, JSON.stringify(body, null, 2), headers);
  }

  function sendHtml(res: http.ServerResponse, status: number, html: string): void {
    sendText(
      res,
      status,
      html,
      { 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store' },
      'text/html; charset=utf-8',
    );
  }

  function redirect(res: http.ServerResponse, location: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(303, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
    res.end();
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const requestId = randomId('req_', 14);
    const headers: http.OutgoingHttpHeaders = { 'Stripe-Version': apiVersion, 'Request-Id': requestId };
    const key = routeKey(method, path);
    requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
    const raw = await readBody(req);

    const failure = takeFailure(method, path);
    if (failure !== null) {
      log(`${method} ${path} → injected ${failure.mode}`);
      if (failure.mode === 'close') {
        req.socket.destroy();
      } else if (failure.mode === 'error') {
        const error = new ApiError(failure.status, 'api_error', 'An unknown error occurred (injected)');
        sendJson(res, failure.status, error.toBody(), headers);
      }
      // 'hang': never answer; the client times out (close() still tears the socket down).
      return;
    }

    const respondError = (error: ApiError): void => {
      log(`${method} ${path} → ${error.status} ${error.message}`);
      sendJson(res, error.status, error.toBody(), headers);
    };
    const auth = authError(headerText(req.headers.authorization));
    if (auth !== null) return respondError(auth);
    const version = headerText(req.headers['stripe-version']);
    if (version !== undefined && version !== apiVersion) {
      return respondError(
        invalidRequest(
          `This fake speaks only API version ${apiVersion}; got ${version}`,
          undefined,
          'api_version_invalid',
        ),
      );
    }
    const match = matchApiRoute(method, path);
    if (match === null) {
      return respondError(
        invalidRequest(
          `Unrecognized request URL (${method}: ${path}). The Stripe fake implements only the endpoints in scripts/stripe-fake/README.md.`,
          undefined,
          undefined,
          404,
        ),
      );
    }

    const queryText = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const params: Params = qs.parse(method === 'POST' ? raw : queryText, { arrayLimit: 1000, depth: 10 });

    const idempotencyKey =
      method === 'POST' || method === 'DELETE' ? headerText(req.headers['idempotency-key']) : undefined;
    const canonical = canonicalJson(params);
    if (idempotencyKey !== undefined && idempotencyKey !== '') {
      const stored = idempotency.get(idempotencyKey);
      if (stored !== undefined) {
        if (stored.method !== method || stored.path !== path || stored.canonical !== canonical) {
          return respondError(
            new ApiError(
              400,
              'idempotency_error',
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            ),
          );
        }
        log(`${method} ${path} → ${stored.status} (idempotent replay)`);
        sendText(res, stored.status, stored.body, {
          ...headers,
          'Idempotency-Key': idempotencyKey,
          'Idempotent-Replayed': 'true',
          'Original-Request': stored.requestId,
        });
        return;
      }
    }

    let status = 200;
    let body: unknown;
    try {
      body = store.withRequest({ id: requestId, idempotency_key: idempotencyKey ?? null }, () =>
        match.route.handler({ params, id: match.id }),
      );
      const expand = optStringList(params, 'expand');
      if (expand !== undefined) {
        body = structuredClone(body);
        applyExpand(body, expand, (id) => store.resolve(id));
      }
    } catch (err) {
      const error =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'api_error', `Internal error in the Stripe fake: ${errorMessage(err)}`);
      if (!(err instanceof ApiError))
        log(`${method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      status = error.status;
      body = error.toBody();
    }
    const text = JSON.stringify(body, null, 2);
    // Like Stripe, keep results of requests that ran (success or server error), not of rejected input.
    if (idempotencyKey !== undefined && idempotencyKey !== '' && (status < 400 || status >= 500)) {
      idempotency.set(idempotencyKey, { method, path, canonical, status, body: text, requestId });
    }
    log(`${method} ${path} → ${status}`);
    sendText(
      res,
      status,
      text,
      idempotencyKey === undefined ? headers : { ...headers, 'Idempotency-Key': idempotencyKey },
    );
  }

  // ---- control API ----------------------------------------------------------------------------

  const endpointList = (): { webhooks: WebhookEndpoint[] } => ({
    webhooks: dispatcher.endpoints.map((endpoint) => ({ ...endpoint })),
  });

  const deliveryState = (): Record<string, unknown> => ({ ...dispatcher.knobs, held: dispatcher.heldCount });

  const controlRoutes: ControlRoute[] = (
    [
      [
        'GET',
        '/_fake/state',
        () => ({
          ...store.snapshot(),
          prices: store.listPrices({}),
          webhooks: endpointList().webhooks,
          delivery: deliveryState(),
          deliveries: dispatcher.records.length,
          failures,
          requests: Object.fromEntries(requestCounts),
        }),
      ],
      [
        'POST',
        '/_fake/reset',
        () => {
          store.reset();
          dispatcher.reset();
          idempotency.clear();
          failures = [];
          requestCounts.clear();
          return { ok: true };
        },
      ],
      ['GET', '/_fake/clock', () => ({ now: store.now(), offsetSeconds: store.clockOffsetSeconds })],
      [
        'POST',
        '/_fake/clock',
        ({ body }) => {
          const seconds = ctlInt(body, 'advanceSeconds', 0);
          if (seconds === undefined)
            throw invalidRequest('Missing required field: advanceSeconds.', 'advanceSeconds');
          const { result, events } = store.advanceClock(seconds);
          return { ...result, events };
        },
      ],
      ['GET', '/_fake/webhooks', endpointList],
      [
        'POST',
        '/_fake/webhooks',
        ({ body }) => {
          addWebhook(ctlString(body, 'url', true) ?? '', ctlString(body, 'secret', true) ?? '');
          return endpointList();
        },
      ],
      [
        'DELETE',
        '/_fake/webhooks',
        () => {
          dispatcher.endpoints = [];
          return endpointList();
        },
      ],
      ['GET', '/_fake/delivery', deliveryState],
      [
        'POST',
        '/_fake/delivery',
        ({ body }) => {
          const knobs = dispatcher.knobs;
          knobs.mode = ctlEnum(body, 'mode', ['immediate', 'hold'] as const) ?? knobs.mode;
          knobs.duplicate = ctlInt(body, 'duplicate', 1, 100) ?? knobs.duplicate;
          knobs.concurrent = ctlBool(body, 'concurrent') ?? knobs.concurrent;
          knobs.delayMs = ctlInt(body, 'delayMs', 0, 60_000) ?? knobs.delayMs;
          return deliveryState();
        },
      ],
      [
        'POST',
        '/_fake/delivery/release',
        async ({ body }) => ({
          deliveries: await dispatcher.release({
            order: ctlEnum<ReleaseOrder>(body, 'order', ['asis', 'reverse', 'shuffle']) ?? 'asis',
            duplicate: ctlInt(body, 'duplicate', 1, 100),
            concurrent: ctlBool(body, 'concurrent'),
          }),
        }),
      ],
      [
        'POST',
        '/_fake/delivery/flush',
        async () => {
          await dispatcher.flush();
          return { deliveries: dispatcher.records };
        },
      ],
      [
        'GET',
        '/_fake/deliveries',
        ({ query }) => {
          const eventId = query.get('eventId');
          return {
            deliveries:
              eventId === null
                ? dispatcher.records
                : dispatcher.records.filter((record) => record.eventId === eventId),
          };
        },
      ],
      [
        'POST',
        '/_fake/events/:id/deliver',
        async ({ body, id }) => {
          const event = store.findEvent(id);
          if (event === undefined) throw noSuch('event', id, 'id');
          const signature = body.signature;
          if (signature !== undefined && signature !== null && typeof signature !== 'string') {
            throw invalidRequest('signature must be a string or null.', 'signature');
          }
          const rawBody = body.body;
          if (rawBody !== undefined && typeof rawBody !== 'string')
            throw invalidRequest('body must be a string.', 'body');
          const batch: BatchOptions = {
            times: ctlInt(body, 'times', 1, 100) ?? 1,
            concurrent: ctlBool(body, 'concurrent') ?? false,
            timestamp: ctlInt(body, 'timestamp', 1),
            secret: ctlString(body, 'secret'),
            body: rawBody,
            signature,
          };
          return { deliveries: await dispatcher.deliverNow(event, batch) };
        },
      ],
      ['GET', '/_fake/failures', () => ({ failures })],
      [
        'POST',
        '/_fake/failures',
        ({ body }) => {
          const path = ctlString(body, 'path', true) ?? '';
          if (!path.startsWith('/'))
            throw invalidRequest('path must start with /, e.g. /v1/customers.', 'path');
          const count = ctlInt(body, 'count', 1);
          if (count === undefined) throw invalidRequest('Missing required field: count.', 'count');
          failures.push({
            method: ctlString(body, 'method')?.toUpperCase() ?? null,
            path,
            remaining: count,
            status: ctlInt(body, 'status', 400, 599) ?? 500,
            mode: ctlEnum<FailureMode>(body, 'mode', ['error', 'close', 'hang']) ?? 'error',
          });
          return { failures };
        },
      ],
      [
        'DELETE',
        '/_fake/failures',
        () => {
          failures = [];
          return { failures };
        },
      ],
      [
        'POST',
        '/_fake/checkout/:id/complete',
        ({ body, id }) => {
          const { result, events } = store.completeSession(id, ctlInt(body, 'trialDays', 0, 730));
          return { ...result, events };
        },
      ],
      [
        'POST',
        '/_fake/subscriptions',
        ({ body }) => {
          const { result, events } = store.createSubscription({
            customer: ctlString(body, 'customer', true) ?? '',
            priceId: ctlString(body, 'price', true) ?? '',
            quantity: ctlInt(body, 'quantity', 1),
            status: ctlEnum<InitialSubscriptionStatus>(body, 'status', [
              'active',
              'trialing',
              'past_due',
              'incomplete',
            ]),
            trialDays: ctlInt(body, 'trialDays', 0, 730),
            metadata:
              body.metadata === undefined ? undefined : optMetadata({ metadata: body.metadata }, 'metadata'),
          });
          return { subscription: result, events };
        },
      ],
      [
        'POST',
        '/_fake/subscriptions/:id/status',
        ({ body, id }) => {
          const status = ctlEnum<SubscriptionStatus>(body, 'status', SUBSCRIPTION_STATUSES);
          if (status === undefined) throw invalidRequest('Missing required field: status.', 'status');
          const { result, events } = store.setSubscriptionStatus(id, status);
          return { subscription: result, events };
        },
      ],
    ] as const satisfies readonly (readonly [string, string, (ctx: ControlContext) => unknown])[]
  ).map(([method, pattern, handler]) => ({ method, regex: compile(pattern), handler }));

  async function handleControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    try {
      let body: Record<string, unknown> = {};
      if (raw.trim() !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch (err) {
          throw invalidRequest(`Invalid JSON body: ${errorMessage(err)}`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw invalidRequest('The body must be a JSON object.');
        }
        body = parsed as Record<string, unknown>;
      }
      for (const route of controlRoutes) {
        if (route.method !== method) continue;
        const match = route.regex.exec(url.pathname);
        if (match === null) continue;
        const id = decodeURIComponent(match[1] ?? '');
        const result = await route.handler({ body, id, query: url.searchParams });
        sendJson(res, 200, result);
        return;
      }
      throw invalidRequest(
        `No control route ${method} ${url.pathname} (see README.md).`,
        undefined,
        undefined,
        404,
      );
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendJson(res, err.status, err.toBody());
    }
  }

  // ---- hosted pages ---------------------------------------------------------------------------

  async function handlePage(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    await readBody(req);
    const segments = url.pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map(decodeURIComponent);
    const [kind, id = '', action, subId] = segments;

    if (kind === 'checkout') {
      const found = store.findSession(id);
      if (found === undefined) return sendHtml(res, 404, notFoundPage(`No such checkout session: ${id}`));
      const { session, price, quantity, trialPeriodDays } = found;
      if (method === 'GET' && action === undefined) {
        const customer = store.findCustomer(session.customer);
        return sendHtml(
          res,
          200,
          checkoutPage({
            sessionId: session.id,
            status: session.status,
            productName: store.priceName(price),
            unitAmount: price.unit_amount,
            quantity,
            currency: price.currency,
            customerEmail: customer?.email ?? null,
            cancelUrl: session.cancel_url,
            trialDays: trialPeriodDays,
          }),
        );
      }
      if (method === 'POST' && action === 'pay' && segments.length === 3) {
        try {
          store.completeSession(id);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          return sendHtml(res, 409, notFoundPage(err.message));
        }
        log(`checkout ${id} paid on the hosted page`);
        return redirect(res, session.success_url.split('{CHECKOUT_SESSION_ID}').join(session.id));
      }
    }

    if (kind === 'portal') {
      const portal = store.findPortalSession(id);
      if (portal === undefined) return sendHtml(res, 404, notFoundPage(`No such portal session: ${id}`));
      if (method === 'GET' && action === undefined) {
        const customer = store.findCustomer(portal.customer);
        const subscriptions = store
          .listSubscriptions({ customer: portal.customer })
          .reverse()
          .flatMap((subscription) => {
            const item = subscription.items.data[0];
            return item === undefined
              ? []
              : [
                  {
                    id: subscription.id,
                    productName: store.priceName(item.price),
                    status: subscription.status,
                    unitAmount: item.price.unit_amount * item.quantity,
                    currency: item.price.currency,
                    currentPeriodEnd: item.current_period_end,
                    cancelAtPeriodEnd: subscription.cancel_at_period_end,
                  },
                ];
          });
        return sendHtml(
          res,
          200,
          portalPage({
            sessionId: portal.id,
            customerEmail: customer?.email ?? null,
            returnUrl: portal.return_url,
            subscriptions,
          }),
        );
      }
      if (method === 'POST' && action === 'cancel' && subId !== undefined && segments.length === 4) {
        const subscription = store
          .listSubscriptions({ customer: portal.customer })
          .find((s) => s.id === subId);
        if (subscription === undefined) {
          return sendHtml(res, 404, notFoundPage(`No cancellable subscription ${subId} for this customer`));
        }
        store.cancelSubscription(subId);
        log(`subscription ${subId} canceled in the portal`);
        return redirect(res, `/portal/${encodeURIComponent(portal.id)}`);
      }
    }
    sendHtml(res, 404, notFoundPage(`${method} ${url.pathname}`));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stripe-fake.local');
    const path = url.pathname;
    if (path.startsWith('/v1/')) return handleApi(req, res, url);
    if (path.startsWith('/_fake/')) return handleControl(req, res, url);
    if (path.startsWith('/checkout/') || path.startsWith('/portal/')) return handlePage(req, res, url);
    req.resume();
    if (path === '/' && req.method === 'GET') {
      return sendJson(res, 200, {
        name: 'stripe-fake',
        apiVersion,
        api: `${baseUrl}/v1`,
        control: `${baseUrl}/_fake`,
        docs: 'scripts/stripe-fake/README.md',
      });
    }
    sendJson(res, 404, invalidRequest(`Unrecognized request URL (${req.method ?? ''}: ${path}).`).toBody());
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'api_error', `Internal error in the Stripe fake: ${errorMessage(err)}`);
      if (!(err instanceof ApiError))
        log(`request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendJson(res, error.status, error.toBody(), {
        'Stripe-Version': apiVersion,
        'Request-Id': randomId('req_', 14),
        Connection: 'close',
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${publicHost(host)}:${port}`;
  store.baseUrl = baseUrl;
  log(`listening on ${baseUrl}`);

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    // Deliveries still in flight finish on their own (they time out) but no longer record.
    dispatcher.reset();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };

  return {
    url: baseUrl,
    port,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
