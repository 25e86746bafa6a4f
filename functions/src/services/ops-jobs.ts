/**
 * `ops/jobs`: when each scheduled job last completed, one field per job (`{job}.lastCompletedAt`),
 * written as the job's last step. The alert evaluator reads it to tell a job that stopped running
 * (or keeps failing) from one that is merely quiet; reconcileAggregates and reconcileBilling also
 * leave run reports, and the evaluator takes the later of the two.
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';

const jobsDoc = (db: Firestore) => db.collection(Collections.ops).doc('jobs');

/** Records that `job` completed now (merged: the other jobs' fields are kept). */
export async function recordJobCompleted(db: Firestore, job: string, at = new Date()): Promise<void> {
  await jobsDoc(db).set({ [job]: { lastCompletedAt: Timestamp.fromDate(at) } }, { merge: true });
}

/** Each recorded job's last completion, in ms; a field a console edit broke is left out. */
export async function lastCompletions(db: Firestore): Promise<Map<string, number>> {
  const data = (await jobsDoc(db).get()).data() ?? {};
  const out = new Map<string, number>();
  for (const [job, value] of Object.entries(data)) {
    const at = (value as { lastCompletedAt?: unknown } | null)?.lastCompletedAt;
    if (at instanceof Timestamp) out.set(job, at.toMillis());
  }
  return out;
}
