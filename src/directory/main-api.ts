/**
 * The two reads orgwarden makes against the main API in pull mode (`directory.http`):
 *
 *   GET {url}/orgs/{org}          200 → the org record as JSON (the directory's record shape)
 *                                 404 → no such org
 *   GET {url}/users/{user}/orgs   200 → {"orgs": [{"id": "acme"}, ...]}  (other keys ignored)
 *                                 404 → the user is in no org
 *
 * Anything else — another status, a redirect, a timeout, a network error, a body that is not JSON,
 * larger than the cap, or not a valid record for the org asked for — is DirectoryUnavailableError:
 * the decision denies `directory_unavailable`. A failure never reads as "no such org" or "not a
 * member", and a malformed record never grants anything.
 *
 * Path safety (the main-API token goes with every request): an id that is not an acceptable org id
 * or a canonical user id (src/contract/ids.ts) is never sent — it names no org and no member, so
 * the answer is "no such org" / "in no org" without a request. Every id that is sent is
 * percent-encoded as one segment, and the built URL is checked after WHATWG parsing (which treats
 * `..`, `.` and `%2e%2e` as dot segments): its path is the base path followed by exactly the
 * expected segments, each decoding to the id. A URL that fails the check is never fetched.
 */
import { isAcceptableOrgId, isCanonicalUserId } from '../contract/ids.js';
import { DirectoryUnavailableError, type OrgRecord } from './types.js';
import { directoryValidation } from './validate.js';

export interface MainApiOptions {
  /** Base URL; https, or http for a loopback host only. */
  url: string;
  timeoutMs: number;
  defaultOrg: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Largest response body accepted (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface MainApi {
  /** The org's record, or null when the main API says it does not exist (or the id cannot name an org). */
  fetchOrg(id: string, signal?: AbortSignal): Promise<OrgRecord | null>;
  /**
   * Ids of the orgs the main API lists for the user (candidates: roles come from the records);
   * empty, without a request, for an id that is not a canonical user id.
   */
  fetchUserOrgs(user: string, signal?: AbortSignal): Promise<string[]>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** More than this many orgs for one user is treated as a malformed answer, not truncated. */
export const MAX_USER_ORGS = 10_000;

export function createMainApi(options: MainApiOptions, fetchImpl: typeof fetch): MainApi {
  const base = parseMainApiUrl(options.url);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const validation = directoryValidation(options.defaultOrg);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'orgwarden' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  /**
   * `{body}` (parsed JSON) for a 200, `null` for a 404; throws DirectoryUnavailableError otherwise.
   * The body is wrapped so that a 200 with the JSON `null` can never read as a 404.
   */
  async function get(
    segments: readonly string[],
    what: string,
    signal?: AbortSignal,
  ): Promise<{ body: unknown } | null> {
    const url = readUrl(base, segments);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetchImpl(url, {
        headers,
        redirect: 'error',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return null;
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new DirectoryUnavailableError(
          `directory unavailable: main API answered ${res.status} for ${what}`,
        );
      }
      text = await readCapped(res, maxBodyBytes);
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) throw err;
      const why = timeout.aborted
        ? `timed out after ${options.timeoutMs} ms`
        : `failed: ${errorMessage(err)}`;
      throw new DirectoryUnavailableError(
        `directory unavailable: main API request for ${what} ${why}`,
        { cause: err },
      );
    }
    try {
      return { body: JSON.parse(text) as unknown };
    } catch (err) {
      throw new DirectoryUnavailableError(
        `directory unavailable: main API sent a body that is not JSON for ${what}`,
        { cause: err },
      );
    }
  }

  return {
    async fetchOrg(id, signal) {
      if (!isAcceptableOrgId(id, options.defaultOrg)) return null;
      const what = `org ${JSON.stringify(id)}`;
      const found = await get(['orgs', id], what, signal);
      if (found === null) return null;
      try {
        const record = validation.parseOrgRecord(found.body);
        if (record.id !== id)
          throw new Error(`record.id: ${JSON.stringify(record.id)} is not the org asked for`);
        return record;
      } catch (err) {
        throw new DirectoryUnavailableError(
          `directory unavailable: main API sent a malformed record for ${what}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    },
    async fetchUserOrgs(user, signal) {
      if (!isCanonicalUserId(user)) return [];
      const what = 'the orgs of a user';
      const found = await get(['users', user, 'orgs'], what, signal);
      if (found === null) return [];
      const { body } = found;
      const list =
        typeof body === 'object' && body !== null ? (body as { orgs?: unknown }).orgs : undefined;
      if (!Array.isArray(list) || list.length > MAX_USER_ORGS) {
        throw new DirectoryUnavailableError(
          `directory unavailable: main API sent a malformed list for ${what} (expected {"orgs": [{"id": …}, …]})`,
        );
      }
      const ids = list.map((entry: unknown) =>
        typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined,
      );
      if (!ids.every((id) => isAcceptableOrgId(id, options.defaultOrg))) {
        throw new DirectoryUnavailableError(
          `directory unavailable: main API sent a malformed list for ${what} (an entry without a valid org id)`,
        );
      }
      return [...new Set(ids)];
    },
  };
}

/**
 * `{base}/{segment}/…`, each segment percent-encoded, or DirectoryUnavailableError when the parsed
 * URL would not be exactly that: its origin is the base's, its path starts with the base path and
 * has exactly one more segment per entry of `segments`, each decoding to that entry.
 */
export function readUrl(base: string, segments: readonly string[]): URL {
  const baseUrl = new URL(base);
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const url = new URL(`${basePath}/${segments.map(encodeURIComponent).join('/')}`, baseUrl.origin);
  const rest = url.pathname.startsWith(`${basePath}/`)
    ? url.pathname.slice(basePath.length + 1).split('/')
    : null;
  const exact =
    url.origin === baseUrl.origin &&
    url.search === '' &&
    rest !== null &&
    rest.length === segments.length &&
    rest.every((segment, i) => safeDecode(segment) === segments[i]);
  if (!exact)
    throw new DirectoryUnavailableError(
      'directory unavailable: refused a main API path that does not have the expected shape',
    );
  return url;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** https only, except for a loopback host: membership data decides allows and must not be forgeable in transit. */
export function parseMainApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`directory.http.url: '${value}' is not a URL`);
  }
  if (url.username !== '' || url.password !== '')
    throw new Error('directory.http.url: credentials in the URL are not allowed');
  if (url.search !== '' || url.hash !== '')
    throw new Error('directory.http.url: a query or fragment is not allowed (it is a base URL)');
  const loopback =
    url.hostname === 'localhost' ||
    url.hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new Error(
      `directory.http.url: '${url.protocol}//${url.host}' must use https (http is allowed only for a loopback host)`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new DirectoryUnavailableError(
      `directory unavailable: main API response exceeds ${maxBytes} bytes`,
    );
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes)
      throw new DirectoryUnavailableError(
        `directory unavailable: main API response exceeds ${maxBytes} bytes`,
      );
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
