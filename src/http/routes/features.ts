/** `GET /v1/features` on the management app: the caller's bearer token in `Authorization`. */
import { bearerToken } from '../../authz/http-credentials.js';
import { OrgwardenError } from '../../contract/errors.js';
import { createFeatures, type FeaturesDeps } from '../../surfaces/features/features.js';
import type { ManagementRoute } from '../route-table.js';

export function featuresRoutes(deps: FeaturesDeps): ManagementRoute[] {
  const featuresFor = createFeatures(deps);
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/v1/features',
      operation: 'features',
      auth: 'caller',
      async handle(req, res) {
        // The answer depends on who asks: never cached, by anyone.
        res.set({ 'cache-control': 'no-store', vary: 'Authorization' });
        try {
          res.json(await featuresFor(bearerToken(req.get('authorization'))));
        } catch (err) {
          if (err instanceof OrgwardenError && err.code === 'unauthorized')
            res.set('www-authenticate', 'Bearer');
          throw err;
        }
      },
    },
  ];
}
