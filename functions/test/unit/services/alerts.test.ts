import type { Verdict } from '../../../src/domain/alert-rules';
import type { ReconciliationRun } from '../../../src/domain/ops-runs';
import { jobStates, readStoredAlert } from '../../../src/services/alerts';

const run = (kind: 'aggregates' | 'billing', at: string | null) => ({ kind, at }) as ReconciliationRun;

it('a job completed at the later of ops/jobs and its latest reconciliation report', () => {
  const recorded = new Map([
    ['ledgerCleanup', Date.parse('2026-11-29T03:00:05Z')],
    ['reconcileAggregates', Date.parse('2026-11-28T04:01:00Z')],
  ]);
  const states = jobStates(recorded, [
    run('aggregates', '2026-11-29T04:02:00.000Z'),
    run('aggregates', '2026-11-27T04:02:00.000Z'),
    run('billing', null),
  ]);
  expect(Object.fromEntries(states.map((s) => [s.job, s.lastCompletedMs]))).toEqual({
    warmPredictionCache: null,
    reconcileAggregates: Date.parse('2026-11-29T04:02:00Z'),
    reconcileBilling: null,
    ledgerCleanup: Date.parse('2026-11-29T03:00:05Z'),
  });
  expect(states.find((s) => s.job === 'warmPredictionCache')?.periodMs).toBe(15 * 60_000);
});

describe('a stored alert', () => {
  const verdict: Verdict = { ruleId: 'stale-games', subject: 'nfl', finding: null };
  const stored = {
    ruleId: 'stale-games',
    subject: 'nfl',
    status: 'open',
    severity: 'warning',
    summary: 's',
    details: { count: 1 },
    incidents: 1,
    firstOpenedAt: 1,
    openedAt: 1,
    resolvedAt: null,
    escalatedAt: null,
    lastRunId: 'r1',
    lastSeenAt: 1,
    lastNotifiedAt: 1,
    knownSeverity: 'warning',
    ackedBy: null,
    ackedAt: null,
    silencedUntil: null,
    silencedBy: null,
  };

  it('is read as stored when it parses and is this verdict’s', () => {
    expect(readStoredAlert('alerts/stale-games_nfl', stored, verdict)).toEqual(stored);
    expect(readStoredAlert('alerts/stale-games_nfl', undefined, verdict)).toBeNull();
  });

  it('is treated as absent when a console edit broke it or it names another rule or subject', () => {
    expect(readStoredAlert('alerts/stale-games_nfl', { ...stored, severity: 'huge' }, verdict)).toBeNull();
    expect(readStoredAlert('alerts/stale-games_nfl', { ...stored, subject: 'nba' }, verdict)).toBeNull();
  });
});
