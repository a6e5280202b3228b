/** `GET /v1/openapi.json`: the OpenAPI document of this API (`openapi-document.ts`), as JSON. */
import { sendJson } from '../errors.js';
import type { OpenApiDocument } from '../openapi-document.js';
import type { ManagementRoute } from '../route-table.js';

export function openApiRoutes(document: OpenApiDocument): ManagementRoute[] {
  return [
    {
      surface: 'management',
      method: 'GET',
      path: '/v1/openapi.json',
      operation: 'openapi',
      auth: 'caller',
      handle(_req, res) {
        sendJson(res, 200, document);
      },
    },
  ];
}
