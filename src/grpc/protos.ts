/**
 * The vendored Envoy protos (`proto/` at the package root, see proto/README.md), loaded at start
 * by @grpc/proto-loader. The folder is resolved from the package root — two levels above this
 * file's folder, in src/ and in dist/ alike — never from the working directory.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { load } from '@grpc/proto-loader';

const packageRoot = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROTO_DIR = path.join(packageRoot(), 'proto');
export const EXTERNAL_AUTH_PROTO = 'envoy/service/auth/v3/external_auth.proto';

/**
 * keepCase: field names as the .proto spells them (`headers_to_remove`); defaults: absent scalars
 * and maps read as their zero values, so a sparse CheckRequest never yields `undefined` deep down.
 */
export const PROTO_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export async function loadAuthorizationService(): Promise<ServiceDefinition> {
  const definition = await load(EXTERNAL_AUTH_PROTO, PROTO_OPTIONS);
  const root = loadPackageDefinition(definition) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: { service: ServiceDefinition } } } } };
  };
  return root.envoy.service.auth.v3.Authorization.service;
}
