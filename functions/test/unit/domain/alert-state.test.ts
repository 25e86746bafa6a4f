import { alertId, type AlertFinding, type AlertSeverity } from '../../../src/domain/alert-rules';
import {
  alertDocSchema,
  applyAdminAction,
  DEFAULT_ALERT_POLICY as policy,
  MAX_SILENCE_MS,
  transition,
  type AlertDoc,
  type AlertNotification,
} from '../../../src/domain/alert-state';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2017-10-15T12:00:00Z');
/** The evaluator's schedule: every 5 minutes. */
const EVERY = 5 * MIN;

const firing = (severity: AlertSeverity = 'warning', delta = 0.015): AlertFinding => ({
  ruleId: 'model-drift-elo',
  subject: 'nfl-wp',
  severity,
  summary: `nfl-wp@v3: ${delta} worse than Elo`,
  details: { delta },
});

/**
 * Runs the evaluator's loop for one alert: at T0 + k * EVERY for k in [from, to), with the finding
 * `at(time)` gives; returns the last document and every notification sent.
 */
function simulate(
  start: AlertDoc | null,
  fromMs: number,
  toMs: number,
  at: (time: number) => AlertFinding | null,
): { doc: AlertDoc | null; sent: AlertNotification[] } {
  let doc = start;
  const sent: AlertNotification[] = [];
  for (let time = fromMs; time < toMs; time += EVERY) {
    const next = transition({
      doc,
      finding: at(time),
      runId: new Date(time).toISOString(),
      nowMs: time,
      policy,
    });
    if (next.doc) doc = next.doc;
    sent.push(...next.notifications);
  }
  return { doc, sent };
}
const kinds = (sent: AlertNotification[]) => sent.map((n) => n.kind);
const open = (finding = firing()) =>
  transition({ doc: null, finding, runId: new Date(T0).toISOString(), nowMs: T0, policy }).doc as AlertDoc;

describe('transition', () => {
  it('opens an alert and announces it once', () => {
    const runId = new Date(T0).toISOString();
    const next = transition({ doc: null, finding: firing(), runId, nowMs: T0, policy });
    expect(next.doc).toMatchObject({
      ruleId: 'model-drift-elo',
      subject: 'nfl-wp',
      status: 'open',
      severity: 'warning',
      incidents: 1,
      openedAt: T0,
      lastRunId: runId,
      knownSeverity: 'warning',
      lastNotifiedAt: T0,
    });
    expect(next.notifications).toEqual([
      {
        id: `${alertId('model-drift-elo', 'nfl-wp')}_1_opened_${runId}`,
        kind: 'opened',
        alertId: alertId('model-drift-elo', 'nfl-wp'),
        ruleId: 'model-drift-elo',
        subject: 'nfl-wp',
        severity: 'warning',
        summary: firing().summary,
        details: firing().details,
        incident: 1,
        openedAt: T0,
        at: T0,
        runId,
      },
    ]);
    // What it writes reads back with the schema the evaluator and the routes use.
    expect(alertDocSchema.parse(next.doc)).toEqual(next.doc);
  });

  it('writes nothing for a healthy subject with no alert', () => {
    expect(transition({ doc: null, finding: null, runId: 'r', nowMs: T0, policy })).toEqual({
      doc: null,
      notifications: [],
    });
  });

  it('sends one notification per cooldown however often it is evaluated', () => {
    const span = policy.cooldownMs - EVERY; // just inside the cooldown
    const { doc, sent } = simulate(null, T0, T0 + span, () => firing());
    expect(span / EVERY).toBeGreaterThan(40);
    expect(kinds(sent)).toEqual(['opened']);
    expect(doc?.lastRunId).toBe(new Date(T0 + span - EVERY).toISOString());
    // Past the cooldown: one reminder per cooldown, never more.
    const hours = 3 * policy.cooldownMs;
    const longer = simulate(null, T0, T0 + hours, () => firing());
    expect(kinds(longer.sent)).toEqual(['opened', 'reminder', 'reminder']);
    expect(longer.sent[1]?.at).toBe(T0 + policy.cooldownMs);
  });

  it('escalates a warning to critical once it has been open for escalateAfterMs', () => {
    const { doc, sent } = simulate(null, T0, T0 + policy.escalateAfterMs + HOUR, () => firing());
    const escalated = sent.filter((n) => n.kind === 'escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ severity: 'critical', at: T0 + policy.escalateAfterMs });
    expect(doc).toMatchObject({ severity: 'critical', escalatedAt: T0 + policy.escalateAfterMs });
    // Escalation does not wait for the cooldown: the reminder at 24 h was replaced by it.
    expect(policy.escalateAfterMs % policy.cooldownMs).toBe(0);
    const reminders = policy.escalateAfterMs / policy.cooldownMs - 1;
    expect(kinds(sent)).toEqual(['opened', ...Array<string>(reminders).fill('reminder'), 'escalated']);
  });

  it('escalates at once when the rule says critical, and only once in an incident', () => {
    const severities: AlertSeverity[] = ['warning', 'critical', 'warning', 'critical'];
    const { doc, sent } = simulate(null, T0, T0 + 4 * EVERY, (time) =>
      firing(severities[(time - T0) / EVERY] ?? 'warning'),
    );
    expect(kinds(sent)).toEqual(['opened', 'escalated']);
    expect(doc?.severity).toBe('critical');
  });

  it('resolves when the condition clears, once', () => {
    const { doc, sent } = simulate(null, T0, T0 + 4 * EVERY, (time) =>
      time < T0 + 2 * EVERY ? firing() : null,
    );
    expect(kinds(sent)).toEqual(['opened', 'resolved']);
    expect(doc).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 2 * EVERY,
      lastRunId: new Date(T0 + 2 * EVERY).toISOString(),
    });
    expect(sent[1]).toMatchObject({ summary: firing().summary, incident: 1 });
  });

  it('changes nothing when run again with the same runId, or with an older run', () => {
    const runId = new Date(T0 + EVERY).toISOString();
    const first = transition({ doc: open(), finding: null, runId, nowMs: T0 + EVERY, policy });
    expect(first.doc?.status).toBe('resolved');
    expect(first.notifications).toHaveLength(1);
    const again = transition({ doc: first.doc, finding: null, runId, nowMs: T0 + EVERY, policy });
    expect(again).toEqual({ doc: null, notifications: [] });
    const withFinding = transition({
      doc: first.doc,
      finding: firing('critical'),
      runId,
      nowMs: T0 + EVERY,
      policy,
    });
    expect(withFinding).toEqual({ doc: null, notifications: [] });
    // A late retry of the schedule before it must not undo what the newer run wrote.
    const older = transition({
      doc: first.doc,
      finding: firing(),
      runId: 'earlier',
      nowMs: T0 + EVERY - 1,
      policy,
    });
    expect(older).toEqual({ doc: null, notifications: [] });
  });

  it('reopens a resolved alert as a new incident', () => {
    const acked = applyAdminAction(open(), { kind: 'acknowledge', by: 'admin-1' }, T0 + MIN);
    if (!acked.ok) throw new Error(acked.message);
    const resolved = transition({ doc: acked.doc, finding: null, runId: 'r1', nowMs: T0 + HOUR, policy }).doc;
    const later = T0 + HOUR + policy.cooldownMs;
    const next = transition({
      doc: resolved,
      finding: firing('critical', 0.03),
      runId: 'r2',
      nowMs: later,
      policy,
    });
    expect(next.doc).toMatchObject({
      status: 'open',
      incidents: 2,
      firstOpenedAt: T0,
      openedAt: later,
      resolvedAt: null,
      severity: 'critical',
      ackedBy: null,
      ackedAt: null,
      details: { delta: 0.03 },
    });
    expect(next.notifications).toMatchObject([
      { kind: 'opened', incident: 2, severity: 'critical', openedAt: later },
    ]);
  });

  it('announces a flapping condition at most once per cooldown', () => {
    // Firing on odd runs, healthy on even ones, for three cooldowns.
    const span = 3 * policy.cooldownMs;
    const { doc, sent } = simulate(null, T0, T0 + span, (time) =>
      ((time - T0) / EVERY) % 2 === 0 ? firing() : null,
    );
    const opened = sent.filter((n) => n.kind === 'opened');
    expect(opened.length).toBeLessThanOrEqual(span / policy.cooldownMs);
    expect(opened.length).toBeGreaterThan(1);
    // Every resolution sent is of an incident that was announced.
    const announced = new Set(opened.map((n) => n.incident));
    expect(sent.filter((n) => n.kind === 'resolved').every((n) => announced.has(n.incident))).toBe(true);
    expect(doc?.incidents).toBe(span / EVERY / 2);
  });

  it('throws when handed a finding of another alert', () => {
    expect(() =>
      transition({
        doc: open(),
        finding: { ...firing(), subject: 'other' },
        runId: 'r',
        nowMs: T0 + EVERY,
        policy,
      }),
    ).toThrow(/not alert/);
  });
});

describe('acknowledged and silenced alerts', () => {
  const action = (doc: AlertDoc, a: Parameters<typeof applyAdminAction>[1], at: number): AlertDoc => {
    const result = applyAdminAction(doc, a, at);
    if (!result.ok) throw new Error(result.message);
    return result.doc;
  };

  it('sends no reminders once acknowledged, but still the escalation and the resolution', () => {
    const acked = action(open(), { kind: 'acknowledge', by: 'admin-1' }, T0 + MIN);
    const end = T0 + policy.escalateAfterMs + 2 * policy.cooldownMs;
    const { doc, sent } = simulate(acked, T0 + EVERY, end, () => firing());
    expect(kinds(sent)).toEqual(['escalated']);
    const resolved = transition({ doc, finding: null, runId: 'end', nowMs: end, policy });
    expect(kinds(resolved.notifications)).toEqual(['resolved']);
  });

  it('counts an acknowledgement as knowing: an alert acknowledged before it was announced is never announced', () => {
    // Reopened inside the cooldown of the last resolution: recorded, not yet announced.
    const resolved = transition({ doc: open(), finding: null, runId: 'r1', nowMs: T0 + EVERY, policy });
    const reopened = transition({
      doc: resolved.doc,
      finding: firing(),
      runId: 'r2',
      nowMs: T0 + 2 * EVERY,
      policy,
    });
    expect(reopened.notifications).toEqual([]);
    expect(reopened.doc).toMatchObject({ incidents: 2, knownSeverity: null });
    // An admin sees it in the console and acknowledges it at critical (the rule just said so).
    const critical = transition({
      doc: reopened.doc,
      finding: firing('critical'),
      runId: 'r3',
      nowMs: T0 + 3 * EVERY,
      policy,
    }).doc as AlertDoc;
    const acked = action(critical, { kind: 'acknowledge', by: 'admin-1' }, T0 + 3 * EVERY + MIN);
    const later = T0 + 4 * EVERY + policy.cooldownMs;
    const { doc, sent } = simulate(acked, later, later + 3 * EVERY, (time) =>
      time < later + 2 * EVERY ? firing() : null,
    );
    expect(kinds(sent)).toEqual(['resolved']);
    expect(doc).toMatchObject({ status: 'resolved', incidents: 2 });
  });

  it('sends nothing while silenced, then what was missed when the silence ends', () => {
    const silenceMs = policy.escalateAfterMs + HOUR;
    const silenced = action(open(), { kind: 'silence', by: 'admin-1', durationMs: silenceMs }, T0 + MIN);
    const during = simulate(silenced, T0 + EVERY, T0 + MIN + silenceMs, () => firing());
    expect(during.sent).toEqual([]);
    expect(during.doc).toMatchObject({ severity: 'critical', knownSeverity: 'warning' });
    const after = simulate(during.doc, T0 + MIN + silenceMs + EVERY, T0 + MIN + silenceMs + 2 * EVERY, () =>
      firing(),
    );
    expect(kinds(after.sent)).toEqual(['escalated']);
    expect(after.doc).toMatchObject({ silencedUntil: null, silencedBy: null });
  });

  it('never sends an incident that opened and cleared inside a silence', () => {
    const resolved = transition({ doc: open(), finding: null, runId: 'r1', nowMs: T0 + EVERY, policy })
      .doc as AlertDoc;
    const silenced = action(
      resolved,
      { kind: 'silence', by: 'admin-1', durationMs: 2 * policy.cooldownMs },
      T0 + 2 * EVERY,
    );
    // Past the cooldown since the resolution: without the silence, the reopening would be announced.
    const start = T0 + EVERY + policy.cooldownMs;
    const { sent, doc } = simulate(silenced, start, start + 4 * EVERY, (time) =>
      time < start + 2 * EVERY ? firing() : null,
    );
    expect(sent).toEqual([]);
    expect(doc).toMatchObject({ status: 'resolved', incidents: 2 });
  });

  it('refuses what cannot be done, and repeating an action changes nothing', () => {
    expect(applyAdminAction(null, { kind: 'acknowledge', by: 'a' }, T0)).toMatchObject({
      ok: false,
      status: 404,
    });
    const resolved = transition({ doc: open(), finding: null, runId: 'r1', nowMs: T0 + EVERY, policy })
      .doc as AlertDoc;
    expect(applyAdminAction(resolved, { kind: 'acknowledge', by: 'a' }, T0)).toMatchObject({
      ok: false,
      status: 409,
      code: 'alert_not_open',
    });
    for (const durationMs of [0, -1, 1.5, MAX_SILENCE_MS + 1])
      expect(applyAdminAction(resolved, { kind: 'silence', by: 'a', durationMs }, T0)).toMatchObject({
        ok: false,
        status: 400,
        code: 'invalid_duration',
      });
    expect(applyAdminAction(open(), { kind: 'acknowledge', by: '' }, T0)).toMatchObject({
      ok: false,
      status: 400,
    });
    const acked = action(open(), { kind: 'acknowledge', by: 'a' }, T0 + MIN);
    expect(acked).toMatchObject({ ackedBy: 'a', ackedAt: T0 + MIN });
    expect(applyAdminAction(acked, { kind: 'acknowledge', by: 'b' }, T0 + 2 * MIN)).toEqual({
      ok: true,
      doc: acked,
      changed: false,
    });
    const silenced = action(resolved, { kind: 'silence', by: 'a', durationMs: HOUR }, T0);
    expect(silenced).toMatchObject({ silencedUntil: T0 + HOUR, silencedBy: 'a' });
    expect(action(silenced, { kind: 'unsilence', by: 'a' }, T0 + MIN)).toMatchObject({
      silencedUntil: null,
      silencedBy: null,
    });
    expect(applyAdminAction(silenced, { kind: 'unsilence', by: 'a' }, T0 + HOUR)).toMatchObject({
      changed: false,
    });
  });
});
