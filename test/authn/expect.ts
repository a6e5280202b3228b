/** Assertions shared by the authn tests. */
import { expect } from 'vitest';
import type { AuthResult } from '../../src/authn/types.js';
import type { AuthErrorCode, Principal } from '../../src/contract/principal.js';

/**
 * The result is a failure with exactly `code`; its message names `claim` when given, and never
 * carries the token or a jose message (ours never use double quotes; jose's do).
 */
export function expectFailure(
  result: AuthResult,
  code: AuthErrorCode,
  claim?: string,
  token?: unknown,
): void {
  expect(result).toMatchObject({ ok: false, code });
  if (result.ok) return;
  expect(Object.keys(result).sort()).toEqual(['code', 'message', 'ok']);
  expect(result.message).toMatch(/^[a-z]/);
  expect(result.message).not.toContain('"');
  if (claim !== undefined) expect(result.message).toContain(`'${claim}'`);
  if (typeof token === 'string' && token.length > 0) {
    for (const part of token.split('.').filter((segment) => segment.length > 8)) {
      expect(result.message).not.toContain(part);
    }
  }
}

export function expectPrincipal(result: AuthResult, principal: Principal): void {
  expect(result).toEqual({ ok: true, principal });
}
