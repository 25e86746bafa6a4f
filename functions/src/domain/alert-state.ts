/**
 * The life of one alert document, `alerts/{alertId}`: a pure state machine the evaluator runs once
 * per verdict (domain/alert-rules.ts), inside a transaction on the document, and admin actions
 * (acknowledge, silence, unsilence). Times are epoch milliseconds.
 *
 * - One document per rule and subject. It is open while the rule fires and resolved when its verdict
 *   is healthy; firing again later reopens it as a new incident (`incidents` + 1, new `openedAt`,
 *   acknowledgement cleared). A subject the rule could not judge gets no transition at all.
 * - Severity only rises within an incident: to the finding's, or to critical once the incident has
 *   been open `escalateAfterMs`. A warning-critical-warning flap therefore escalates once.
 * - Notifications: `opened` when nobody knows of the incident yet and the cooldown since the last
 *   notification (of any kind, any incident) has passed; so a condition that flaps is announced at
 *   most once per cooldown. `reminder` once per cooldown while open and not acknowledged.
 *   `escalated` at once when the severity rises above what people were told or acknowledged, and
 *   `resolved` at once when an incident people knew of clears; each at most once per incident. Both
 *   restart the cooldown clock.
 * - Acknowledged (`ackedAt`): someone is on it. No reminders; escalation and resolution are still
 *   sent, because they are news the acknowledger did not have (a wider audience may need the
 *   escalation). An acknowledgement counts as knowing of the incident.
 * - Silenced (`silencedUntil` in the future): nothing is sent; the state still moves. When the
 *   silence ends, whatever people were not told is sent (`opened` if nobody knew, else `escalated`
 *   if the severity rose); an incident that opened and cleared inside the silence is never sent.
 * - Idempotent: a run whose `runId` is the document's `lastRunId`, or whose time is older than its
 *   `lastSeenAt` (a late retry of an earlier schedule), writes nothing and sends nothing.
 *   Notification ids are derived from the alert, incident, kind and run, so a delivery retried
 *   after a crash finds its own earlier attempt.
 */
import { z } from 'zod';
import { alertId, safeDocId, type AlertDetails, type AlertFinding, type AlertSeverity } from './alert-rules';

export interface AlertPolicy {
  /** At most one opened/reminder notification per alert in this time. 4 h. */
  cooldownMs: number;
  /** A warning still open this long after it opened becomes critical. 24 h. */
  escalateAfterMs: number;
}

const HOUR = 3_600_000;
export const DEFAULT_ALERT_POLICY: AlertPolicy = { cooldownMs: 4 * HOUR, escalateAfterMs: 24 * HOUR };
/** The longest an admin may silence an alert for. */
export const MAX_SILENCE_MS = 7 * 24 * HOUR;

const severity = z.enum(['warning', 'critical']);
const ms = z.number().finite();

/** An alert document as stored (validate what the evaluator and the admin routes read). */
export const alertDocSchema = z.object({
  ruleId: z.string().min(1),
  subject: z.string().min(1),
  status: z.enum(['open', 'resolved']),
  severity,
  summary: z.string(),
  details: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  /** Incidents so far; the current (or last) one is number `incidents`. */
  incidents: z.number().int().min(1),
  firstOpenedAt: ms,
  /** When the current (or last) incident opened. */
  openedAt: ms,
  resolvedAt: ms.nullable(),
  /** When the severity rose within the current incident; null: it did not. */
  escalatedAt: ms.nullable(),
  /** The run that last wrote it, and its time. */
  lastRunId: z.string(),
  lastSeenAt: ms,
  lastNotifiedAt: ms.nullable(),
  /** The severity people were last told (opened, escalated) or acknowledged; null: nobody knows. */
  knownSeverity: severity.nullable(),
  ackedBy: z.string().nullable(),
  ackedAt: ms.nullable(),
  silencedUntil: ms.nullable(),
  silencedBy: z.string().nullable(),
});
export type AlertDoc = z.infer<typeof alertDocSchema>;

export type NotificationKind = 'opened' | 'reminder' | 'escalated' | 'resolved';

export interface AlertNotification {
  /** Deterministic (`{alertId}_{incident}_{kind}_{runId}`, made safe): a delivery or mail document id. */
  id: string;
  kind: NotificationKind;
  alertId: string;
  ruleId: string;
  subject: string;
  severity: AlertSeverity;
  /** The finding's line (for `resolved`, the last one seen while it fired). */
  summary: string;
  details: AlertDetails;
  incident: number;
  openedAt: number;
  at: number;
  runId: string;
}

export interface TransitionInput {
  doc: AlertDoc | null;
  /** The verdict's finding for this alert id; null: the rule judged the subject healthy. */
  finding: AlertFinding | null;
  /** The run id (the schedule time) and the run's time. */
  runId: string;
  nowMs: number;
  policy: AlertPolicy;
}

export interface Transition {
  /** The document to write; null: write nothing. */
  doc: AlertDoc | null;
  notifications: AlertNotification[];
}

const NOTHING: Transition = { doc: null, notifications: [] };
const RANK: Record<AlertSeverity, number> = { warning: 0, critical: 1 };
const higher = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (RANK[b] > RANK[a] ? b : a);

export const isSilenced = (doc: AlertDoc, nowMs: number): boolean =>
  doc.silencedUntil !== null && nowMs < doc.silencedUntil;

function notification(
  doc: AlertDoc,
  kind: NotificationKind,
  runId: string,
  nowMs: number,
): AlertNotification {
  const id = alertId(doc.ruleId, doc.subject);
  return {
    id: safeDocId(
      `${id}_${doc.incidents}_${kind}_${runId}`,
      JSON.stringify([id, doc.incidents, kind, runId]),
      200,
    ),
    kind,
    alertId: id,
    ruleId: doc.ruleId,
    subject: doc.subject,
    severity: doc.severity,
    summary: doc.summary,
    details: doc.details,
    incident: doc.incidents,
    openedAt: doc.openedAt,
    at: nowMs,
    runId,
  };
}

/** The next state of one alert document and what to send, for one verdict of one run. */
export function transition(input: TransitionInput): Transition {
  const { doc: stored, finding, runId, nowMs, policy } = input;
  if (stored && (stored.lastRunId === runId || nowMs < stored.lastSeenAt)) return NOTHING;
  if (stored && finding && (stored.ruleId !== finding.ruleId || stored.subject !== finding.subject))
    throw new Error(
      `finding ${finding.ruleId}/${finding.subject} is not alert ${stored.ruleId}/${stored.subject}`,
    );
  const silenceOver = stored !== null && stored.silencedUntil !== null && nowMs >= stored.silencedUntil;
  const tidy = {
    lastRunId: runId,
    lastSeenAt: nowMs,
    ...(silenceOver ? { silencedUntil: null, silencedBy: null } : {}),
  };

  if (!finding) {
    if (!stored || stored.status === 'resolved') return NOTHING;
    const doc: AlertDoc = { ...stored, ...tidy, status: 'resolved', resolvedAt: nowMs };
    if (stored.knownSeverity === null || isSilenced(stored, nowMs)) return { doc, notifications: [] };
    return {
      doc: { ...doc, lastNotifiedAt: nowMs },
      notifications: [notification(doc, 'resolved', runId, nowMs)],
    };
  }

  const reading = { summary: finding.summary, details: finding.details };
  let doc: AlertDoc;
  if (!stored) {
    doc = {
      ruleId: finding.ruleId,
      subject: finding.subject,
      status: 'open',
      severity: finding.severity,
      ...reading,
      incidents: 1,
      firstOpenedAt: nowMs,
      openedAt: nowMs,
      resolvedAt: null,
      escalatedAt: null,
      lastRunId: runId,
      lastSeenAt: nowMs,
      lastNotifiedAt: null,
      knownSeverity: null,
      ackedBy: null,
      ackedAt: null,
      silencedUntil: null,
      silencedBy: null,
    };
  } else if (stored.status === 'resolved') {
    doc = {
      ...stored,
      ...tidy,
      ...reading,
      status: 'open',
      severity: finding.severity,
      incidents: stored.incidents + 1,
      openedAt: nowMs,
      resolvedAt: null,
      escalatedAt: null,
      knownSeverity: null,
      ackedBy: null,
      ackedAt: null,
    };
  } else {
    const severity = higher(stored.severity, finding.severity);
    const rose = severity !== stored.severity;
    doc = { ...stored, ...tidy, ...reading, severity, escalatedAt: rose ? nowMs : stored.escalatedAt };
  }
  if (doc.severity === 'warning' && nowMs - doc.openedAt >= policy.escalateAfterMs)
    doc = { ...doc, severity: 'critical', escalatedAt: nowMs };

  if (isSilenced(doc, nowMs)) return { doc, notifications: [] };
  const cooled = doc.lastNotifiedAt === null || nowMs - doc.lastNotifiedAt >= policy.cooldownMs;
  let kind: NotificationKind | null = null;
  if (doc.knownSeverity === null) kind = cooled ? 'opened' : null;
  else if (RANK[doc.severity] > RANK[doc.knownSeverity]) kind = 'escalated';
  else if (doc.ackedAt === null && cooled) kind = 'reminder';
  if (!kind) return { doc, notifications: [] };
  doc = { ...doc, lastNotifiedAt: nowMs, knownSeverity: doc.severity };
  return { doc, notifications: [notification(doc, kind, runId, nowMs)] };
}

// ---- admin actions ---------------------------------------------------------------------------------

export type AlertAction =
  | { kind: 'acknowledge'; by: string }
  | { kind: 'silence'; by: string; durationMs: number }
  | { kind: 'unsilence'; by: string };

export type ActionResult =
  | { ok: true; doc: AlertDoc; changed: boolean }
  | { ok: false; status: 400 | 404 | 409; code: string; message: string };

/**
 * An admin's action on an alert, in a transaction with the read of `doc`. Repeating an action is
 * not an error (`changed: false`). Acknowledging needs an open alert; silencing works on a resolved
 * one too (so a flapping alert can be quieted before it reopens) and replaces an earlier silence.
 */
export function applyAdminAction(doc: AlertDoc | null, action: AlertAction, nowMs: number): ActionResult {
  if (!doc) return { ok: false, status: 404, code: 'not_found', message: 'No such alert.' };
  if (action.by.length === 0)
    return { ok: false, status: 400, code: 'invalid_action', message: 'The acting admin is required.' };
  switch (action.kind) {
    case 'acknowledge':
      if (doc.status !== 'open')
        return {
          ok: false,
          status: 409,
          code: 'alert_not_open',
          message: 'Only an open alert can be acknowledged.',
        };
      if (doc.ackedAt !== null) return { ok: true, doc, changed: false };
      return {
        ok: true,
        doc: { ...doc, ackedBy: action.by, ackedAt: nowMs, knownSeverity: doc.severity },
        changed: true,
      };
    case 'silence': {
      const d = action.durationMs;
      if (!Number.isInteger(d) || d <= 0 || d > MAX_SILENCE_MS)
        return {
          ok: false,
          status: 400,
          code: 'invalid_duration',
          message: `durationMs must be a whole number of milliseconds from 1 to ${MAX_SILENCE_MS} (7 days).`,
        };
      return { ok: true, doc: { ...doc, silencedUntil: nowMs + d, silencedBy: action.by }, changed: true };
    }
    case 'unsilence':
      if (!isSilenced(doc, nowMs)) return { ok: true, doc, changed: false };
      return { ok: true, doc: { ...doc, silencedUntil: null, silencedBy: null }, changed: true };
  }
}
