/**
 * Cache lifetimes, in one table (DESIGN.md "targets and cache lifetimes"). Prediction keys are
 * content-addressed (model version + game + ratings version), so an entry never goes stale; its
 * TTL only bounds memory and Redis size. Pointers (active model version, ratingsVersion) are the
 * only mutable things cached, so their L1 TTL bounds how long an activation takes to reach every
 * instance.
 */
export const CACHE_TTLS = {
  /** ML predictions: L1 + L2 + L3 (the predictions documents, no TTL). */
  prediction: { l1Ms: 60 * 60_000, l2Seconds: 24 * 3600 },
  /**
   * Active model version and ratingsVersion per sport: short, since an activation or a ratings
   * change must reach every instance. Set by PREDICTION_POINTER_TTL_MS (config.ts), default 2 s.
   */
  pointer: { l1Ms: 2_000, l2Seconds: 0 },
  /** API list responses (games lists): invalidated by writes through namespace versions. */
  apiResponse: { l1Ms: 60_000, l2Seconds: 15 * 60 },
  /** Real-time metrics (aggregates read by dashboards): short, and invalidated on write. */
  realtimeMetric: { l1Ms: 5_000, l2Seconds: 30 },
  /**
   * A user's entitlement (tier): L1 set by ENTITLEMENT_L1_TTL_MS (config.ts, default 1 s: how long a
   * tier change may take to reach every instance), L2 invalidated by every write (versioned).
   */
  entitlement: { l1Ms: 1_000, l2Seconds: 24 * 3600 },
  /** User session / preferences. */
  session: { l1Ms: 5 * 60_000, l2Seconds: 24 * 3600 },
} as const;
