import { healthHttpStatus, overallStatus } from '../../../src/domain/health';

const up = { ok: true, latencyMs: 1 };
const failing = { ok: false, latencyMs: 1, reason: 'boom' };

describe('overallStatus', () => {
  it('is ok when every dependency is ok', () => {
    expect(overallStatus({ firestore: up, redis: up })).toBe('ok');
  });
  it('is degraded, not down, when only Redis fails (the cache is optional)', () => {
    expect(overallStatus({ firestore: up, redis: failing })).toBe('degraded');
  });
  it('is down when Firestore fails, whatever Redis does', () => {
    expect(overallStatus({ firestore: failing, redis: up })).toBe('down');
    expect(overallStatus({ firestore: failing, redis: failing })).toBe('down');
  });
});

describe('healthHttpStatus', () => {
  it('answers 200 while the service can serve and 503 when it cannot', () => {
    expect(healthHttpStatus('ok')).toBe(200);
    expect(healthHttpStatus('degraded')).toBe(200);
    expect(healthHttpStatus('down')).toBe(503);
  });
});
