/**
 * One assertion for a forward-auth answer of either flavour against a case of the shared table
 * (`cases.ts`), plus what every answer must hold: an allow carries a decision id; a denial names
 * its error in `x-orgwarden-error` and carries no identity.
 */
import { expect } from 'vitest';
import { ULID, type Expected, type NormalisedAnswer } from './cases.js';

export function expectAnswer(answer: NormalisedAnswer, expected: Expected): void {
  expect(answer.status).toBe(expected.status);
  let json: { error?: unknown; message?: unknown } | undefined;
  try {
    json = JSON.parse(answer.body) as typeof json;
  } catch {
    json = undefined;
  }
  if (expected.json === null) expect(answer.body).toBe('');
  else if (expected.json !== undefined) expect(json).toEqual(expected.json);
  if (expected.error !== undefined) expect(json?.error).toBe(expected.error);
  if (typeof expected.message === 'string') expect(json?.message).toContain(expected.message);
  else if (expected.message) expect(json?.message).toMatch(expected.message);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (value === undefined) expect(answer.headers[name], name).toBeUndefined();
    else if (typeof value === 'string') expect(answer.headers[name], name).toBe(value);
    else expect(answer.headers[name], name).toMatch(value);
  }
  if (answer.status === 200) {
    expect(answer.headers['x-orgwarden-decision-id']).toMatch(ULID);
  } else {
    expect(answer.headers['x-orgwarden-error']).toBe(json?.error);
    expect(answer.headers['x-orgwarden-user']).toBeUndefined();
  }
}
