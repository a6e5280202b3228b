/**
 * The `--expect` file of `orgwarden diff`: the changes a candidate policy is meant to make, so a
 * review can pass while every other allow↔deny change fails it. YAML, a list of
 *
 *   - action: org.billing.read   # an action, or "*" for any
 *     from: insufficient_role    # the reason under the active policy, or "*"
 *     to: allowed                # the reason under the candidate, or "*"
 *     why: admins may read billing from now on   # optional, for the reviewer
 *
 * Reasons are codes of the vocabulary (docs/policies.md); a typo is an error, never a pattern that
 * matches nothing.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDocument } from '../../contract/parse-document.js';
import { isReason } from '../../contract/reasons.js';
import { UsageError } from '../args.js';

const reasonOrAny = z.string().refine((value) => value === '*' || isReason(value), {
  error: 'must be a reason code of the vocabulary or "*"',
});

const expectFile = z.array(
  z.strictObject({
    action: z.string().min(1),
    from: reasonOrAny,
    to: reasonOrAny,
    why: z.string().optional(),
  }),
);

export type ExpectedChange = z.output<typeof expectFile>[number];

export function readExpectFile(file: string): ExpectedChange[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `--expect ${file}: ${err instanceof Error && err.name === 'YAMLParseError' ? 'not valid YAML' : 'cannot be read'}`,
    );
  }
  const parsed = parseDocument(expectFile, doc ?? [], 'list');
  if (!parsed.ok) throw new UsageError(`--expect ${file}: ${parsed.message}`);
  return parsed.value;
}

export function isExpected(
  expected: readonly ExpectedChange[],
  change: { action: string; from: string; to: string },
): boolean {
  const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;
  return expected.some(
    (e) =>
      matches(e.action, change.action) && matches(e.from, change.from) && matches(e.to, change.to),
  );
}
