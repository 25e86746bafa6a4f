/**
 * Drives the Stripe fake with the real stripe SDK (v23) over HTTP, and receives its webhooks on a
 * local HTTP server that verifies them with the SDK's own `webhooks.constructEvent`. No mocks: if
 * these pass, the billing code's SDK calls and webhook verification work against the fake.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { runStripeCli } from './cli';
import { DEFAULT_PRICES, STRIPE_API_VERSION } from './constants';
import { createStripeFake, type DeliveryRecord, type StripeFake } from './server';

jest.setTimeout(20_000);

const API_KEY = 'sk_test_jest_key_0123456789';
const SECRET = 'whsec_jest_secret';
const DAY = 86_400;
const SUCCESS_URL = 'http://app.test/account/billing/success?session_id={CHECKOUT_SESSION_ID}';
const CANCEL_URL = 'http://app.test/account';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Transition {
  subscription: Stripe.Subscription;
  events: string[];
}

interface Completed extends Transition {
  session: Stripe.Checkout.Session;
}

/** A control API answer: the expected payload, or Stripe's error shape. */
type ControlJson = Record<string, unknown> & { error?: { type: string; message: string } };

interface Deliveries {
  deliveries: DeliveryRecord[];
}

interface FakeState {
  customers: (Stripe.Customer & { deleted?: true })[];
  subscriptions: Stripe.Subscription[];
  sessions: Stripe.Checkout.Session[];
  events: number;
  requests: Record<string, number>;
}

let fake: StripeFake;
let stripe: Stripe;
let receiver: http.Server;
let receiverUrl = '';
const received: Received[] = [];

function sdk(apiKey = API_KEY): Stripe {
  return new Stripe(apiKey, {
    host: '127.0.0.1',
    port: fake.port,
    protocol: 'http',
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** Calls the control API; throws on a non-2xx answer. */
async function ctl<T = Record<string, unknown>>(path: string, body?: unknown, method = 'POST'): Promise<T> {
  const { status, json } = await ctlRaw(path, body, method);
  if (status >= 300) throw new Error(`${method} ${path} → ${status}: ${JSON.stringify(json)}`);
  return json as T;
}

async function ctlRaw(
  path: string,
  body?: unknown,
  method = 'POST',
): Promise<{ status: number; json: ControlJson }> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as ControlJson };
}

const state = (): Promise<FakeState> => ctl<FakeState>('/_fake/state', undefined, 'GET');
const flush = (): Promise<Deliveries> => ctl<Deliveries>('/_fake/delivery/flush');

/** Verifies a received webhook exactly as the app's stripeWebhook does. */
function verify(delivery: Received | undefined, tolerance = 300): Stripe.Event {
  if (delivery === undefined) throw new Error('no delivery');
  return stripe.webhooks.constructEvent(
    delivery.body,
    delivery.headers['stripe-signature'] ?? '',
    SECRET,
    tolerance,
  );
}

async function receivedTypes(): Promise<string[]> {
  await flush();
  return received.map((delivery) => verify(delivery).type);
}

async function newCustomer(email = 'fan@example.com'): Promise<Stripe.Customer> {
  return stripe.customers.create({ email, metadata: { firebaseUID: 'uid-1' } });
}

async function newSession(customer: string, price = 'price_pro_monthly'): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    client_reference_id: 'uid-1',
    line_items: [{ price, quantity: 1 }],
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    metadata: { firebaseUID: 'uid-1' },
    subscription_data: { metadata: { firebaseUID: 'uid-1' } },
  });
}

async function newSubscription(customer: string, status = 'active'): Promise<Stripe.Subscription> {
  return (await ctl<Transition>('/_fake/subscriptions', { customer, price: 'price_pro_monthly', status }))
    .subscription;
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  fake = await createStripeFake({
    port: 0,
    apiKey: API_KEY,
    apiVersion: STRIPE_API_VERSION,
    prices: DEFAULT_PRICES,
  });
  stripe = sdk();
});

beforeEach(async () => {
  await ctl('/_fake/reset');
  await ctl('/_fake/webhooks', undefined, 'DELETE');
  await ctl('/_fake/webhooks', { url: `${receiverUrl}/hook`, secret: SECRET });
  received.length = 0;
});

afterEach(async () => {
  await flush();
});

afterAll(async () => {
  await fake.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('customers', () => {
  it('creates, retrieves, updates (metadata merge), lists by email and deletes', async () => {
    const created = await newCustomer('a@example.com');
    expect(created).toMatchObject({
      object: 'customer',
      email: 'a@example.com',
      metadata: { firebaseUID: 'uid-1' },
      livemode: false,
    });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{24}$/);
    expect(await stripe.customers.retrieve(created.id)).toMatchObject({
      id: created.id,
      email: 'a@example.com',
    });

    const updated = await stripe.customers.update(created.id, {
      name: 'A Fan',
      metadata: { firebaseUID: '', plan: 'pro' },
    });
    expect(updated.name).toBe('A Fan');
    expect(updated.metadata).toEqual({ plan: 'pro' });

    const other = await newCustomer('b@example.com');
    const listed = await stripe.customers.list({ email: 'a@example.com' });
    expect(listed).toMatchObject({ object: 'list', has_more: false, url: '/v1/customers' });
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    expect((await stripe.customers.list()).data.map((c) => c.id)).toEqual([other.id, created.id]);

    expect(await stripe.customers.del(created.id)).toEqual({
      id: created.id,
      object: 'customer',
      deleted: true,
    });
    expect(await stripe.customers.retrieve(created.id)).toEqual({
      id: created.id,
      object: 'customer',
      deleted: true,
    });
    expect((await stripe.customers.list({ email: 'a@example.com' })).data).toEqual([]);
    expect(await receivedTypes()).toEqual([
      'customer.created',
      'customer.updated',
      'customer.created',
      'customer.deleted',
    ]);
    const update = verify(received[1]);
    expect(update.data.previous_attributes).toMatchObject({ name: null, metadata: { firebaseUID: 'uid-1' } });
  });

  it('refuses a wrong API key with 401 and does not echo the key', async () => {
    const err = await sdk('sk_test_wrong_key_0123456789')
      .customers.list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(401);
    expect((err as Error).message).toMatch(/^Invalid API Key provided: sk_test_\*+6789$/);
    expect((await state()).requests['GET /v1/customers']).toBe(1);
  });

  it('answers a missing object with 404 resource_missing (StripeInvalidRequestError)', async () => {
    const err = await stripe.customers.retrieve('cus_missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_missing'",
    });
    expect((err as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
  });

  it('refuses another Stripe-Version and unknown routes; every answer has Stripe-Version and Request-Id', async () => {
    const wrong = await fetch(`${fake.url}/v1/customers`, {
      headers: { authorization: `Bearer ${API_KEY}`, 'stripe-version': '2020-08-27' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('stripe-version')).toBe(STRIPE_API_VERSION);
    expect(wrong.headers.get('request-id')).toMatch(/^req_/);
    expect(await wrong.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'api_version_invalid',
        doc_url: expect.any(String),
        message: `This fake speaks only API version ${STRIPE_API_VERSION}; got 2020-08-27`,
      },
    });
    const unknown = await stripe.rawRequest('GET', '/v1/charges', {}).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((unknown as Stripe.errors.StripeError).statusCode).toBe(404);
  });

  it('replays a repeated idempotency key and refuses it with other params', async () => {
    const first = await stripe.customers.create(
      { email: 'i@example.com', metadata: { firebaseUID: 'u1' } },
      { idempotencyKey: 'customer:u1' },
    );
    const again = await stripe.customers.create(
      { email: 'i@example.com', metadata: { firebaseUID: 'u1' } },
      { idempotencyKey: 'customer:u1' },
    );
    expect(again.id).toBe(first.id);

    const raw = await fetch(`${fake.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': 'customer:u1',
      },
      body: 'metadata[firebaseUID]=u1&email=i%40example.com',
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('idempotent-replayed')).toBe('true');
    expect(((await raw.json()) as { id: string }).id).toBe(first.id);

    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () =>
        stripe.customers.create({ email: 'c@example.com' }, { idempotencyKey: 'k-c' }),
      ),
    );
    expect(new Set(concurrent.map((c) => c.id)).size).toBe(1);

    const changed = await stripe.customers
      .create({ email: 'other@example.com' }, { idempotencyKey: 'customer:u1' })
      .catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((changed as Error).message).toMatch(
      /^Keys for idempotent requests can only be used with the same parameters/,
    );

    const snapshot = await state();
    expect(snapshot.customers).toHaveLength(2);
    expect(snapshot.requests['POST /v1/customers']).toBe(9);
    expect(await receivedTypes()).toEqual(['customer.created', 'customer.created']);
  });
});

describe('checkout', () => {
  it('validates session params the way Stripe does', async () => {
    const customer = await newCustomer();
    const base = {
      mode: 'subscription' as const,
      customer: customer.id,
      success_url: SUCCESS_URL,
      cancel_url: CANCEL_URL,
    };
    const failures = await Promise.all([
      stripe.checkout.sessions.create({ ...base, line_items: [{ quantity: 1 }] }).catch((e: unknown) => e),
      stripe.checkout.sessions
        .create({ ...base, line_items: [{ price: 'price_nope' }] })
        .catch((e: unknown) => e),
      stripe.checkout.sessions
        .create({ ...base, customer: 'cus_nope', line_items: [{ price: 'price_pro_monthly' }] })
        .catch((e: unknown) => e),
      stripe.checkout.sessions
        .create({ ...base, success_url: undefined, line_items: [{ price: 'price_pro_monthly' }] })
        .catch((e: unknown) => e),
      stripe.checkout.sessions
        .create({ ...base, mode: 'payment', line_items: [{ price: 'price_pro_monthly' }] })
        .catch((e: unknown) => e),
    ]);
    for (const err of failures) {
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect((err as Stripe.errors.StripeError).statusCode).toBe(400);
    }
    expect(failures.map((err) => (err as Stripe.errors.StripeError).param)).toEqual([
      'line_items[0][price]',
      'line_items[0][price]',
      'customer',
      'success_url',
      'mode',
    ]);
    expect(failures[0]).toMatchObject({ message: 'Missing required param: line_items[0][price].' });
    expect(failures[1]).toMatchObject({ code: 'resource_missing', message: "No such price: 'price_nope'" });
    expect((await state()).sessions).toEqual([]);
  });

  it('completes a session into an active subscription and delivers signed events in order', async () => {
    const customer = await newCustomer();
    const session = await newSession(customer.id, 'price_elite_monthly');
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      subscription: null,
      customer: customer.id,
      client_reference_id: 'uid-1',
      url: `${fake.url}/checkout/${session.id}`,
      expires_at: session.created + DAY,
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{24}$/);
    expect(
      (await stripe.checkout.sessions.list({ customer: customer.id, status: 'open' })).data,
    ).toHaveLength(1);

    const done = await ctl<Completed>(`/_fake/checkout/${session.id}/complete`);
    const sub = await stripe.subscriptions.retrieve(done.subscription.id, { expand: ['latest_invoice'] });
    const item = sub.items.data[0]!;
    expect(sub).toMatchObject({
      status: 'active',
      customer: customer.id,
      metadata: { firebaseUID: 'uid-1' },
    });
    expect(item.price).toMatchObject({
      id: 'price_elite_monthly',
      unit_amount: 4000,
      metadata: { tier: 'elite' },
    });
    expect(item.current_period_end - item.current_period_start).toBe(30 * DAY);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'paid',
      amount_paid: 4000,
      customer: customer.id,
    });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      subscription: sub.id,
      url: null,
    });

    await flush();
    const events = received.map((delivery) => verify(delivery));
    expect(events.map((event) => event.type)).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    expect(done.events).toEqual(events.slice(1).map((event) => event.id));
    expect(events[0]!.request?.id).toMatch(/^req_/);
    expect(events[4]!.request).toEqual({ id: null, idempotency_key: null });
    expect((events[4]!.data.object as Stripe.Checkout.Session).subscription).toBe(sub.id);
    expect(events.every((event) => event.api_version === STRIPE_API_VERSION && !event.livemode)).toBe(true);
    expect(received[0]!.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    });
    expect(received[0]!.body).toBe(JSON.stringify(JSON.parse(received[0]!.body), null, 2));
  });

  it('starts a trial from subscription_data[trial_period_days]', async () => {
    const customer = await newCustomer();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly' }],
      success_url: SUCCESS_URL,
      cancel_url: CANCEL_URL,
      subscription_data: { trial_period_days: 7 },
    });
    const done = await ctl<Completed>(`/_fake/checkout/${session.id}/complete`);
    expect(done.session.payment_status).toBe('no_payment_required');
    expect(done.subscription).toMatchObject({ status: 'trialing' });
    expect(done.subscription.trial_end! - done.subscription.trial_start!).toBe(7 * DAY);
    expect(done.subscription.items.data[0]!.current_period_end).toBe(done.subscription.trial_end);
    expect(await stripe.invoices.retrieve(done.subscription.latest_invoice as string)).toMatchObject({
      amount_paid: 0,
      status: 'paid',
    });
  });

  it('serves a hosted checkout page whose Pay button completes the session and redirects', async () => {
    const customer = await newCustomer();
    const session = await newSession(customer.id);
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<main>');
    expect(html).toMatch(/<h1>Subscribe to AI Sports Edge Pro<\/h1>/);
    expect(html).toContain('$15.00 per month');
    expect(html).toContain(`<form method="post" action="/checkout/${session.id}/pay">`);
    expect(html).toContain('<button type="submit">Pay</button>');
    expect(html).toContain(`href="${CANCEL_URL}"`);
    expect(html).not.toMatch(/<script|src=|<link/);

    const pay = await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(
      `http://app.test/account/billing/success?session_id=${session.id}`,
    );
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete' });
    const twice = await fetch(`${fake.url}/checkout/${session.id}/pay`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(twice.status).toBe(409);
    expect((await state()).subscriptions).toHaveLength(1);
  });

  it('serves a billing portal that lists and cancels subscriptions', async () => {
    const customer = await newCustomer();
    const sub = await newSubscription(customer.id);
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: CANCEL_URL,
    });
    expect(portal).toMatchObject({
      object: 'billing_portal.session',
      customer: customer.id,
      livemode: false,
    });
    expect(portal.url).toBe(`${fake.url}/portal/${portal.id}`);
    const html = await (await fetch(portal.url)).text();
    expect(html).toContain('<button type="submit">Cancel AI Sports Edge Pro</button>');
    expect(html).toContain(`<a href="${CANCEL_URL}">Return</a>`);

    const cancel = await fetch(`${fake.url}/portal/${portal.id}/cancel/${sub.id}`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe(`/portal/${portal.id}`);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled' });
    expect(await (await fetch(portal.url)).text()).toContain('You have no active subscriptions.');
  });
});

describe('subscriptions', () => {
  it('moves through past_due, back to active, then canceled, with the billing events', async () => {
    const customer = await newCustomer();
    const sub = await newSubscription(customer.id);
    await flush();
    received.length = 0;

    const failed = await ctl<Transition>(`/_fake/subscriptions/${sub.id}/status`, { status: 'past_due' });
    expect(failed.subscription.status).toBe('past_due');
    expect(await receivedTypes()).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    expect(verify(received[1]).data.previous_attributes).toMatchObject({ status: 'active' });
    expect(await stripe.invoices.retrieve(failed.subscription.latest_invoice as string)).toMatchObject({
      status: 'open',
      amount_remaining: 1500,
    });

    received.length = 0;
    const recovered = await ctl<Transition>(`/_fake/subscriptions/${sub.id}/status`, { status: 'active' });
    expect(await receivedTypes()).toEqual([
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    expect(recovered.subscription.latest_invoice).toBe(failed.subscription.latest_invoice);

    received.length = 0;
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      ended_at: expect.any(Number),
      canceled_at: expect.any(Number),
    });
    expect(await receivedTypes()).toEqual(['customer.subscription.deleted']);

    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    const all = await stripe.subscriptions.list({
      customer: customer.id,
      status: 'all',
      expand: ['data.items.data.price'],
    });
    expect(all.data.map((s) => s.id)).toEqual([sub.id]);
    expect(all.data[0]!.items.data[0]!.price.id).toBe('price_pro_monthly');

    const invalid = await ctlRaw(`/_fake/subscriptions/${sub.id}/status`, { status: 'active' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error?.message).toMatch(/canceled is final/);
  });

  it('creates through the API and ends at period end after cancel_at_period_end and a clock advance', async () => {
    const customer = await newCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      metadata: { firebaseUID: 'uid-1' },
    });
    expect(sub).toMatchObject({
      status: 'active',
      cancel_at_period_end: false,
      metadata: { firebaseUID: 'uid-1' },
    });
    const periodEnd = sub.items.data[0]!.current_period_end;

    const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(updated).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: periodEnd });
    await flush();
    const update = verify(received.at(-1));
    expect(update.type).toBe('customer.subscription.updated');
    expect(update.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });

    received.length = 0;
    const advanced = await ctl<{ events: string[] }>('/_fake/clock', { advanceSeconds: 31 * DAY });
    expect(advanced.events).toHaveLength(1);
    expect(await receivedTypes()).toEqual(['customer.subscription.deleted']);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({
      status: 'canceled',
      ended_at: periodEnd,
    });
  });

  it('renews active subscriptions and ends trials as the clock passes period ends', async () => {
    const customer = await newCustomer();
    const active = await newSubscription(customer.id);
    const trial = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: 'price_pro_monthly' }],
      trial_period_days: 7,
    });
    expect(trial.status).toBe('trialing');
    await flush();
    received.length = 0;

    await ctl('/_fake/clock', { advanceSeconds: 8 * DAY });
    expect(await stripe.subscriptions.retrieve(trial.id)).toMatchObject({ status: 'active' });
    expect(await receivedTypes()).toEqual([
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);

    await ctl('/_fake/clock', { advanceSeconds: 23 * DAY });
    const renewed = await stripe.subscriptions.retrieve(active.id);
    expect(renewed.items.data[0]!.current_period_start).toBe(active.items.data[0]!.current_period_end);
    expect(renewed.latest_invoice).not.toBe(active.latest_invoice);
    expect(await stripe.invoices.list({ subscription: active.id })).toMatchObject({ data: [{}, {}] });
  });

  it('cancels the subscriptions of a deleted customer first', async () => {
    const customer = await newCustomer();
    await newSubscription(customer.id);
    await flush();
    received.length = 0;
    await stripe.customers.del(customer.id);
    expect(await receivedTypes()).toEqual(['customer.subscription.deleted', 'customer.deleted']);
    const err = await stripe.customers.update(customer.id, { name: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });
});

describe('events', () => {
  it('filters by type, types, created and delivery_success, newest first, with pagination', async () => {
    const customer = await newCustomer();
    await ctl('/_fake/clock', { advanceSeconds: 3600 });
    const { now } = await ctl<{ now: number }>('/_fake/clock', undefined, 'GET');
    await stripe.customers.update(customer.id, { name: 'Later' });
    await newSubscription(customer.id);

    expect((await stripe.events.list({ type: 'customer.updated' })).data.map((e) => e.type)).toEqual([
      'customer.updated',
    ]);
    expect((await stripe.events.list({ types: ['customer.*'] })).data.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'customer.updated',
      'customer.created',
    ]);
    const recent = await stripe.events.list({ created: { gte: now } });
    expect(recent.data.map((e) => e.type)).not.toContain('customer.created');
    expect(recent.data.every((e) => e.created >= now)).toBe(true);

    const all = await stripe.events.list({ limit: 100 });
    const paged = await stripe.events.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(paged.map((e) => e.id)).toEqual(all.data.map((e) => e.id));
    expect(all.data).toHaveLength(5);

    await flush();
    await ctl('/_fake/webhooks', undefined, 'DELETE');
    await ctl('/_fake/webhooks', { url: `${receiverUrl}/fail`, secret: SECRET });
    const unlucky = await newCustomer('unlucky@example.com');
    await flush();
    const failed = await stripe.events.list({ delivery_success: false });
    expect(failed.data).toHaveLength(1);
    expect((failed.data[0]!.data.object as Stripe.Customer).id).toBe(unlucky.id);
    expect(await stripe.events.retrieve(failed.data[0]!.id)).toMatchObject({
      type: 'customer.created',
      pending_webhooks: 1,
    });
  });
});

describe('webhook delivery knobs', () => {
  it('holds events and releases them in reverse order', async () => {
    await ctl('/_fake/delivery', { mode: 'hold' });
    const customer = await newCustomer();
    await stripe.customers.update(customer.id, { name: 'One' });
    await stripe.customers.update(customer.id, { name: 'Two' });
    await flush();
    expect(received).toEqual([]);
    expect(await ctl('/_fake/delivery', undefined, 'GET')).toMatchObject({ mode: 'hold', held: 3 });

    const released = await ctl<Deliveries>('/_fake/delivery/release', { order: 'reverse' });
    const expected = ['customer.updated', 'customer.updated', 'customer.created'];
    expect(released.deliveries.map((d) => d.type)).toEqual(expected);
    expect(released.deliveries.every((d) => d.ok && d.status === 200 && d.attempt === 1)).toBe(true);
    expect(received.map((delivery) => verify(delivery).type)).toEqual(expected);
    expect((verify(received[0]).data.object as Stripe.Customer).name).toBe('Two');
  });

  it('duplicates deliveries, concurrently when asked', async () => {
    await ctl('/_fake/delivery', { duplicate: 3, concurrent: true });
    await newCustomer();
    const { deliveries } = await flush();
    expect(deliveries).toHaveLength(3);
    expect(new Set(received.map((delivery) => verify(delivery).id)).size).toBe(1);
    expect(deliveries.map((d) => d.attempt).sort()).toEqual([1, 2, 3]);
  });

  it('redelivers on demand with expired, wrongly signed, tampered or missing signatures', async () => {
    await newCustomer();
    await flush();
    const original = received[0]!;
    const event = verify(original);
    received.length = 0;
    const deliver = (body: Record<string, unknown>): Promise<Deliveries> =>
      ctl<Deliveries>(`/_fake/events/${event.id}/deliver`, body);

    const twice = await deliver({ times: 2 });
    expect(twice.deliveries.map((d) => [d.eventId, d.attempt, d.ok])).toEqual([
      [event.id, 2, true],
      [event.id, 3, true],
    ]);
    expect(received.map((delivery) => verify(delivery).id)).toEqual([event.id, event.id]);

    const expectRefused = async (body: Record<string, unknown>, message: RegExp): Promise<void> => {
      received.length = 0;
      await deliver(body);
      expect(() => verify(received[0])).toThrow(Stripe.errors.StripeSignatureVerificationError);
      expect(() => verify(received[0])).toThrow(message);
    };
    await expectRefused({ timestamp: Math.floor(Date.now() / 1000) - 600 }, /tolerance/);
    await expectRefused(
      { secret: 'whsec_someone_else' },
      /No signatures found matching the expected signature/,
    );
    await expectRefused({ body: JSON.stringify(JSON.parse(original.body)) }, /No signatures found/);

    received.length = 0;
    await deliver({ signature: null });
    expect(received[0]!.headers['stripe-signature']).toBeUndefined();
    received.length = 0;
    await deliver({ signature: 't=1,v1=deadbeef' });
    expect(received[0]!.headers['stripe-signature']).toBe('t=1,v1=deadbeef');
    expect(
      (await ctl<Deliveries>(`/_fake/deliveries?eventId=${event.id}`, undefined, 'GET')).deliveries,
    ).toHaveLength(8);
  });
});

describe('failure injection', () => {
  it('error: StripeAPIError, nothing changes, and the next call works', async () => {
    await ctl('/_fake/failures', { method: 'POST', path: '/v1/customers', count: 1 });
    const err = await newCustomer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 500, message: 'An unknown error occurred (injected)' });
    expect(await state()).toMatchObject({ customers: [], events: 0 });
    await newCustomer();
    expect(await state()).toMatchObject({ events: 1, requests: { 'POST /v1/customers': 2 } });
  });

  it('close: StripeConnectionError (after the SDK retries a closed connection once)', async () => {
    await ctl('/_fake/failures', { path: '/v1/customers', count: 2, mode: 'close' });
    const err = await stripe.customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await state()).requests['GET /v1/customers']).toBe(2);
    expect((await stripe.customers.list()).data).toEqual([]);
  });

  it('hang: the SDK times out', async () => {
    await ctl('/_fake/failures', { path: '/v1/subscriptions', count: 1, mode: 'hang' });
    const err = await stripe.subscriptions.list({}, { timeout: 250 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((err as Error).message).toMatch(/timeout/);
  });
});

describe('cli', () => {
  const lines: string[] = [];
  const cli = (...argv: string[]): Promise<number> => {
    lines.length = 0;
    return runStripeCli(argv, { fakeUrl: fake.url, apiKey: API_KEY, print: (line) => lines.push(line) });
  };

  it('pay completes the open checkout session', async () => {
    const customer = await newCustomer('cli@example.com');
    const session = await newSession(customer.id);
    expect(await cli('pay', '--email', 'cli@example.com')).toBe(0);
    expect(lines).toContain(`customer ${customer.id} (cli@example.com)`);
    expect(lines).toContain(`completed checkout session ${session.id}`);
    expect(lines.join('\n')).toMatch(/customer\.subscription\.created[\s\S]*checkout\.session\.completed/);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete' });
  });

  it('pay without a session subscribes; fail-payment, recover and cancel move it', async () => {
    const customer = await newCustomer('cli@example.com');
    expect(await cli('pay', '--email=cli@example.com', '--price', 'price_elite_monthly')).toBe(0);
    const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data;
    expect(sub).toMatchObject({
      status: 'active',
      items: { data: [{ price: { id: 'price_elite_monthly' } }] },
    });

    expect(await cli('fail-payment', '--email', 'cli@example.com')).toBe(0);
    expect(lines.join('\n')).toContain('invoice.payment_failed');
    expect(await stripe.subscriptions.retrieve(sub!.id)).toMatchObject({ status: 'past_due' });

    expect(await cli('recover', '--email', 'cli@example.com')).toBe(0);
    expect(await stripe.subscriptions.retrieve(sub!.id)).toMatchObject({ status: 'active' });

    expect(await cli('cancel', '--email', 'cli@example.com')).toBe(0);
    expect(lines.join('\n')).toContain('customer.subscription.deleted');
    expect(await stripe.subscriptions.retrieve(sub!.id)).toMatchObject({ status: 'canceled' });
    expect(await cli('cancel', '--email', 'cli@example.com')).toBe(1);
  });

  it('explains what to do when there is no customer, and rejects bad usage', async () => {
    expect(await cli('pay', '--email', 'nobody@example.com')).toBe(1);
    expect(lines).toEqual([
      'No Stripe customer with email nobody@example.com: start a checkout first (POST /v1/billing/checkout) so the app creates one.',
    ]);
    expect(await cli('refund', '--email', 'x@example.com')).toBe(2);
    expect(await cli('pay')).toBe(2);
  });
});
