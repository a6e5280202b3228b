/**
 * The `authzen` section: where the AuthZEN metadata document (`GET
 * /.well-known/authzen-configuration`) says this decision point is. The base URL is configured,
 * never read from a request's Host header: a client that can choose the Host would otherwise
 * choose the endpoints a PEP discovers (a PDP mix-up, which the specification's
 * `policy_decision_point` check exists to prevent). Defaults are listed in docs/config.md.
 */
import { z } from 'zod';

/** Hosts for which a plain `http` base URL is accepted: a trial on one machine, never a network. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `value` cannot be the decision point's identifier, or null when it can. */
function baseUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL (https://pdp.example.com)';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    return 'must use https (http only for localhost, 127.0.0.1 or [::1])';
  if (url.username !== '' || url.password !== '') return 'must not carry a user or password';
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value))
    return 'must have no query and no fragment';
  if (value.endsWith('/')) return 'must not end with "/" (the endpoints are appended to it)';
  // The identifier is compared byte for byte by PEPs: it must read as the URL parser writes it.
  if (url.href !== value && url.href !== `${value}/`)
    return `must be written in its normal form (${url.href.replace(/\/$/, '')})`;
  return null;
}

export const authzenConfigSchema = z
  .strictObject({
    /** The decision point's identifier (`policy_decision_point`); absent: no metadata document. */
    base_url: z
      .string()
      .check((payload) => {
        const problem = baseUrlProblem(payload.value);
        if (problem !== null)
          payload.issues.push({ code: 'custom', input: payload.value, message: problem });
      })
      .optional(),
  })
  .prefault({});
