/**
 * What an uploaded model must agree on with the engine that will feed it: the same features in
 * the same order, and the rating parameters the stored ratings are computed with (features are
 * read from those ratings, so a model trained on other parameters would be fed the wrong numbers).
 */
import { FEATURE_NAMES } from './features';
import { NFL_RATING_PARAMS, type RatingParams } from './ratings/state';

export const ENGINE_RATING_PARAMS: Readonly<Record<string, Readonly<RatingParams>>> = {
  nfl: NFL_RATING_PARAMS,
};

/** The rating parameters the engine uses for a sport. */
export function engineRatingParams(sport: string): RatingParams {
  const params = ENGINE_RATING_PARAMS[sport];
  if (!params) throw new Error(`no rating engine for sport ${sport}`);
  return params;
}

export interface ModelFacts {
  modelId: string;
  sport: string;
  featureNames: readonly string[];
  ratingParams: unknown;
}

/** Problems that make a model unusable by this engine ([] when it fits), as field → message. */
export function engineMismatches(
  expectedModelId: string,
  facts: ModelFacts,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (facts.modelId !== expectedModelId) {
    problems.push({
      field: 'artifact.metadata.modelId',
      message: `is ${facts.modelId}, the URL says ${expectedModelId}`,
    });
  }
  const params = ENGINE_RATING_PARAMS[facts.sport];
  if (!params) {
    problems.push({ field: 'artifact.metadata.sport', message: `no rating engine for sport ${facts.sport}` });
  } else if (JSON.stringify(canonical(facts.ratingParams)) !== JSON.stringify(canonical(params))) {
    problems.push({
      field: 'artifact.metadata.ratingParams',
      message: 'differ from the engine that computes ratings',
    });
  }
  if (facts.featureNames.join(',') !== FEATURE_NAMES.join(',')) {
    problems.push({
      field: 'artifact.metadata.featureNames',
      message: `must be [${FEATURE_NAMES.join(', ')}] in this order`,
    });
  }
  return problems;
}

/** JSON with object keys sorted, so equal parameters compare equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
