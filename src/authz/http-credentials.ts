/**
 * Reading a credential and a named org out of the headers a gateway saw, and the org precedence
 * every surface uses (`namedOrg`). Header names match case-insensitively (callers pass them
 * lower-cased). Org precedence: the explicit `org` field, the path, the header, then the cookie.
 *
 * Invariant: a request that names its credential or its org more than once — the org header or
 * `authorization` twice (in any spelling of the name), the org cookie twice — is refused, never
 * resolved by picking one. The upstream behind a gateway may read the other copy, so any choice
 * here could authorise a different request than the one served. `readGatewayCredentials` is the
 * one place this is decided, for `/v1/authorize` (`headers`) and forward-auth alike.
 */
import type { NamedOrgSource } from '../contract/org-sources.js';

/** Every value a header had, in arrival order, by lower-cased name (undefined: absent). */
export type HeaderValues = (lowerCaseName: string) => readonly string[] | undefined;

interface GatewayCredentials {
  /** The `authorization` header as sent (the bearer token is read from it later). */
  authorization: string | undefined;
  /** The org header's value. */
  header: string | undefined;
  /** The org cookie's value, percent-decoded. */
  cookie: string | undefined;
}

export type CredentialsRead =
  { ok: true; value: GatewayCredentials } | { ok: false; message: string };

/** The credential and the org a gateway's headers name, or why they are ambiguous. */
export function readGatewayCredentials(
  headers: HeaderValues,
  names: { org_header: string; org_cookie: string },
): CredentialsRead {
  const orgHeader = names.org_header.toLowerCase();
  for (const name of ['authorization', orgHeader]) {
    if ((headers(name)?.length ?? 0) > 1) {
      return {
        ok: false,
        message: `${name} is given more than once (header names match case-insensitively)`,
      };
    }
  }
  // Several Cookie headers are one cookie list (RFC 6265 §5.4), joined as node:http joins them.
  const cookies = headers('cookie')?.join('; ');
  if (cookies !== undefined && countCookie(cookies, names.org_cookie) > 1) {
    return { ok: false, message: `the ${names.org_cookie} cookie is given more than once` };
  }
  return {
    ok: true,
    value: {
      authorization: headers('authorization')?.[0],
      header: headers(orgHeader)?.[0],
      cookie: cookieValue(cookies, names.org_cookie),
    },
  };
}

/** Cookie names are case-sensitive (RFC 6265), so only exact repeats of `name` count. */
function countCookie(header: string, name: string): number {
  let n = 0;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) n++;
  }
  return n;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^\s*bearer\s+([^\s]+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}

function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
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

/** The contract's precedence: the body's field, then the path, then the header, then the cookie. */
const ORG_PRECEDENCE: readonly NamedOrgSource[] = ['field', 'path', 'header', 'cookie'];

/**
 * The first source in `precedence` that names an org; null when the client named none. A surface
 * whose sources are configured (a forward-auth route's `org: [cookie, header]`) passes its own
 * order; sources left out of it are not read.
 */
export function namedOrg(
  naming: OrgNaming,
  precedence: readonly NamedOrgSource[] = ORG_PRECEDENCE,
): { id: string; source: NamedOrgSource } | null {
  for (const source of precedence) {
    const id = naming[source];
    if (id !== undefined) return { id, source };
  }
  return null;
}
