/**
 * stripeWebhook: Stripe's events, verified over the raw body (300 s tolerance), then one
 * `syncCustomer` per customer event (services/billing.ts). Answers 2xx only after the state change
 * and its dedupe record are committed; 5xx when a retry can help (Stripe unreachable, Firestore
 * contention, Redis invalidation failing), so Stripe redelivers; 400 for a bad signature, which
 * writes nothing. An event for a customer we do not know is parked for an admin and answered 200.
 */
import { randomUUID } from 'node:crypto';
import { onRequest, type Request, type Response } from 'firebase-functions/https';
import type Stripe from 'stripe';
import { SIZING, stripeSecretKey, stripeWebhookSecret, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { billing } from '../runtime';
import { handleStripeEvent, type BillingDeps } from '../services/billing';
import { isTransientStripeError } from '../services/stripe';

/** Stripe's default, stated: a signature older than this is refused (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function reply(res: Response, status: number, requestId: string, body: object): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .set('X-Request-Id', requestId)
    .json({ ...body, requestId });
}

const fail = (res: Response, status: number, requestId: string, code: string, message: string) =>
  reply(res, status, requestId, { error: { code, message } });

function isContention(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 10 ABORTED (transaction contention), 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, 8 RESOURCE_EXHAUSTED
  return code === 10 || code === 4 || code === 14 || code === 8;
}

export function stripeWebhookHandler(deps: () => BillingDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = randomUUID();
    const log = logger.child({ requestId, source: 'stripeWebhook' });
    if (req.method !== 'POST') {
      res.set('Allow', 'POST');
      fail(res, 405, requestId, 'method_not_allowed', 'Stripe webhooks are POSTed.');
      return;
    }
    const signature = req.get('stripe-signature');
    if (!req.rawBody || !signature) {
      fail(res, 400, requestId, 'invalid_signature', 'A signed Stripe event is required.');
      return;
    }
    const billingDeps = deps();
    let event: Stripe.Event;
    try {
      event = billingDeps.stripe.webhooks.constructEvent(
        req.rawBody,
        signature,
        billingDeps.config.webhookSecret,
        SIGNATURE_TOLERANCE_SECONDS,
      );
    } catch (err) {
      log.warn('stripe webhook: signature refused', {
        reason: err instanceof Error ? err.message : String(err),
      });
      fail(res, 400, requestId, 'invalid_signature', 'The Stripe-Signature header does not match this body.');
      return;
    }
    const live = billingDeps.config.secretKey.startsWith('sk_live_');
    if (event.livemode !== live) {
      log.warn('stripe webhook: event from the other mode ignored', {
        eventId: event.id,
        livemode: event.livemode,
      });
      reply(res, 200, requestId, { received: true, outcome: 'ignored' });
      return;
    }
    try {
      const result = await handleStripeEvent(billingDeps, event);
      log.info('stripe webhook', {
        eventId: event.id,
        type: event.type,
        outcome: result.outcome,
        uid: result.uid,
      });
      reply(res, 200, requestId, { received: true, outcome: result.outcome });
    } catch (err) {
      const transient = isTransientStripeError(err) || isContention(err);
      log.error('stripe webhook failed; Stripe will redeliver', {
        eventId: event.id,
        type: event.type,
        transient,
        err: err instanceof Error ? err : new Error(String(err)),
      });
      if (transient) fail(res, 503, requestId, 'unavailable', 'Temporarily unable to process the event.');
      else fail(res, 500, requestId, 'internal', 'The event could not be processed.');
    }
  };
}

/** Stripe's webhook endpoint, also at /stripe/webhook through Hosting. */
export const stripeWebhook = onRequest(
  {
    ...SIZING.stripeWebhook,
    secrets: [stripeSecretKey, stripeWebhookSecret, upstashToken],
    invoker: 'public',
  },
  stripeWebhookHandler(billing),
);
