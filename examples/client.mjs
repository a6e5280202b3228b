#!/usr/bin/env node
// The TypeScript/JavaScript client, orgwarden/client, against a running orgwarden (docs/clients.md).
//
//   ORGWARDEN_URL=http://127.0.0.1:8181 ORGWARDEN_CALLER_TOKEN=… ORGWARDEN_ADMIN_TOKEN=… \
//   USER_TOKEN=<a session of alice> node examples/client.mjs
import { createOrgwardenClient, OrgwardenApiError } from 'orgwarden/client';

const ow = createOrgwardenClient({
  baseUrl: process.env.ORGWARDEN_URL ?? 'http://127.0.0.1:8181',
  callerToken: process.env.ORGWARDEN_CALLER_TOKEN,
  adminToken: process.env.ORGWARDEN_ADMIN_TOKEN,
});
const token = process.env.USER_TOKEN;

// A denial is an answer, not an error: answer the end user with decision.status.
for (const org of ['acme', 'frozen']) {
  const decision = await ow.authorize({ token, org, action: 'resource.read' });
  const verdict = decision.allow ? 'allow' : 'deny';
  console.log(`read in ${org}: ${verdict} (${decision.reason}) ${decision.status}`);
}

const features = await ow.features(token);
console.log(`orgs: ${features.multi_tenant ? features.orgs.map((o) => o.id).join(', ') : '-'}`);

// A refused call throws OrgwardenApiError: switch on its code, never on the message.
try {
  await ow.admin.setRollout({ mode: 'off', orgs: ['acme'] });
} catch (err) {
  if (!(err instanceof OrgwardenApiError)) throw err;
  console.log(`rollout refused: ${err.status} ${err.code}`);
}
const { multi_tenant: multiTenant } = await ow.admin.tenancy();
console.log(`multi-tenant: ${multiTenant ? 'on' : 'off'}`);
