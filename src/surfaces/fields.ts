/**
 * Strict field checks for the surface request bodies (events, jobs). Every failure is a 400
 * `invalid_request` whose message names the field; prototype-polluting keys are refused by name.
 * Values are copied out, never kept by reference.
 */
import { describeIdProblem, userIdProblem } from '../contract/ids.js';
import { OrgwardenError as ApiError } from '../contract/errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_FIELD_LENGTH = 4096;

export function invalid(message: string): ApiError {
  return new ApiError('invalid_request', message);
}

export function objectField(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name}: must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Refuses unknown keys; `prefix` is the path of the object ("" at the top, "job." below). */
export function onlyKeys(doc: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(doc)) {
    if (FORBIDDEN_KEYS.has(key)) throw invalid(`${prefix}${key}: key is not allowed`);
    if (!allowed.includes(key)) throw invalid(`${prefix}${key}: unknown field`);
  }
}

/** A non-empty string of at most `max` characters. */
export function stringField(value: unknown, name: string, max = MAX_FIELD_LENGTH): string {
  if (typeof value !== 'string') throw invalid(`${name}: must be a string`);
  if (value.length === 0) throw invalid(`${name}: must not be empty`);
  if (value.length > max) throw invalid(`${name}: longer than ${max} characters`);
  if (!value.isWellFormed()) throw invalid(`${name}: must be well-formed Unicode (no lone surrogates)`);
  return value;
}

/** Absent or null reads as null; otherwise as `stringField`. */
export function optionalStringField(value: unknown, name: string, max = MAX_FIELD_LENGTH): string | null {
  return value === undefined || value === null ? null : stringField(value, name, max);
}

/**
 * A canonical user id (src/contract/ids.ts), kept exactly as sent. A trusted caller names users
 * too, and a spelling another entry point refuses must not become a principal here.
 */
export function userIdField(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalid(`${name}: must be a string`);
  const problem = userIdProblem(value);
  if (problem !== null) throw invalid(describeIdProblem(`${name}:`, problem));
  return value;
}
