/** Helpers for the kill-switch tests: admin calls, a memory logger, authorize calls. */
import type { Logger } from '../../src/contract/logger.js';
import { postJson } from '../support/app.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * What GET and PUT /v1/admin/tenancy answer: the switch's state (and `changed` after a PUT), or a
 * refusal. Typed as the wire carries it (every field optional), so a missing field fails the
 * assertion that names it.
 */
interface TenancyBody {
  multi_tenant?: boolean;
  store?: string;
  synced?: boolean;
  version?: number | null;
  flips?: number;
  last_flip_at?: string | null;
  changed?: boolean;
  error?: { code?: string; message?: string };
}

export async function getTenancy(url: string, headers: Record<string, string> = ADMIN) {
  const res = await fetch(`${url}/v1/admin/tenancy`, { headers });
  return { status: res.status, json: (await res.json()) as TenancyBody };
}

export async function putTenancy(
  url: string,
  body: unknown,
  headers: Record<string, string> = ADMIN,
  contentType = 'application/json',
) {
  const res = await fetch(`${url}/v1/admin/tenancy`, {
    method: 'PUT',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: TenancyBody | undefined;
  try {
    json = JSON.parse(text) as TenancyBody;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

/** An org read in a non-default org: allowed while multi-tenant is on, feature_disabled when off. */
export async function authorizeAcme(url: string, token: string) {
  const res = await postJson(`${url}/v1/authorize`, { token, org: 'acme', action: 'org.read' });
  return res.json as { allow: boolean; reason: string; multi_tenant: boolean };
}

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, msg, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
