import { ledgerDocId, ledgerExpiry } from '../../../src/domain/ledger';

describe('ledgerDocId', () => {
  it('keys an entry by function name and event id', () => {
    expect(ledgerDocId('onInsightWritten', 'abc-123')).toBe('onInsightWritten_abc-123');
  });
  it('gives different functions handling the same event different entries', () => {
    expect(ledgerDocId('a', 'e1')).not.toBe(ledgerDocId('b', 'e1'));
  });
  it('never produces a slash, which Firestore ids cannot contain', () => {
    expect(ledgerDocId('f', 'projects/p/events/1')).toBe('f_projects_p_events_1');
  });
  it('refuses an empty event id rather than collapsing every event onto one entry', () => {
    expect(() => ledgerDocId('f', '')).toThrow();
  });
});

describe('ledgerExpiry', () => {
  it('is the processing time plus the retention', () => {
    expect(ledgerExpiry(new Date('2026-01-01T00:00:00Z'), 86_400_000).toISOString()).toBe(
      '2026-01-02T00:00:00.000Z',
    );
  });
});
