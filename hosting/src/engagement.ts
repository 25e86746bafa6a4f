/**
 * Engagement the app records for signed-in users (POST /v1/events): game views, shares and picks,
 * so a user's analytics reflect what they did. Each event carries its own Idempotency-Key, so a
 * retry after a network failure is counted once. Signed-out visitors record nothing.
 */
import { api, attempt } from './api';

export type EngagementType = 'view' | 'pick' | 'share';

/** How much each kind of event says about engagement (0-100). */
const SCORE: Record<EngagementType, number> = { view: 10, pick: 40, share: 60 };

export async function record(type: EngagementType): Promise<boolean> {
  const key = crypto.randomUUID();
  for (let tryNo = 0; tryNo < 3; tryNo++) {
    const r = await attempt(() =>
      api.POST('/v1/events', {
        body: { type, engagementScore: SCORE[type] },
        headers: { 'Idempotency-Key': key },
      }),
    );
    if (r.ok) return true;
    if (r.problem.kind !== 'offline' && r.problem.kind !== 'unavailable') return false;
    await new Promise((resolve) => setTimeout(resolve, 2000 * (tryNo + 1)));
  }
  return false;
}
