/** `GET /v1/features` on the management app: the caller's bearer token in `Authorization`. */
import type { Router } from 'express';
import { bearerToken } from '../../authz/http-credentials.js';
import { ApiError } from '../../http/errors.js';
import type { RouteModule } from '../../http/management-app.js';
import { createFeatures, type FeaturesDeps } from './features.js';

export function featuresRoutes(deps: FeaturesDeps): RouteModule {
  const featuresFor = createFeatures(deps);
  return (router: Router) => {
    router.get('/v1/features', async (req, res) => {
      // The answer depends on who asks: never cached, by anyone.
      res.set({ 'cache-control': 'no-store', vary: 'Authorization' });
      try {
        res.json(await featuresFor(bearerToken(req.get('authorization'))));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'unauthorized') res.set('www-authenticate', 'Bearer');
        throw err;
      }
    });
  };
}
