/**
 * Webhook delivery for the Stripe fake: signs each event as Stripe does and POSTs it to every
 * registered endpoint, with knobs to hold, reorder, duplicate, delay and tamper with deliveries.
 *
 * Automatic deliveries run on one serial chain, in event order, one endpoint at a time, so a
 * receiver sees what Stripe usually sends; the knobs then break that on purpose (duplicates,
 * concurrency, reverse order, bad signatures) to test the receiver's idempotency and verification.
 * Failed deliveries are recorded but never retried automatically: tests redeliver explicitly,
 * which keeps them deterministic. `reset()` bumps a generation number so deliveries queued or in
 * flight before a reset neither record results nor touch the new state.
 */
import Stripe from 'stripe';
import type { EventObject } from './store';

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface DeliveryKnobs {
  /** `hold` queues events until `release()`; `immediate` delivers them as they happen. */
  mode: 'immediate' | 'hold';
  /** Deliver each event this many times to each endpoint. */
  duplicate: number;
  /** Send the duplicates of one event at once instead of one after another. */
  concurrent: boolean;
  /** Wait this long before delivering each event. */
  delayMs: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  /** HTTP status, or 0 when the request failed (connection refused, timeout, ...). */
  status: number;
  ok: boolean;
  /** 1 for the first delivery of this event to this URL, 2 for the next, ... */
  attempt: number;
  /** When the delivery started (Unix milliseconds, wall clock). */
  at: number;
  durationMs: number;
  /** Why a delivery with status 0 failed. */
  error?: string;
}

/** How one delivery is signed and sent: the tampering knobs of `POST /_fake/events/:id/deliver`. */
export interface SendOptions {
  /** Unix seconds in the signature (default: now, wall clock). */
  timestamp?: number;
  /** Sign with this secret instead of the endpoint's. */
  secret?: string;
  /** Send these bytes instead of the payload, but sign the real payload. */
  body?: string;
  /** Send this `Stripe-Signature` verbatim; `null` sends none. */
  signature?: string | null;
}

export interface BatchOptions extends SendOptions {
  times: number;
  concurrent: boolean;
  delayMs?: number;
}

export type ReleaseOrder = 'asis' | 'reverse' | 'shuffle';

export const DEFAULT_KNOBS: Readonly<DeliveryKnobs> = {
  mode: 'immediate',
  duplicate: 1,
  concurrent: false,
  delayMs: 0,
};

const USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

export interface DispatcherOptions {
  log: (msg: string) => void;
  /** Told about every recorded delivery (feeds `pending_webhooks` and `delivery_success`). */
  onResult: (record: DeliveryRecord) => void;
  /** Give up on an endpoint after this long (Stripe allows a few seconds). */
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class WebhookDispatcher {
  endpoints: WebhookEndpoint[] = [];
  knobs: DeliveryKnobs = { ...DEFAULT_KNOBS };
  records: DeliveryRecord[] = [];
  private held: EventObject[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private generation = 0;
  private readonly attempts = new Map<string, number>();
  private readonly timeoutMs: number;

  constructor(private readonly options: DispatcherOptions) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** A new event: queue it (hold mode) or schedule its delivery with the current knobs. */
  enqueue(event: EventObject): void {
    if (this.knobs.mode === 'hold') {
      this.held.push(event);
      return;
    }
    const { duplicate, concurrent, delayMs } = this.knobs;
    void this.schedule([event], { times: duplicate, concurrent, delayMs });
  }

  /** Delivers the held queue (emptying it) and resolves with those deliveries' records. */
  release(options: {
    order: ReleaseOrder;
    duplicate?: number;
    concurrent?: boolean;
  }): Promise<DeliveryRecord[]> {
    const events = this.held;
    this.held = [];
    if (options.order === 'reverse') events.reverse();
    if (options.order === 'shuffle') {
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        const a = events[i];
        const b = events[j];
        if (a !== undefined && b !== undefined) {
          events[i] = b;
          events[j] = a;
        }
      }
    }
    return this.schedule(events, {
      times: options.duplicate ?? this.knobs.duplicate,
      concurrent: options.concurrent ?? this.knobs.concurrent,
      delayMs: this.knobs.delayMs,
    });
  }

  /** Delivers one event now, outside the automatic queue (explicit redelivery and tampering). */
  deliverNow(event: EventObject, options: BatchOptions): Promise<DeliveryRecord[]> {
    return this.deliverEvent(event, options, this.generation);
  }

  /** Resolves once every delivery scheduled so far has finished. */
  async flush(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.chain;
      await tail;
    } while (tail !== this.chain);
  }

  /** Drops held events, knobs and records; deliveries already started finish unrecorded. */
  reset(): void {
    this.generation += 1;
    this.held = [];
    this.records = [];
    this.attempts.clear();
    this.knobs = { ...DEFAULT_KNOBS };
  }

  private schedule(events: readonly EventObject[], options: BatchOptions): Promise<DeliveryRecord[]> {
    const generation = this.generation;
    const run = async (): Promise<DeliveryRecord[]> => {
      const out: DeliveryRecord[] = [];
      for (const event of events) out.push(...(await this.deliverEvent(event, options, generation)));
      return out;
    };
    const result = this.chain.then(run, run);
    // Keep the chain alive whatever happens to one batch.
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async deliverEvent(
    event: EventObject,
    options: BatchOptions,
    generation: number,
  ): Promise<DeliveryRecord[]> {
    if (generation !== this.generation) return [];
    if (options.delayMs !== undefined && options.delayMs > 0) await sleep(options.delayMs);
    const out: DeliveryRecord[] = [];
    for (const endpoint of [...this.endpoints]) {
      if (generation !== this.generation) break;
      const times = Math.max(options.times, 0);
      if (options.concurrent) {
        const batch = await Promise.all(
          Array.from({ length: times }, () => this.send(event, endpoint, options, generation)),
        );
        out.push(...batch.filter((record): record is DeliveryRecord => record !== null));
      } else {
        for (let i = 0; i < times; i++) {
          const record = await this.send(event, endpoint, options, generation);
          if (record !== null) out.push(record);
        }
      }
    }
    return out;
  }

  /** One signed POST. Resolves with its record, or null when a reset happened meanwhile. */
  private async send(
    event: EventObject,
    endpoint: WebhookEndpoint,
    options: SendOptions,
    generation: number,
  ): Promise<DeliveryRecord | null> {
    const key = `${event.id} ${endpoint.url}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const payload = JSON.stringify(event, null, 2);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      accept: '*/*; q=0.5, application/xml',
      'cache-control': 'no-cache',
    };
    if (options.signature === undefined) {
      headers['stripe-signature'] = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? endpoint.secret,
        timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
      });
    } else if (options.signature !== null) {
      headers['stripe-signature'] = options.signature;
    }
    const at = Date.now();
    let status = 0;
    let error: string | undefined;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers,
        body: options.body ?? payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (err) {
      error =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    }
    if (generation !== this.generation) return null;
    const record: DeliveryRecord = {
      eventId: event.id,
      type: event.type,
      url: endpoint.url,
      status,
      ok: status >= 200 && status < 300,
      attempt,
      at,
      durationMs: Date.now() - at,
    };
    if (error !== undefined) record.error = error;
    this.records.push(record);
    this.options.onResult(record);
    this.options.log(
      `webhook ${event.type} ${event.id} → ${endpoint.url}: ${status === 0 ? `failed (${error ?? 'error'})` : status}`,
    );
    return record;
  }
}
