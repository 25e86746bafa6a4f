/**
 * Idempotency ledger ids (DESIGN.md "Writes and invalidation"): one document per function and
 * event, written in the same transaction as the change the event caused, so a redelivered event
 * finds its entry and changes nothing.
 */

/** `processed_events/{functionName}_{eventId}`; `/` is not allowed in a document id. */
export function ledgerDocId(functionName: string, eventId: string): string {
  if (!functionName || !eventId) throw new Error('ledgerDocId needs a function name and an event id');
  return `${functionName}_${eventId}`.replace(/\//g, '_');
}

export function ledgerExpiry(now: Date, retentionMs: number): Date {
  return new Date(now.getTime() + retentionMs);
}
