/** `GET /v1/policy`: what policy is serving (contract section 7). */
import type { Router } from 'express';
import type { ActivePolicy } from '../engine/active-policy.js';
import { ApiError } from './errors.js';

export function policyStatusRoutes(policy: ActivePolicy) {
  return (router: Router) => {
    router.get('/v1/policy', (_req, res) => {
      const engine = policy.current();
      if (!engine) throw new ApiError('unavailable', 'no policy is active');
      res.json({ revision: engine.revision, entrypoints: engine.entrypoints, loaded_at: engine.loadedAt.toISOString() });
    });
  };
}
