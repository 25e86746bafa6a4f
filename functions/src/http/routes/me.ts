import { Router } from 'express';
import { requireAdmin, requireUser, type TokenVerifier } from '../middleware/auth';

/** Who the caller is: `GET /v1/me` for any signed-in user, `GET /v1/admin/whoami` for admins. */
export function identityRoutes(verify: TokenVerifier): Router {
  const router = Router();
  router.get('/me', requireUser(verify), (req, res) => {
    res.set('Cache-Control', 'private, no-store').json({ ...req.auth, tier: req.access?.tier ?? 'free' });
  });
  router.get('/admin/whoami', requireAdmin(verify), (req, res) => {
    res.set('Cache-Control', 'private, no-store').json({ ...req.auth, tier: req.access?.tier ?? 'free' });
  });
  return router;
}
