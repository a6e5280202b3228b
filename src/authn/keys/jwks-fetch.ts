/**
 * One fetch of a remote JWKS document, bounded in time, bytes and keys. Every way it can go wrong
 * is a `JwksFetchError` whose `problem` is a stable word and whose message names the URL (and the
 * cap, for the two caps); nothing from the response body ever reaches the message.
 */
import type { JSONWebKeySet } from 'jose';
import { OrgwardenError } from '../../contract/errors.js';
import { parseJwks } from './jwks-file.js';

export type JwksFetchProblem =
  'network' | 'timeout' | 'status' | 'too_large' | 'too_many_keys' | 'unparsable';

export class JwksFetchError extends OrgwardenError {
  readonly problem: JwksFetchProblem;

  constructor(problem: JwksFetchProblem, message: string, options?: { cause?: unknown }) {
    super('jwks_fetch_failed', message, options);
    this.problem = problem;
  }
}

export interface JwksFetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxKeys: number;
}

export async function fetchJwks(
  url: URL,
  limits: JwksFetchLimits,
  fetchImpl: typeof fetch,
): Promise<JSONWebKeySet> {
  const where = `auth.jwks_url: ${url.href}`;
  // One deadline for the whole exchange: headers and body. A server that trickles bytes is cut.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), limits.timeoutMs);
  try {
    const response = await request(url, deadline.signal, fetchImpl, where, limits.timeoutMs);
    const text = await readCapped(
      response,
      limits.maxBytes,
      deadline.signal,
      where,
      limits.timeoutMs,
    );
    let jwks: JSONWebKeySet;
    try {
      jwks = parseJwks(text, where);
    } catch (error) {
      throw new JwksFetchError('unparsable', (error as Error).message, { cause: error });
    }
    if (jwks.keys.length > limits.maxKeys) {
      throw new JwksFetchError(
        'too_many_keys',
        `${where} holds ${jwks.keys.length} keys, more than the cap of ${limits.maxKeys} (auth.jwks_max_keys)`,
      );
    }
    return jwks;
  } finally {
    clearTimeout(timer);
  }
}

async function request(
  url: URL,
  signal: AbortSignal,
  fetchImpl: typeof fetch,
  where: string,
  timeoutMs: number,
): Promise<Response> {
  let response: Response;
  try {
    // Redirects are not followed: the configured URL is the one place keys come from.
    response = await fetchImpl(url.href, {
      method: 'GET',
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json, application/jwk-set+json' },
    });
  } catch (error) {
    if (signal.aborted)
      throw new JwksFetchError(
        'timeout',
        `${where} did not answer within ${timeoutMs} ms (auth.jwks_timeout_ms)`,
        { cause: error },
      );
    throw new JwksFetchError('network', `${where} could not be reached`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new JwksFetchError('status', `${where} answered HTTP ${response.status}, not 200`);
  }
  return response;
}

/**
 * Reads the body as UTF-8, refusing it as soon as it passes `maxBytes`. Content-Length is only a
 * shortcut for refusing early: the count of bytes actually received is what is enforced, so a
 * lying or missing header changes nothing.
 */
async function readCapped(
  response: Response,
  maxBytes: number,
  signal: AbortSignal,
  where: string,
  timeoutMs: number,
): Promise<string> {
  const tooLarge = () =>
    new JwksFetchError(
      'too_large',
      `${where} is larger than the cap of ${maxBytes} bytes (auth.jwks_max_bytes)`,
    );
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted)
        throw new JwksFetchError(
          'timeout',
          `${where} did not answer within ${timeoutMs} ms (auth.jwks_timeout_ms)`,
        );
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof JwksFetchError) throw error;
    if (signal.aborted)
      throw new JwksFetchError(
        'timeout',
        `${where} did not answer within ${timeoutMs} ms (auth.jwks_timeout_ms)`,
        { cause: error },
      );
    throw new JwksFetchError('network', `${where} broke off while sending its body`, {
      cause: error,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
