/**
 * What the admin operations page shows of the two daily reconciliations (the aggregate one covers
 * agg_user_daily, agg_insights and agg_model) and of parked Stripe events, from their documents (services/reconciliation.ts writes ops/reconciliation/runs,
 * services/billing-reconciliation.ts ops/billing/reconciliation_runs, services/billing.ts
 * ops/billing/parked_events). Pure: the service reads the documents and turns Timestamps into
 * milliseconds; a field a console edit broke reads as zero or empty rather than failing the page.
 */
import { z } from 'zod';

export const RUN_KINDS = ['aggregates', 'billing'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** A run document as read: its id, its data, and when it finished (ms; null if unreadable). */
export interface RunDoc {
  kind: RunKind;
  id: string;
  data: unknown;
  finishedAtMs: number | null;
}

const count = z.number().int().min(0).catch(0);
const text = z.string().catch('');

/** An agg_model section with nothing found (a run's start; runs from before it was reconciled). */
export const NO_MODEL_REPAIRS = {
  checked: 0,
  repaired: 0,
  skippedRecent: 0,
  nDrift: 0,
  brierDrift: 0,
  predictions: 0,
  gradedRepaired: 0,
};

const aggregatesDoc = z.object({
  runId: text,
  from: text,
  userDaily: z
    .object({
      checked: count,
      repaired: count,
      skippedRecent: count,
      countDrift: count,
      engagementDrift: z.number().catch(0),
    })
    .catch({ checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0, engagementDrift: 0 }),
  insights: z
    .object({ checked: count, repaired: count, skippedRecent: count, countDrift: count })
    .catch({ checked: 0, repaired: 0, skippedRecent: 0, countDrift: 0 }),
  // Runs before agg_model was reconciled have none: zeros.
  models: z
    .object({
      checked: count,
      repaired: count,
      skippedRecent: count,
      nDrift: z.number().min(0).catch(0),
      brierDrift: z.number().min(0).catch(0),
      predictions: count,
      gradedRepaired: count,
    })
    .catch(() => ({ ...NO_MODEL_REPAIRS })),
  repairs: z
    .array(
      z.object({
        path: text,
        was: z.record(z.string(), z.number()).catch({}),
        now: z.record(z.string(), z.number()).catch({}),
      }),
    )
    .catch([]),
});

const billingDoc = z.object({
  runId: text,
  since: text,
  customers: count,
  repaired: z.array(z.object({ uid: text, customerId: text })).catch([]),
  failed: z.array(z.object({ customerId: text, error: text })).catch([]),
});

interface RunCommon {
  id: string;
  runId: string;
  /** When the run finished. */
  at: string | null;
  /** What the run looked at: buckets (aggregates) or customers (billing). */
  checked: number;
  /** What it found wrong and repaired. */
  repaired: number;
  /** What it could not do (billing: customers whose re-sync failed; retried by the next run). */
  failed: number;
  /** One line for a table, e.g. `142 buckets checked, 2 repaired (drift: 1,000 in counts)`. */
  summary: string;
}

export interface AggregatesRun extends RunCommon {
  kind: 'aggregates';
  /** The first day it recomputed. */
  from: string;
  userDaily: z.infer<typeof aggregatesDoc>['userDaily'];
  insights: z.infer<typeof aggregatesDoc>['insights'];
  /** agg_model (the model scorecards): documents checked, repaired and skipped, |n| and |Brier sum|
   * drift, predictions read and those whose `graded` record was set right. */
  models: z.infer<typeof aggregatesDoc>['models'];
  /** The first 50 repairs: the aggregate's path, what it held and what it holds now. */
  repairs: z.infer<typeof aggregatesDoc>['repairs'];
}

export interface BillingRun extends RunCommon {
  kind: 'billing';
  /** Stripe events from this time on were looked at. */
  since: string;
  repairedCustomers: { uid: string; customerId: string }[];
  failures: { customerId: string; error: string }[];
}

export type ReconciliationRun = AggregatesRun | BillingRun;

/** Four significant digits, no trailing zeros (0.41, not 0.4100; 0.0001234). */
const fourDigits = (x: number): number => Number(x.toPrecision(4));

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toRun(doc: RunDoc): ReconciliationRun {
  const common = { id: doc.id, at: iso(doc.finishedAtMs) };
  if (doc.kind === 'aggregates') {
    const d = aggregatesDoc.parse(doc.data ?? {});
    const sections = [d.userDaily, d.insights, d.models];
    const total = (f: (s: (typeof sections)[number]) => number) => sections.reduce((a, s) => a + f(s), 0);
    const checked = total((s) => s.checked);
    const repaired = total((s) => s.repaired);
    const skipped = total((s) => s.skippedRecent);
    const drift = d.userDaily.countDrift + d.insights.countDrift + d.models.nDrift;
    const brier = d.models.brierDrift > 0 ? `, ${fourDigits(d.models.brierDrift)} in model Brier sums` : '';
    return {
      kind: 'aggregates',
      ...common,
      runId: d.runId || doc.id,
      checked,
      repaired,
      failed: 0,
      summary:
        `${checked} aggregates checked, ${repaired} repaired` +
        (repaired > 0 ? ` (drift: ${drift} in counts${brier})` : '') +
        (d.models.gradedRepaired > 0 ? `, ${d.models.gradedRepaired} predictions regraded` : '') +
        (skipped > 0 ? `, ${skipped} skipped (recently written)` : ''),
      from: d.from,
      userDaily: d.userDaily,
      insights: d.insights,
      models: d.models,
      repairs: d.repairs,
    };
  }
  const d = billingDoc.parse(doc.data ?? {});
  return {
    kind: 'billing',
    ...common,
    runId: d.runId || doc.id,
    checked: d.customers,
    repaired: d.repaired.length,
    failed: d.failed.length,
    summary:
      `${d.customers} customers re-synced, ${d.repaired.length} repaired` +
      (d.failed.length > 0 ? `, ${d.failed.length} failed (retried by the next run)` : ''),
    since: d.since,
    repairedCustomers: d.repaired,
    failures: d.failed,
  };
}

/** Both kinds' runs, newest first (a run with no readable time last), at most `limit`. */
export function latestRuns(docs: readonly RunDoc[], limit: number): ReconciliationRun[] {
  return [...docs]
    .sort(
      (a, b) =>
        (b.finishedAtMs ?? -Infinity) - (a.finishedAtMs ?? -Infinity) ||
        (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .slice(0, limit)
    .map(toRun);
}
