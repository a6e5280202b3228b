/**
 * `server.grpc`: where Envoy's ext_authz gRPC service listens. Absent: no gRPC server at all (the
 * HTTP forward-auth route still answers). Defaults are listed in docs/config.md.
 */
import { z } from 'zod';
import { integer } from '../contract/config-fields.js';

export const grpcConfigSchema = z.strictObject({
  /** Like `server.host`: loopback unless changed (a sidecar next to its gateway). */
  host: z.string().default('127.0.0.1'),
  /** Required when the section is given: no default that could collide with `server.port`. `0` picks a free one. */
  port: integer(0, 65535),
});
