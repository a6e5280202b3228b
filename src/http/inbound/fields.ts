/**
 * The zod building blocks of the inbound documents (authorize, batch, events, jobs). Messages
 * follow `contract/parse-document.ts`: the field path, then what is wrong with it.
 */
import { z } from 'zod';
import { MAX_FIELD_LENGTH } from '../../contract/decision-request.js';
import { describeIdProblem, userIdProblem } from '../../contract/ids.js';

/** A string of at most `max` characters (empty allowed). */
export const text = (max = MAX_FIELD_LENGTH) => z.string().max(max);

/** A non-empty string of at most `max` characters. */
export const nonEmptyText = (max = MAX_FIELD_LENGTH) => z.string().min(1).max(max);

/**
 * A canonical user id (contract/ids.ts), kept exactly as sent: a spelling another entry point
 * refuses must not become a principal or a target here.
 */
export const userId = () =>
  z.string().check((ctx) => {
    const problem = userIdProblem(ctx.value);
    if (problem !== null)
      ctx.issues.push({ code: 'custom', input: ctx.value, message: idProblemText(problem) });
  });

/**
 * `min_directory_revision` (read your writes): what a directory write answered, an integer from 0
 * to 2^53 - 1. A string, a fraction or a negative number is refused, never rounded.
 */
export const minDirectoryRevision = () =>
  z.int({ error: 'must be an integer from 0' }).min(0, { error: 'must be an integer from 0' });

/** A flat object of strings with at most `maxKeys` entries. */
export const stringMap = (maxKeys: number) =>
  z.record(z.string(), text()).check((ctx) => {
    if (Object.keys(ctx.value).length > maxKeys)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `more than ${maxKeys} entries`,
      });
  });

/** The problem's text without a field name (parse-document puts the path in front). */
export function idProblemText(problem: Parameters<typeof describeIdProblem>[1]): string {
  return describeIdProblem('', problem).trimStart();
}
