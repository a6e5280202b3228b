// Ask orgwarden's ext_authz gRPC service (server.grpc) what Envoy asks it, with the protos it
// ships in proto/: node examples/envoy-grpc-check.mjs  (ORGWARDEN_GRPC=host:port, TOKEN=<a JWT>)
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const definition = loadSync('envoy/service/auth/v3/external_auth.proto', {
  includeDirs: [fileURLToPath(new URL('../proto', import.meta.url))],
  keepCase: true, // field names as the .proto spells them (ok_response, headers_to_remove)
  defaults: true, // empty lists read as [] rather than absent
});
const { Authorization } = loadPackageDefinition(definition).envoy.service.auth.v3;
const client = new Authorization(
  process.env.ORGWARDEN_GRPC ?? '127.0.0.1:9191',
  credentials.createInsecure(),
);

const ask = (method, path, headers) =>
  new Promise((resolve, reject) => {
    client.Check({ attributes: { request: { http: { method, path, headers } } } }, (err, res) => {
      if (err instanceof Error) reject(err);
      else resolve(res);
    });
  });

const describe = (res) => {
  if (res.ok_response) {
    const set = res.ok_response.headers.map((h) => h.header.key).join(' ');
    const remove = res.ok_response.headers_to_remove;
    const removed = remove.length > 0 ? remove.join(' ') : 'nothing';
    return `allow: sets ${set}; removes ${removed}`;
  }
  return `deny ${res.denied_response.status.code}: ${res.denied_response.body}`;
};

const auth = { authorization: `Bearer ${process.env.TOKEN ?? ''}` };
for (const { method, path, headers } of [
  { method: 'GET', path: '/api/orgs/acme/members', headers: auth },
  {
    method: 'GET',
    path: '/api/orgs/acme/members',
    headers: { ...auth, 'x-orgwarden-admin': 'yes' },
  },
  { method: 'GET', path: '/api/orgs/nope', headers: auth },
  { method: 'GET', path: '/api/orgs/acme/members', headers: {} },
]) {
  const res = await ask(method, path, headers);
  console.log(`${method} ${path} → code ${res.status.code}, ${describe(res)}`);
}
client.close();
