/** Helpers for the kill-switch tests: admin calls, a memory logger, authorize calls. */
import type { Logger } from '../../src/contract/logger.js';
import { postJson } from '../support/app.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

export async function getTenancy(url: string, headers: Record<string, string> = ADMIN) {
  const res = await fetch(`${url}/v1/admin/tenancy`, { headers });
  return { status: res.status, json: (await res.json()) as any };
}

export async function putTenancy(url: string, body: unknown, headers: Record<string, string> = ADMIN, contentType = 'application/json') {
  const res = await fetch(`${url}/v1/admin/tenancy`, {
    method: 'PUT',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
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
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => {
    lines.push({ level, msg, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
