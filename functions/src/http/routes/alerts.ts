import { Router } from 'express';
import { z } from 'zod';
import type { Firestore } from 'firebase-admin/firestore';
import { MAX_SILENCE_MS, type AlertAction } from '../../domain/alert-state';
import { actOnAlert, listAlerts } from '../../services/alerts';
import { HttpError } from '../errors';
import { handler } from '../handler';
import { documentId } from '../ids';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const alertListQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const alertParams = z.object({
  // Firestore refuses `.` and `..` as ids (a 500 otherwise); alert ids never are.
  alertId: documentId(/^[A-Za-z0-9@._:~-]{1,200}$/, 'an alert id').refine((id) => !/^\.{1,2}$/.test(id), {
    message: 'an alert id, not . or ..',
  }),
});
export const silenceBody = z.strictObject({
  minutes: z
    .number()
    .int()
    .min(1)
    .max(MAX_SILENCE_MS / 60_000)
    .meta({ description: 'How long nothing is sent for this alert (at most 7 days)' }),
});

/**
 * Admin: the business alerts (services/alerts.ts), and acknowledging or silencing one. An action
 * on an alert (acknowledge and unsilence take no body) is a transaction with its read
 * (applyAdminAction), so it cannot undo an evaluator run that wrote in between; repeating an action
 * answers 200 with `changed: false`.
 */
export function alertRoutes(db: () => Firestore, verify: TokenVerifier): Router {
  const router = Router();
  const admin = requireAdmin(verify);
  router.get(
    '/admin/alerts',
    admin,
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: alertListQuery });
      const alerts = await listAlerts(db(), query);
      res.set('Cache-Control', 'private, no-store').json({ alerts });
    }),
  );
  const act = (verb: 'acknowledge' | 'silence' | 'unsilence') =>
    router.post(
      `/admin/alerts/:alertId\\:${verb}`,
      admin,
      handler(async (req, res) => {
        const by = req.auth?.uid as string;
        let alertId: string;
        let action: AlertAction;
        if (verb === 'silence') {
          const { params, body } = parseRequest(req, { params: alertParams, body: silenceBody });
          alertId = params.alertId;
          action = { kind: 'silence', by, durationMs: body.minutes * 60_000 };
        } else {
          alertId = parseRequest(req, { params: alertParams }).params.alertId;
          action = { kind: verb, by };
        }
        const result = await actOnAlert(db(), alertId, action, Date.now());
        if (!result.ok) throw new HttpError(result.status, result.code, result.message);
        res.set('Cache-Control', 'private, no-store').json({ alert: result.alert, changed: result.changed });
      }),
    );
  act('acknowledge');
  act('silence');
  act('unsilence');
  return router;
}
