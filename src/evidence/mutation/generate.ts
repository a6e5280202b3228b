/**
 * Policy mutants: each is one small semantic change to one line of one policy file (never a test
 * file, a comment, a `package` or an `import` line). A suite that passes on the policy and fails on
 * a mutant "kills" it; a mutant no suite kills is either equivalent (the change alters no decision)
 * or a gap in the suites.
 *
 * Invariants: generation is deterministic (same files, same mutants, same order) and an id names
 * the same change for as long as its line is unchanged: `<file>:<line>:<operator>:<n>`, where `n`
 * counts from 1 the changes one operator makes to that line, left to right.
 */
import { OrgwardenError } from '../../contract/errors.js';
import {
  dropExpressions,
  LINE_OPERATORS,
  MUTATION_OPERATORS,
  type LineChange,
  type MutationOperator,
} from './operators.js';
import { readRegoLines } from './rego-lines.js';

export interface PolicyMutant {
  readonly id: string;
  /** The policy file, as keyed in the files given to `generatePolicyMutants`. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly operator: MutationOperator;
  readonly description: string;
  /** The line as it is in the policy. */
  readonly original: string;
  /** The line in the mutant; null when the mutant removes the line. */
  readonly mutated: string | null;
  /** The files with this one change made (see `applyMutant`). */
  apply(files: ReadonlyMap<string, string>): Map<string, string>;
}

/** Files mutants are made of: Rego sources that are not tests. */
const isMutableFile = (file: string): boolean =>
  file.endsWith('.rego') && !file.endsWith('_test.rego');

/**
 * Every mutant of the policy files among `files` (keys are paths, values the file text), ordered by
 * file name, line, then operator in the order of `MUTATION_OPERATORS`.
 */
export function generatePolicyMutants(files: ReadonlyMap<string, string>): PolicyMutant[] {
  const names = [...files.keys()].filter(isMutableFile).sort();
  return names.flatMap((file) => mutantsOfFile(file, files.get(file) ?? ''));
}

function mutantsOfFile(file: string, source: string): PolicyMutant[] {
  const lines = readRegoLines(source);
  const dropped = dropExpressions(lines);
  const mutants: PolicyMutant[] = [];
  for (const line of lines) {
    if (!line.mutable) continue;
    for (const operator of MUTATION_OPERATORS) {
      const changes: LineChange[] =
        operator === 'drop-expr'
          ? (dropped.get(line.number) ?? [])
          : LINE_OPERATORS[operator](line);
      changes.forEach((change, index) => {
        const data = {
          id: `${file}:${line.number}:${operator}:${index + 1}`,
          file,
          line: line.number,
          operator,
          description: change.description,
          original: line.text,
          mutated: change.mutated,
        };
        mutants.push({ ...data, apply: (given) => applyMutant(given, data) });
      });
    }
  }
  return mutants;
}

type MutantChange = Pick<PolicyMutant, 'id' | 'file' | 'line' | 'original' | 'mutated'>;

/**
 * A copy of `files` with the mutant's change made. Throws when the file or the line is not the one
 * the mutant was made from: a mutant applied to other sources would test something else.
 */
export function applyMutant(
  files: ReadonlyMap<string, string>,
  mutant: MutantChange,
): Map<string, string> {
  const source = files.get(mutant.file);
  const lines = source === undefined ? [] : source.split('\n');
  if (lines[mutant.line - 1] !== mutant.original)
    throw new OrgwardenError(
      'internal',
      `mutant ${mutant.id}: ${mutant.file} line ${mutant.line} is not the line it was made from`,
    );
  if (mutant.mutated === null) lines.splice(mutant.line - 1, 1);
  else lines[mutant.line - 1] = mutant.mutated;
  const out = new Map(files);
  out.set(mutant.file, lines.join('\n'));
  return out;
}

/** The change as a reviewer reads it: `- old` and `+ new` (no `+` line for a removal). */
export function mutantDiff(mutant: Pick<PolicyMutant, 'original' | 'mutated'>): string {
  const removed = `- ${mutant.original.trim()}`;
  return mutant.mutated === null ? removed : `${removed}\n+ ${mutant.mutated.trim()}`;
}
