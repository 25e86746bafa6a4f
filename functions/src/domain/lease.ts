/**
 * A lease: one holder at a time, with an expiry so a crashed holder is replaced. Pure rules; the
 * ratings worker applies them in Firestore transactions.
 */
export interface Lease {
  holder: string;
  /** Milliseconds since the epoch. */
  expiresAtMs: number;
}

/** Whether `lease` leaves the work free to take at `nowMs` (none, or expired). */
export const leaseFree = (lease: Lease | null | undefined, nowMs: number): boolean =>
  !lease || lease.expiresAtMs < nowMs;

/**
 * A heartbeat's renewal: the lease extended by `leaseMs` from now, if `holder` still holds it;
 * null when it was lost (released, or taken over after it expired), so the holder stops renewing.
 */
export function renewLease(
  lease: Lease | null | undefined,
  holder: string,
  nowMs: number,
  leaseMs: number,
): Lease | null {
  if (!lease || lease.holder !== holder) return null;
  return { holder, expiresAtMs: nowMs + leaseMs };
}

/** How often a holder renews: three times per lease, so two missed beats still leave it held. */
export const heartbeatEveryMs = (leaseMs: number): number => Math.max(1, Math.floor(leaseMs / 3));
