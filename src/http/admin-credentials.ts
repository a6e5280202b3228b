/**
 * The admin credentials a replica accepts, from the `admin` config section: each named credential
 * (`admin.credentials`) and, for compatibility, the legacy `admin.token_env` token as the
 * credential named `admin` with role `admin`.
 *
 * Invariants: names are unique and tokens are unique (two credentials sharing a token could not
 * tell their actors apart); both are config errors naming the key, checked when the config is
 * validated against the environment and again when the app resolves the tokens.
 */
import type { AdminRole } from './admin-roles.js';

export const LEGACY_ADMIN_NAME = 'admin';

export interface AdminCredential {
  readonly name: string;
  readonly role: AdminRole;
  readonly token: string;
}

interface CredentialKey {
  /** Path of the entry inside the `admin` section (`['credentials', 1]`, `['token_env']`). */
  path: readonly (string | number)[];
  name: string;
  token_env: string;
}

interface Problem {
  path: (string | number)[];
  message: string;
}

/** `admin.credentials[1].token_env`: the spelling config problems use. */
const keyOf = (path: readonly (string | number)[]) =>
  ['admin', ...path]
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .slice(1);

/** Duplicate names, and (with an environment) duplicate tokens, each named by its key. */
export function duplicateCredentials(
  entries: readonly CredentialKey[],
  env: Readonly<Record<string, string | undefined>> | null,
): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, CredentialKey>();
  const tokens = new Map<string, CredentialKey>();
  for (const entry of entries) {
    const namePath = entry.path[0] === 'token_env' ? [...entry.path] : [...entry.path, 'name'];
    const sameName = names.get(entry.name);
    if (sameName)
      problems.push({
        path: namePath,
        message: `duplicate credential name "${entry.name}" (also ${keyOf(sameName.path)}${sameName.path[0] === 'token_env' ? ', the legacy token named admin' : ''}): each name is one actor`,
      });
    else names.set(entry.name, entry);
    const token = env?.[entry.token_env];
    if (token === undefined || token === '') continue;
    const sameToken = tokens.get(token);
    if (sameToken)
      problems.push({
        path: entry.path[0] === 'token_env' ? [...entry.path] : [...entry.path, 'token_env'],
        message: `environment variable ${entry.token_env} holds the same token as ${keyOf(sameToken.path)} (${sameToken.token_env}): each credential needs its own token`,
      });
    else tokens.set(token, entry);
  }
  return problems;
}

interface AdminSection {
  token_env?: string | undefined;
  credentials: readonly { name: string; role: AdminRole; token_env: string }[];
}

/**
 * The credentials with their tokens read from `env`. Throws naming the key when a token is
 * missing or shorter than `minChars`, or when names or tokens repeat.
 */
export function resolveAdminCredentials(
  admin: AdminSection,
  env: Readonly<Record<string, string | undefined>>,
  minChars: number,
): AdminCredential[] {
  const entries: (CredentialKey & { role: AdminRole })[] = [
    // The legacy key keeps its old meaning: a named but unset variable turns it off.
    ...(admin.token_env !== undefined && env[admin.token_env]
      ? [
          {
            path: ['token_env'],
            name: LEGACY_ADMIN_NAME,
            role: 'admin' as const,
            token_env: admin.token_env,
          },
        ]
      : []),
    ...admin.credentials.map((c, i) => ({ ...c, path: ['credentials', i] })),
  ];
  const problems = duplicateCredentials(entries, env);
  if (problems.length > 0)
    throw new Error(problems.map((p) => `${keyOf(p.path)}: ${p.message}`).join('; '));
  return entries.map((entry) => {
    const token = env[entry.token_env];
    if (token === undefined || token.length < minChars)
      throw new Error(
        `${keyOf(entry.path[0] === 'token_env' ? entry.path : [...entry.path, 'token_env'])}: environment variable ${entry.token_env} must hold a secret of at least ${minChars} characters`,
      );
    return { name: entry.name, role: entry.role, token };
  });
}
