/**
 * The Stripe fake's state and billing rules: customers, prices, checkout and portal sessions,
 * subscriptions, invoices and the event log, on a clock that tests can move forward.
 *
 * Every operation is synchronous and validates before it mutates, so a request either changes
 * nothing (it throws an ApiError) or changes everything it should; the HTTP layer relies on that
 * for idempotency and for "an injected failure changes no state". Each state change records an
 * event with a deep copy of the object at that moment, in the order Stripe sends them for the
 * flows we use (see README), and hands it to `onEvent` for webhook delivery.
 *
 * Object shapes follow API version 2026-10-28.endive (stripe@23's types): the billing period is on
 * subscription items, and an invoice names its subscription in `parent.subscription_details`.
 */
import type { FakePriceConfig } from './constants';
import { invalidRequest, mergeMetadata, noSuch, randomId, type ListObject, type Metadata } from './wire';

export const DAY_SECONDS = 86_400;
/** Length of one billing period. Real months vary; a fixed 30 days keeps tests predictable. */
export const PERIOD_SECONDS = 30 * DAY_SECONDS;
/** Trial length when a subscription is created `trialing` without a number of days. */
export const DEFAULT_TRIAL_DAYS = 14;
/** Checkout sessions expire 24 hours after creation, like Stripe's default. */
export const SESSION_LIFETIME_SECONDS = DAY_SECONDS;

export type SubscriptionStatus =
  'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';

export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
];

/** Statuses a subscription can be created in through the control API. */
export type InitialSubscriptionStatus = 'active' | 'trialing' | 'past_due' | 'incomplete';

export type ProductObject = {
  id: string;
  object: 'product';
  active: boolean;
  created: number;
  default_price: string;
  description: null;
  images: string[];
  livemode: false;
  marketing_features: never[];
  metadata: Metadata;
  name: string;
  package_dimensions: null;
  shippable: null;
  type: 'service';
  updated: number;
  url: null;
};

export type PriceObject = {
  id: string;
  object: 'price';
  active: boolean;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: null;
  metadata: Metadata;
  nickname: null;
  product: string;
  recurring: {
    interval: 'month';
    interval_count: number;
    meter: null;
    trial_period_days: null;
    usage_type: 'licensed';
  };
  tax_behavior: 'unspecified';
  tiers_mode: null;
  transform_quantity: null;
  type: 'recurring';
  unit_amount: number;
  unit_amount_decimal: string;
};

export type CustomerObject = {
  id: string;
  object: 'customer';
  address: null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none';
  test_clock: null;
};

export type DeletedCustomerObject = { id: string; object: 'customer'; deleted: true };

export type CheckoutSessionObject = {
  id: string;
  object: 'checkout.session';
  allow_promotion_codes: boolean | null;
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: string;
  customer_details: { email: string | null; name: string | null } | null;
  customer_email: null;
  expires_at: number;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  mode: 'subscription';
  payment_method_types: string[];
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  subscription: string | null;
  success_url: string;
  ui_mode: 'hosted';
  url: string | null;
};

export type PortalSessionObject = {
  id: string;
  object: 'billing_portal.session';
  configuration: string;
  created: number;
  customer: string;
  customer_account: null;
  flow: null;
  livemode: false;
  locale: null;
  on_behalf_of: null;
  return_url: string | null;
  url: string;
};

export type SubscriptionItemObject = {
  id: string;
  object: 'subscription_item';
  billing_thresholds: null;
  created: number;
  current_period_end: number;
  current_period_start: number;
  discounts: string[];
  metadata: Metadata;
  price: PriceObject;
  quantity: number;
  subscription: string;
  tax_rates: never[];
};

export type SubscriptionObject = {
  id: string;
  object: 'subscription';
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: null; feedback: null; reason: 'cancellation_requested' | null };
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  customer: string;
  days_until_due: null;
  default_payment_method: null;
  description: null;
  discounts: string[];
  ended_at: number | null;
  items: ListObject<SubscriptionItemObject> & { total_count: number };
  latest_invoice: string | null;
  livemode: false;
  metadata: Metadata;
  pause_collection: null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: null;
  trial_end: number | null;
  trial_start: number | null;
};

export type InvoiceLineObject = {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string;
  discountable: boolean;
  discounts: string[];
  invoice: string;
  livemode: false;
  metadata: Metadata;
  parent: {
    type: 'subscription_item_details';
    invoice_item_details: null;
    subscription_item_details: {
      invoice_item: null;
      proration: false;
      proration_details: { credited_items: null };
      subscription: string;
      subscription_item: string;
    };
  };
  period: { start: number; end: number };
  pricing: {
    type: 'price_details';
    price_details: { price: string; product: string };
    unit_amount_decimal: string;
  };
  quantity: number;
  subtotal: number;
};

export type InvoiceObject = {
  id: string;
  object: 'invoice';
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  billing_reason: 'subscription_create' | 'subscription_cycle';
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  description: null;
  hosted_invoice_url: null;
  lines: ListObject<InvoiceLineObject> & { total_count: number };
  livemode: false;
  metadata: Metadata;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
  };
  period_end: number;
  period_start: number;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: null;
    paid_at: number | null;
    voided_at: null;
  };
  subtotal: number;
  total: number;
};

export type EventObject = {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};

interface CustomerRecord {
  customer: CustomerObject;
  deleted: boolean;
}

interface SessionRecord {
  session: CheckoutSessionObject;
  priceId: string;
  quantity: number;
  subscriptionMetadata: Metadata;
  trialPeriodDays: number | null;
}

interface DeliveryStats {
  okUrls: Set<string>;
  failed: number;
}

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

export interface StoreOptions {
  apiVersion: string;
  prices: readonly FakePriceConfig[];
  /** Called synchronously for each new event, in order. */
  onEvent: (event: EventObject) => void;
  /** How many webhook endpoints an event goes to (its initial `pending_webhooks`). */
  endpointCount: () => number;
}

export interface EventFilter {
  type?: string;
  types?: readonly string[];
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
  deliverySuccess?: boolean;
}

export interface Transition<T> {
  result: T;
  /** Ids of the events the change recorded, in order. */
  events: string[];
}

const clone = <T>(value: T): T => structuredClone(value);

/** Newest first: the maps keep insertion order and the clock only moves forward. */
const newestFirst = <T>(values: Iterable<T>): T[] => [...values].reverse();

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

export class StripeStore {
  /** Base URL of the fake, for hosted page links (set once the server listens). */
  baseUrl = '';
  private offsetSeconds = 0;
  private readonly prices = new Map<string, PriceObject>();
  private readonly products = new Map<string, ProductObject>();
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly portalSessions = new Map<string, PortalSessionObject>();
  private readonly subscriptions = new Map<string, SubscriptionObject>();
  private readonly invoices = new Map<string, InvoiceObject>();
  private events: EventObject[] = [];
  private readonly eventsById = new Map<string, EventObject>();
  private readonly deliveryStats = new Map<string, DeliveryStats>();
  private request: RequestInfo = { id: null, idempotency_key: null };

  constructor(private readonly options: StoreOptions) {
    const created = this.now();
    for (const config of options.prices) {
      if (this.prices.has(config.id)) throw new Error(`duplicate price id: ${config.id}`);
      if (!Number.isSafeInteger(config.unitAmount) || config.unitAmount < 0) {
        throw new Error(`price ${config.id}: unitAmount must be a non-negative integer (cents)`);
      }
      const productId = randomId('prod_');
      const metadata = { tier: config.tier };
      this.products.set(productId, {
        id: productId,
        object: 'product',
        active: true,
        created,
        default_price: config.id,
        description: null,
        images: [],
        livemode: false,
        marketing_features: [],
        metadata: { ...metadata },
        name: config.name,
        package_dimensions: null,
        shippable: null,
        type: 'service',
        updated: created,
        url: null,
      });
      this.prices.set(config.id, {
        id: config.id,
        object: 'price',
        active: true,
        billing_scheme: 'per_unit',
        created,
        currency: 'usd',
        custom_unit_amount: null,
        livemode: false,
        lookup_key: null,
        metadata: { ...metadata },
        nickname: null,
        product: productId,
        recurring: {
          interval: 'month',
          interval_count: 1,
          meter: null,
          trial_period_days: null,
          usage_type: 'licensed',
        },
        tax_behavior: 'unspecified',
        tiers_mode: null,
        transform_quantity: null,
        type: 'recurring',
        unit_amount: config.unitAmount,
        unit_amount_decimal: String(config.unitAmount),
      });
    }
  }

  // ---- clock, request context, events ---------------------------------------------------------

  /** The fake's clock in Unix seconds: wall time plus whatever tests have advanced it by. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.offsetSeconds;
  }

  get clockOffsetSeconds(): number {
    return this.offsetSeconds;
  }

  /** Runs `fn` with events attributed to the API request `info` (`event.request`). */
  withRequest<T>(info: RequestInfo, fn: () => T): T {
    const previous = this.request;
    this.request = info;
    try {
      return fn();
    } finally {
      this.request = previous;
    }
  }

  private emit(type: string, object: unknown, previous?: Record<string, unknown>): void {
    const event: EventObject = {
      id: randomId('evt_'),
      object: 'event',
      api_version: this.options.apiVersion,
      created: this.now(),
      data:
        previous === undefined
          ? { object: clone(object) }
          : { object: clone(object), previous_attributes: clone(previous) },
      livemode: false,
      pending_webhooks: this.options.endpointCount(),
      request: { ...this.request },
      type,
    };
    this.events.push(event);
    this.eventsById.set(event.id, event);
    this.options.onEvent(event);
  }

  /** Runs a state change and reports the ids of the events it recorded. */
  private track<T>(fn: () => T): Transition<T> {
    const start = this.events.length;
    const result = fn();
    return { result, events: this.events.slice(start).map((event) => event.id) };
  }

  getEvent(id: string): EventObject {
    const event = this.eventsById.get(id);
    if (event === undefined) throw noSuch('event', id, 'id');
    return event;
  }

  findEvent(id: string): EventObject | undefined {
    return this.eventsById.get(id);
  }

  get eventCount(): number {
    return this.events.length;
  }

  /** Records a webhook delivery outcome (for `pending_webhooks` and `delivery_success`). */
  recordDelivery(eventId: string, url: string, ok: boolean): void {
    const event = this.eventsById.get(eventId);
    if (event === undefined) return;
    let stats = this.deliveryStats.get(eventId);
    if (stats === undefined) {
      stats = { okUrls: new Set(), failed: 0 };
      this.deliveryStats.set(eventId, stats);
    }
    if (ok) {
      if (!stats.okUrls.has(url)) {
        stats.okUrls.add(url);
        event.pending_webhooks = Math.max(event.pending_webhooks - 1, 0);
      }
    } else {
      stats.failed += 1;
    }
  }

  listEvents(filter: EventFilter): EventObject[] {
    const matchesType = (type: string, pattern: string): boolean =>
      pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
    return newestFirst(this.events).filter((event) => {
      if (filter.type !== undefined && !matchesType(event.type, filter.type)) return false;
      if (filter.types !== undefined && !filter.types.some((pattern) => matchesType(event.type, pattern))) {
        return false;
      }
      const created = filter.created;
      if (created !== undefined) {
        if (created.gt !== undefined && !(event.created > created.gt)) return false;
        if (created.gte !== undefined && !(event.created >= created.gte)) return false;
        if (created.lt !== undefined && !(event.created < created.lt)) return false;
        if (created.lte !== undefined && !(event.created <= created.lte)) return false;
      }
      if (filter.deliverySuccess !== undefined) {
        const stats = this.deliveryStats.get(event.id);
        const succeeded = stats !== undefined && stats.okUrls.size > 0;
        const failedOnly = stats !== undefined && stats.failed > 0 && stats.okUrls.size === 0;
        if (filter.deliverySuccess ? !succeeded : !failedOnly) return false;
      }
      return true;
    });
  }

  // ---- prices and products ---------------------------------------------------------------------

  getPrice(id: string, param = 'id', status = 404): PriceObject {
    const price = this.prices.get(id);
    if (price === undefined) throw noSuch('price', id, param, status);
    return price;
  }

  listPrices(filter: { active?: boolean; product?: string }): PriceObject[] {
    return [...this.prices.values()].filter(
      (price) =>
        (filter.active === undefined || price.active === filter.active) &&
        (filter.product === undefined || price.product === filter.product),
    );
  }

  getProduct(id: string): ProductObject {
    const product = this.products.get(id);
    if (product === undefined) throw noSuch('product', id, 'id');
    return product;
  }

  /** The product name of a price, for the hosted pages. */
  priceName(price: PriceObject): string {
    return this.products.get(price.product)?.name ?? price.id;
  }

  // ---- customers -------------------------------------------------------------------------------

  private checkEmail(email: string | undefined): void {
    if (email !== undefined && email !== '' && !EMAIL_PATTERN.test(email)) {
      throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
    }
  }

  createCustomer(input: {
    email?: string;
    name?: string;
    description?: string;
    phone?: string;
    metadata?: Metadata | null;
  }): CustomerObject {
    this.checkEmail(input.email);
    const customer: CustomerObject = {
      id: randomId('cus_'),
      object: 'customer',
      address: null,
      balance: 0,
      created: this.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: input.description || null,
      discount: null,
      email: input.email || null,
      invoice_prefix: randomId('', 8).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: mergeMetadata({}, input.metadata),
      name: input.name || null,
      phone: input.phone || null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    this.customers.set(customer.id, { customer, deleted: false });
    this.emit('customer.created', customer);
    return customer;
  }

  /** A customer that exists and is not deleted; otherwise Stripe's `No such customer`. */
  liveCustomer(id: string, param = 'id', status = 404): CustomerObject {
    const record = this.customers.get(id);
    if (record === undefined || record.deleted) throw noSuch('customer', id, param, status);
    return record.customer;
  }

  /** A customer (deleted or not) for the hosted pages, or undefined. */
  findCustomer(id: string): CustomerObject | undefined {
    return this.customers.get(id)?.customer;
  }

  retrieveCustomer(id: string): CustomerObject | DeletedCustomerObject {
    const record = this.customers.get(id);
    if (record === undefined) throw noSuch('customer', id, 'id');
    return record.deleted ? { id, object: 'customer', deleted: true } : record.customer;
  }

  updateCustomer(
    id: string,
    input: {
      email?: string;
      name?: string;
      description?: string;
      phone?: string;
      metadata?: Metadata | null;
    },
  ): CustomerObject {
    const customer = this.liveCustomer(id);
    this.checkEmail(input.email);
    const next = {
      email: input.email === undefined ? customer.email : input.email || null,
      name: input.name === undefined ? customer.name : input.name || null,
      description: input.description === undefined ? customer.description : input.description || null,
      phone: input.phone === undefined ? customer.phone : input.phone || null,
      metadata: mergeMetadata(customer.metadata, input.metadata),
    };
    const previous: Record<string, unknown> = {};
    for (const key of ['email', 'name', 'description', 'phone'] as const) {
      if (next[key] !== customer[key]) {
        previous[key] = customer[key];
        customer[key] = next[key];
      }
    }
    if (JSON.stringify(next.metadata) !== JSON.stringify(customer.metadata)) {
      previous.metadata = customer.metadata;
      customer.metadata = next.metadata;
    }
    if (Object.keys(previous).length > 0) this.emit('customer.updated', customer, previous);
    return customer;
  }

  /** Cancels the customer's subscriptions (one `customer.subscription.deleted` each), then deletes it. */
  deleteCustomer(id: string): DeletedCustomerObject {
    const customer = this.liveCustomer(id);
    for (const subscription of this.subscriptions.values()) {
      if (subscription.customer === id && subscription.status !== 'canceled') {
        this.endSubscription(subscription, this.now());
      }
    }
    const record = this.customers.get(id);
    if (record !== undefined) record.deleted = true;
    this.emit('customer.deleted', customer);
    return { id, object: 'customer', deleted: true };
  }

  listCustomers(filter: { email?: string }): CustomerObject[] {
    return newestFirst(this.customers.values())
      .filter((record) => !record.deleted)
      .map((record) => record.customer)
      .filter((customer) => filter.email === undefined || customer.email === filter.email);
  }

  // ---- checkout sessions -----------------------------------------------------------------------

  createCheckoutSession(input: {
    customer: string;
    priceId: string;
    quantity: number;
    successUrl: string;
    cancelUrl: string;
    clientReferenceId?: string;
    metadata?: Metadata | null;
    subscriptionMetadata?: Metadata | null;
    trialPeriodDays?: number;
    allowPromotionCodes?: boolean;
  }): CheckoutSessionObject {
    this.liveCustomer(input.customer, 'customer', 400);
    const price = this.getPrice(input.priceId, 'line_items[0][price]', 400);
    const created = this.now();
    const id = randomId('cs_test_');
    const amount = price.unit_amount * input.quantity;
    const session: CheckoutSessionObject = {
      id,
      object: 'checkout.session',
      allow_promotion_codes: input.allowPromotionCodes ?? null,
      amount_subtotal: amount,
      amount_total: amount,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId || null,
      created,
      currency: price.currency,
      customer: input.customer,
      customer_details: null,
      customer_email: null,
      expires_at: created + SESSION_LIFETIME_SECONDS,
      invoice: null,
      livemode: false,
      metadata: mergeMetadata({}, input.metadata),
      mode: 'subscription',
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      subscription: null,
      success_url: input.successUrl,
      ui_mode: 'hosted',
      url: `${this.baseUrl}/checkout/${id}`,
    };
    this.sessions.set(id, {
      session,
      priceId: price.id,
      quantity: input.quantity,
      subscriptionMetadata: mergeMetadata({}, input.subscriptionMetadata),
      trialPeriodDays: input.trialPeriodDays ?? null,
    });
    return session;
  }

  getSession(id: string): CheckoutSessionObject {
    const record = this.sessions.get(id);
    if (record === undefined) throw noSuch('checkout.session', id, 'id');
    return record.session;
  }

  /** A session with what the hosted page shows, or undefined. */
  findSession(
    id: string,
  ):
    | { session: CheckoutSessionObject; price: PriceObject; quantity: number; trialPeriodDays: number | null }
    | undefined {
    const record = this.sessions.get(id);
    const price = record === undefined ? undefined : this.prices.get(record.priceId);
    if (record === undefined || price === undefined) return undefined;
    return {
      session: record.session,
      price,
      quantity: record.quantity,
      trialPeriodDays: record.trialPeriodDays,
    };
  }

  listSessions(filter: {
    customer?: string;
    status?: string;
    subscription?: string;
  }): CheckoutSessionObject[] {
    return newestFirst(this.sessions.values())
      .map((record) => record.session)
      .filter(
        (session) =>
          (filter.customer === undefined || session.customer === filter.customer) &&
          (filter.status === undefined || session.status === filter.status) &&
          (filter.subscription === undefined || session.subscription === filter.subscription),
      );
  }

  /**
   * Pays an open session: creates its subscription (active, or trialing when `trialDays` or the
   * session's `subscription_data[trial_period_days]` is > 0) and marks the session complete.
   * Events: customer.subscription.created, invoice.paid, invoice.payment_succeeded,
   * checkout.session.completed.
   */
  completeSession(
    id: string,
    trialDays?: number,
  ): Transition<{ session: CheckoutSessionObject; subscription: SubscriptionObject }> {
    const record = this.sessions.get(id);
    if (record === undefined) throw noSuch('checkout.session', id, 'id');
    const { session } = record;
    if (session.status === 'open' && session.expires_at <= this.now()) this.expireSession(session);
    if (session.status !== 'open') {
      throw invalidRequest(
        `This Checkout Session is no longer open (status: ${session.status}).`,
        undefined,
        'checkout_session_not_open',
      );
    }
    const customer = this.liveCustomer(session.customer, 'customer', 400);
    const price = this.getPrice(record.priceId, 'price', 400);
    const days = trialDays ?? record.trialPeriodDays ?? 0;
    return this.track(() => {
      const subscription = this.insertSubscription(customer, price, {
        quantity: record.quantity,
        metadata: record.subscriptionMetadata,
        status: days > 0 ? 'trialing' : 'active',
        trialDays: days,
      });
      session.status = 'complete';
      session.payment_status = days > 0 ? 'no_payment_required' : 'paid';
      session.subscription = subscription.id;
      session.invoice = subscription.latest_invoice;
      session.customer_details = { email: customer.email, name: customer.name };
      session.url = null;
      this.emit('checkout.session.completed', session);
      return { session, subscription };
    });
  }

  private expireSession(session: CheckoutSessionObject): void {
    session.status = 'expired';
    session.url = null;
    this.emit('checkout.session.expired', session);
  }

  // ---- billing portal --------------------------------------------------------------------------

  createPortalSession(customerId: string, returnUrl: string | undefined): PortalSessionObject {
    this.liveCustomer(customerId, 'customer', 400);
    const id = randomId('bps_');
    const session: PortalSessionObject = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_local_fake',
      created: this.now(),
      customer: customerId,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: returnUrl ?? null,
      url: `${this.baseUrl}/portal/${id}`,
    };
    this.portalSessions.set(id, session);
    return session;
  }

  findPortalSession(id: string): PortalSessionObject | undefined {
    return this.portalSessions.get(id);
  }

  // ---- subscriptions and invoices --------------------------------------------------------------

  getSubscription(id: string): SubscriptionObject {
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined) throw noSuch('subscription', id, 'id');
    return subscription;
  }

  listSubscriptions(filter: { customer?: string; status?: string; price?: string }): SubscriptionObject[] {
    const status = filter.status;
    const statusMatches = (value: SubscriptionStatus): boolean => {
      if (status === undefined) return value !== 'canceled' && value !== 'incomplete_expired';
      if (status === 'all') return true;
      if (status === 'ended') return value === 'canceled' || value === 'incomplete_expired';
      return value === status;
    };
    return newestFirst(this.subscriptions.values()).filter(
      (subscription) =>
        statusMatches(subscription.status) &&
        (filter.customer === undefined || subscription.customer === filter.customer) &&
        (filter.price === undefined ||
          subscription.items.data.some((item) => item.price.id === filter.price)),
    );
  }

  /** Creates a subscription with its first invoice, and its events (see README). */
  createSubscription(input: {
    customer: string;
    priceId: string;
    quantity?: number;
    metadata?: Metadata | null;
    status?: InitialSubscriptionStatus;
    trialDays?: number;
    /** Parameter names for errors: `customer`, `items[0][price]` (API) or `price` (control API). */
    priceParam?: string;
  }): Transition<SubscriptionObject> {
    const customer = this.liveCustomer(input.customer, 'customer', 400);
    const price = this.getPrice(input.priceId, input.priceParam ?? 'price', 400);
    const trialDays = input.trialDays ?? 0;
    const status = input.status ?? (trialDays > 0 ? 'trialing' : 'active');
    return this.track(() =>
      this.insertSubscription(customer, price, {
        quantity: input.quantity ?? 1,
        metadata: mergeMetadata({}, input.metadata),
        status,
        trialDays: status === 'trialing' ? trialDays || DEFAULT_TRIAL_DAYS : 0,
      }),
    );
  }

  private insertSubscription(
    customer: CustomerObject,
    price: PriceObject,
    options: { quantity: number; metadata: Metadata; status: InitialSubscriptionStatus; trialDays: number },
  ): SubscriptionObject {
    const now = this.now();
    const id = randomId('sub_');
    const trialEnd = options.status === 'trialing' ? now + options.trialDays * DAY_SECONDS : null;
    const periodEnd = trialEnd ?? now + PERIOD_SECONDS;
    const item: SubscriptionItemObject = {
      id: randomId('si_'),
      object: 'subscription_item',
      billing_thresholds: null,
      created: now,
      current_period_end: periodEnd,
      current_period_start: now,
      discounts: [],
      metadata: {},
      price: clone(price),
      quantity: options.quantity,
      subscription: id,
      tax_rates: [],
    };
    const subscription: SubscriptionObject = {
      id,
      object: 'subscription',
      billing_cycle_anchor: periodEnd - (trialEnd === null ? PERIOD_SECONDS : 0),
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: 'charge_automatically',
      created: now,
      currency: price.currency,
      customer: customer.id,
      days_until_due: null,
      default_payment_method: null,
      description: null,
      discounts: [],
      ended_at: null,
      items: {
        object: 'list',
        data: [item],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${id}`,
      },
      latest_invoice: null,
      livemode: false,
      metadata: { ...options.metadata },
      pause_collection: null,
      start_date: now,
      status: options.status,
      test_clock: null,
      trial_end: trialEnd,
      trial_start: trialEnd === null ? null : now,
    };
    this.subscriptions.set(id, subscription);
    const paid = options.status === 'active' || options.status === 'trialing';
    const invoice = this.createInvoice(subscription, 'subscription_create', {
      paid,
      amount: options.status === 'trialing' ? 0 : undefined,
    });
    subscription.latest_invoice = invoice.id;
    this.emit('customer.subscription.created', subscription);
    if (paid) this.emitPaid(invoice);
    else if (options.status === 'past_due') this.emit('invoice.payment_failed', invoice);
    return subscription;
  }

  private createInvoice(
    subscription: SubscriptionObject,
    reason: InvoiceObject['billing_reason'],
    options: { paid: boolean; amount?: number },
  ): InvoiceObject {
    const now = this.now();
    const item = subscription.items.data[0];
    if (item === undefined) throw new Error(`subscription ${subscription.id} has no items`);
    const amount = options.amount ?? item.price.unit_amount * item.quantity;
    const customer = this.customers.get(subscription.customer)?.customer;
    const id = randomId('in_');
    const line: InvoiceLineObject = {
      id: randomId('il_'),
      object: 'line_item',
      amount,
      currency: item.price.currency,
      description: `${item.quantity} × ${this.priceName(item.price)} (at ${(item.price.unit_amount / 100).toFixed(2)} / month)`,
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: false,
      metadata: {},
      parent: {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: subscription.id,
          subscription_item: item.id,
        },
      },
      period: { start: item.current_period_start, end: item.current_period_end },
      pricing: {
        type: 'price_details',
        price_details: { price: item.price.id, product: item.price.product },
        unit_amount_decimal: item.price.unit_amount_decimal,
      },
      quantity: item.quantity,
      subtotal: amount,
    };
    const invoice: InvoiceObject = {
      id,
      object: 'invoice',
      amount_due: amount,
      amount_paid: options.paid ? amount : 0,
      amount_remaining: options.paid ? 0 : amount,
      attempt_count: amount > 0 ? 1 : 0,
      attempted: amount > 0,
      billing_reason: reason,
      collection_method: 'charge_automatically',
      created: now,
      currency: item.price.currency,
      customer: subscription.customer,
      customer_email: customer?.email ?? null,
      customer_name: customer?.name ?? null,
      description: null,
      hosted_invoice_url: null,
      lines: {
        object: 'list',
        data: [line],
        has_more: false,
        total_count: 1,
        url: `/v1/invoices/${id}/lines`,
      },
      livemode: false,
      metadata: {},
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
      },
      period_end: item.current_period_end,
      period_start: item.current_period_start,
      status: options.paid ? 'paid' : 'open',
      status_transitions: {
        finalized_at: now,
        marked_uncollectible_at: null,
        paid_at: options.paid ? now : null,
        voided_at: null,
      },
      subtotal: amount,
      total: amount,
    };
    this.invoices.set(id, invoice);
    return invoice;
  }

  private emitPaid(invoice: InvoiceObject): void {
    this.emit('invoice.paid', invoice);
    this.emit('invoice.payment_succeeded', invoice);
  }

  /** Pays the subscription's open invoice, or bills a new paid one when there is none. */
  private payLatestInvoice(subscription: SubscriptionObject): void {
    const latest =
      subscription.latest_invoice === null ? undefined : this.invoices.get(subscription.latest_invoice);
    if (latest !== undefined && latest.status === 'open') {
      const now = this.now();
      latest.status = 'paid';
      latest.amount_paid = latest.amount_due;
      latest.amount_remaining = 0;
      latest.attempt_count += 1;
      latest.attempted = true;
      latest.status_transitions.paid_at = now;
      this.emitPaid(latest);
      return;
    }
    const invoice = this.createInvoice(subscription, 'subscription_cycle', { paid: true });
    subscription.latest_invoice = invoice.id;
    this.emitPaid(invoice);
  }

  /** Starts a new billing period on every item, from `start`. */
  private startPeriod(subscription: SubscriptionObject, start: number): void {
    for (const item of subscription.items.data) {
      item.current_period_start = start;
      item.current_period_end = start + PERIOD_SECONDS;
    }
  }

  updateSubscription(
    id: string,
    input: {
      cancelAtPeriodEnd?: boolean;
      cancelAt?: number | 'max_period_end' | 'min_period_end' | null;
      metadata?: Metadata | null;
    },
  ): SubscriptionObject {
    const subscription = this.getSubscription(id);
    const ended = subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
    if (ended && (input.cancelAtPeriodEnd !== undefined || input.cancelAt !== undefined)) {
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
    }
    const periodEnd = subscription.items.data[0]?.current_period_end ?? this.now();
    const previous: Record<string, unknown> = {};
    const set = <K extends 'cancel_at' | 'cancel_at_period_end' | 'canceled_at' | 'metadata'>(
      key: K,
      value: SubscriptionObject[K],
    ): void => {
      if (JSON.stringify(subscription[key]) === JSON.stringify(value)) return;
      previous[key] = clone(subscription[key]);
      subscription[key] = value;
    };
    if (input.cancelAtPeriodEnd !== undefined) {
      set('cancel_at_period_end', input.cancelAtPeriodEnd);
      set('cancel_at', input.cancelAtPeriodEnd ? periodEnd : null);
      set('canceled_at', input.cancelAtPeriodEnd ? this.now() : null);
    }
    if (input.cancelAt !== undefined) {
      const at = typeof input.cancelAt === 'string' ? periodEnd : input.cancelAt;
      if (at !== null && at <= this.now()) {
        throw invalidRequest('cancel_at must be in the future.', 'cancel_at');
      }
      set('cancel_at_period_end', false);
      set('cancel_at', at);
      set('canceled_at', at === null ? null : this.now());
    }
    set('metadata', mergeMetadata(subscription.metadata, input.metadata));
    if (Object.keys(previous).length > 0) this.emit('customer.subscription.updated', subscription, previous);
    return subscription;
  }

  /** Cancels now (DELETE /v1/subscriptions/:id, the portal's Cancel button). */
  cancelSubscription(id: string): Transition<SubscriptionObject> {
    const subscription = this.getSubscription(id);
    if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
      throw invalidRequest(
        `This subscription has already been canceled (${subscription.id}).`,
        undefined,
        'resource_already_canceled',
      );
    }
    return this.track(() => {
      this.endSubscription(subscription, this.now());
      return subscription;
    });
  }

  private endSubscription(subscription: SubscriptionObject, at: number): void {
    subscription.status = 'canceled';
    subscription.ended_at = at;
    subscription.canceled_at ??= at;
    subscription.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
    this.emit('customer.subscription.deleted', subscription);
  }

  /**
   * Moves a subscription to `target` the way Stripe's billing would get it there (control API):
   *   incomplete|trialing → active: pays (invoice.paid, invoice.payment_succeeded), then updated
   *   active|trialing → past_due: a failed renewal invoice (invoice.payment_failed), then updated
   *   past_due|unpaid → active: pays the open invoice (invoice.paid, ...), then updated
   *   past_due → unpaid: updated;   incomplete → incomplete_expired: updated
   *   anything not ended → canceled: customer.subscription.deleted
   * The same status is a no-op; anything else is a 400.
   */
  setSubscriptionStatus(id: string, target: SubscriptionStatus): Transition<SubscriptionObject> {
    const subscription = this.getSubscription(id);
    const from = subscription.status;
    if (from === target) return { result: subscription, events: [] };
    const allowed: Partial<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
      incomplete: ['active', 'incomplete_expired', 'canceled'],
      trialing: ['active', 'past_due', 'canceled'],
      active: ['past_due', 'canceled'],
      past_due: ['active', 'unpaid', 'canceled'],
      unpaid: ['active', 'canceled'],
      paused: ['active', 'canceled'],
    };
    const targets = allowed[from] ?? [];
    if (!targets.includes(target)) {
      throw invalidRequest(
        `Cannot move subscription ${id} from ${from} to ${target}` +
          (targets.length > 0 ? ` (from ${from}: ${targets.join(', ')}).` : ` (${from} is final).`),
        'status',
      );
    }
    return this.track(() => {
      if (target === 'canceled') {
        this.endSubscription(subscription, this.now());
        return subscription;
      }
      const previous: Record<string, unknown> = { status: from };
      const previousInvoice = subscription.latest_invoice;
      const previousItems = clone(subscription.items);
      if (target === 'active' && from === 'trialing') {
        const now = this.now();
        previous.trial_end = subscription.trial_end;
        previous.items = previousItems;
        subscription.trial_end = Math.min(subscription.trial_end ?? now, now);
        this.startPeriod(subscription, now);
        this.payLatestInvoice(subscription);
      } else if (target === 'active') {
        this.payLatestInvoice(subscription);
      } else if (target === 'past_due') {
        const invoice = this.createInvoice(subscription, 'subscription_cycle', { paid: false });
        subscription.latest_invoice = invoice.id;
        this.emit('invoice.payment_failed', invoice);
      }
      if (subscription.latest_invoice !== previousInvoice) previous.latest_invoice = previousInvoice;
      subscription.status = target;
      this.emit('customer.subscription.updated', subscription, previous);
      return subscription;
    });
  }

  getInvoice(id: string): InvoiceObject {
    const invoice = this.invoices.get(id);
    if (invoice === undefined) throw noSuch('invoice', id, 'id');
    return invoice;
  }

  listInvoices(filter: { customer?: string; subscription?: string; status?: string }): InvoiceObject[] {
    return newestFirst(this.invoices.values()).filter(
      (invoice) =>
        (filter.customer === undefined || invoice.customer === filter.customer) &&
        (filter.subscription === undefined ||
          invoice.parent.subscription_details.subscription === filter.subscription) &&
        (filter.status === undefined || invoice.status === filter.status),
    );
  }

  // ---- time ------------------------------------------------------------------------------------

  /**
   * Moves the clock forward and applies what Stripe would do by then: open checkout sessions past
   * `expires_at` expire; subscriptions reaching `cancel_at` (or period end with
   * `cancel_at_period_end`) end; trials ending become active (paid); active subscriptions renew
   * (new period, paid invoice). past_due/unpaid ones wait for the control API (no dunning).
   */
  advanceClock(seconds: number): Transition<{ now: number; offsetSeconds: number }> {
    return this.track(() => {
      this.offsetSeconds += seconds;
      const now = this.now();
      for (const record of this.sessions.values()) {
        if (record.session.status === 'open' && record.session.expires_at <= now)
          this.expireSession(record.session);
      }
      for (const subscription of this.subscriptions.values()) this.catchUp(subscription, now);
      return { now, offsetSeconds: this.offsetSeconds };
    });
  }

  private catchUp(subscription: SubscriptionObject, now: number): void {
    // Bounded: one iteration per elapsed period, and a year of months is plenty for tests.
    for (let guard = 0; guard < 1000; guard++) {
      if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') return;
      const item = subscription.items.data[0];
      if (item === undefined) return;
      const periodEnd = item.current_period_end;
      if (subscription.cancel_at !== null && subscription.cancel_at <= Math.min(now, periodEnd)) {
        this.endSubscription(subscription, subscription.cancel_at);
        return;
      }
      if (periodEnd > now) return;
      if (subscription.cancel_at_period_end) {
        this.endSubscription(subscription, periodEnd);
        return;
      }
      if (subscription.status !== 'active' && subscription.status !== 'trialing') return;
      const previous: Record<string, unknown> = {
        items: clone(subscription.items),
        latest_invoice: subscription.latest_invoice,
      };
      if (subscription.status === 'trialing') {
        previous.status = 'trialing';
        subscription.status = 'active';
      }
      this.startPeriod(subscription, periodEnd);
      const invoice = this.createInvoice(subscription, 'subscription_cycle', { paid: true });
      subscription.latest_invoice = invoice.id;
      this.emitPaid(invoice);
      this.emit('customer.subscription.updated', subscription, previous);
    }
  }

  // ---- expand, snapshot, reset -----------------------------------------------------------------

  /** The object an id names, for `expand[]`. */
  resolve(id: string): unknown {
    if (id.startsWith('cus_')) {
      const record = this.customers.get(id);
      if (record === undefined) return undefined;
      return record.deleted ? { id, object: 'customer', deleted: true } : clone(record.customer);
    }
    const found =
      this.subscriptions.get(id) ??
      this.invoices.get(id) ??
      this.products.get(id) ??
      this.prices.get(id) ??
      this.sessions.get(id)?.session;
    return found === undefined ? undefined : clone(found);
  }

  snapshot(): {
    customers: (CustomerObject & { deleted?: true })[];
    subscriptions: SubscriptionObject[];
    sessions: CheckoutSessionObject[];
    invoices: InvoiceObject[];
    events: number;
    clock: { now: number; offsetSeconds: number };
  } {
    return {
      customers: [...this.customers.values()].map((record) =>
        record.deleted ? { ...record.customer, deleted: true as const } : record.customer,
      ),
      subscriptions: [...this.subscriptions.values()],
      sessions: [...this.sessions.values()].map((record) => record.session),
      invoices: [...this.invoices.values()],
      events: this.events.length,
      clock: { now: this.now(), offsetSeconds: this.offsetSeconds },
    };
  }

  /** Forgets everything but prices and products; the clock returns to wall time. */
  reset(): void {
    this.offsetSeconds = 0;
    this.customers.clear();
    this.sessions.clear();
    this.portalSessions.clear();
    this.subscriptions.clear();
    this.invoices.clear();
    this.events = [];
    this.eventsById.clear();
    this.deliveryStats.clear();
  }
}
