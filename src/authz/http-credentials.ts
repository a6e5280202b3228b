/**
 * Reading a credential and a named org out of the headers a gateway saw. Header names match
 * case-insensitively (callers pass them lower-cased). Org precedence: header, then cookie; the
 * explicit `org` field of a request wins over both.
 */
import type { NamedOrgSource } from './decision-request.js';

export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*bearer\s+([^\s]+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

export interface OrgNaming {
  field?: string | undefined;
  header?: string | undefined;
  cookie?: string | undefined;
  path?: string | undefined;
}

/** First of field, path, header, cookie that is present; null when the client named no org. */
export function namedOrg(naming: OrgNaming): { id: string; source: NamedOrgSource } | null {
  const order: NamedOrgSource[] = ['field', 'path', 'header', 'cookie'];
  for (const source of order) {
    const id = naming[source];
    if (id !== undefined) return { id, source };
  }
  return null;
}
