import { Router } from 'express';
import { z } from 'zod';
import { documentId } from '../ids';
import { ID_PATTERN } from '../../ml/artifact';
import type { Firestore } from 'firebase-admin/firestore';
import { listModels } from '../../data/registry';
import { activate, ModelRejected, uploadVersion } from '../../services/registry';
import { modelMetrics } from '../../services/model-metrics';
import type { L2Cache } from '../../cache/l2';
import { HttpError, notFound } from '../errors';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const modelParams = z.object({
  modelId: documentId(ID_PATTERN, 'a model id (letters, digits, _ and -)'),
});
export const uploadBody = z.object({
  artifact: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()).optional(),
});
export const metricsQuery = z.object({ season: z.coerce.number().int().min(1900).max(2100).optional() });
export const activateBody = z.object({ version: documentId(ID_PATTERN, 'a version id') });

/**
 * The model registry (admin) and each model's graded accuracy (public). `onActivated` lets this
 * instance drop its cached pointers at once.
 */
export function modelRoutes(
  db: () => Firestore,
  l2: () => L2Cache,
  verify: TokenVerifier,
  onActivated: (sport: string) => void,
): Router {
  const router = Router();
  const admin = requireAdmin(verify);
  router.get(
    '/models/:modelId/metrics',
    handler(async (req, res) => {
      const { params, query } = parseRequest(req, {
        params: modelParams,
        query: metricsQuery,
      });
      const { value, cache } = await modelMetrics(db(), l2(), params.modelId, query.season ?? null);
      res
        .set('X-Cache', cache)
        .json({ modelId: params.modelId, season: query.season ?? null, versions: value });
    }),
  );
  router.get(
    '/models',
    admin,
    handler(async (_req, res) => {
      res.json({ models: await listModels(db()) });
    }),
  );
  router.post(
    '/models/:modelId/versions',
    admin,
    handler(async (req, res) => {
      const { params, body } = parseRequest(req, { params: modelParams, body: uploadBody });
      try {
        const result = await uploadVersion(db(), params.modelId, body.artifact, body.metrics);
        if (result.stored === 'conflict')
          throw new HttpError(
            409,
            'version_conflict',
            `Model ${params.modelId} already has a version ${result.version} with other weights: give the new artifact its own version.`,
            [{ field: 'artifact.metadata.version', message: 'already stored with a different artifact' }],
          );
        res.status(result.stored === 'created' ? 201 : 200).json({ ...result, stored: result.stored });
      } catch (err) {
        if (err instanceof ModelRejected) throw new HttpError(422, 'invalid_model', err.message, err.fields);
        throw err;
      }
    }),
  );
  router.post(
    '/models/:modelId/activate',
    admin,
    handler(async (req, res) => {
      const { params, body } = parseRequest(req, { params: modelParams, body: activateBody });
      const result = await activate(db(), params.modelId, body.version);
      if (result === 'unknown-model') throw notFound(`No model ${params.modelId}.`);
      if (result === 'unknown-version')
        throw notFound(`Model ${params.modelId} has no version ${body.version}.`);
      onActivated(result.sport);
      res.json(result);
    }),
  );
  return router;
}
