/**
 * What `orgwarden diff` found: the decisions whose outcome changes between the active and the
 * candidate policy, grouped by action and reason (from → to), with counts and a few examples each,
 * and which allow↔deny changes the `--expect` file does not list.
 */
import type { Decision } from '../../contract/decision.js';
import { isExpected, type ExpectedChange } from './expect-file.js';
import type { LogEntry } from './log-entry.js';

type Flip = 'allow→deny' | 'deny→allow' | 'deny→deny';

interface Group {
  action: string;
  from: string;
  to: string;
  flip: Flip;
  count: number;
  examples: string[];
}

export interface DiffTally {
  add(line: number, entry: LogEntry, active: Decision, candidate: Decision): void;
  skip(why: 'no_request' | 'truncated'): void;
  readonly unexpected: number;
  render(expected: readonly ExpectedChange[]): string;
}

export function createTally(examplesPerGroup: number): DiffTally {
  const groups = new Map<string, Group>();
  const skipped = { no_request: 0, truncated: 0 };
  let replayed = 0;
  let drift = 0;
  let unexpected = 0;
  const revisions = { min: Infinity, max: -Infinity };

  return {
    add(line, entry, active, candidate) {
      replayed += 1;
      if (active.allow !== entry.allow || active.reason !== entry.reason) drift += 1;
      const revision = entry.directory_revision;
      if (typeof revision === 'number') {
        revisions.min = Math.min(revisions.min, revision);
        revisions.max = Math.max(revisions.max, revision);
      }
      if (active.allow === candidate.allow && active.reason === candidate.reason) return;
      const action = entry.request?.action ?? '';
      const key = JSON.stringify([action, active.reason, candidate.reason]);
      let group = groups.get(key);
      if (!group) {
        const flip: Flip = active.allow
          ? 'allow→deny'
          : candidate.allow
            ? 'deny→allow'
            : 'deny→deny';
        group = { action, from: active.reason, to: candidate.reason, flip, count: 0, examples: [] };
        groups.set(key, group);
      }
      group.count += 1;
      if (group.examples.length < examplesPerGroup) group.examples.push(example(line, entry));
    },
    skip(why) {
      skipped[why] += 1;
    },
    get unexpected() {
      return unexpected;
    },
    render(expected) {
      unexpected = 0;
      const out: string[] = [];
      const skippedText =
        skipped.no_request + skipped.truncated === 0
          ? ''
          : ` (skipped: ${skipped.no_request} without a recorded request, ${skipped.truncated} with a request cut to fit the log)`;
      out.push(`${replayed} decisions replayed${skippedText}`);
      if (revisions.max >= 0)
        out.push(`the log saw directory revisions ${revisions.min}–${revisions.max}`);
      if (drift > 0)
        out.push(
          `note: ${drift} replayed under the active policy differ from the log (the directory or the policy changed since); the diff compares both policies on this directory`,
        );
      const sorted = [...groups.values()].sort(
        (a, b) => b.count - a.count || a.action.localeCompare(b.action),
      );
      const changed = sorted.reduce((n, g) => n + g.count, 0);
      out.push(
        changed === 0
          ? 'no decision changes'
          : `${changed} decisions change, in ${sorted.length} group${sorted.length === 1 ? '' : 's'}:`,
      );
      for (const g of sorted) {
        const listed = g.flip === 'deny→deny' || isExpected(expected, g);
        if (!listed) unexpected += g.count;
        const mark = g.flip === 'deny→deny' ? '' : listed ? '  expected' : '  NOT EXPECTED';
        out.push('', `  ${g.flip}  ${g.action}  ${g.from} → ${g.to}  ×${g.count}${mark}`);
        for (const e of g.examples) out.push(`      ${e}`);
      }
      if (unexpected > 0)
        out.push(
          '',
          `${unexpected} allow↔deny change${unexpected === 1 ? ' is' : 's are'} not listed in --expect`,
        );
      return out.join('\n');
    },
  };
}

/** One example of a change: where it is in the log and who asked what, in plain words. */
function example(line: number, entry: LogEntry): string {
  const request = entry.request;
  const who = request?.principal
    ? `${request.principal.kind} ${JSON.stringify(request.principal.id)}`
    : `unauthenticated (${request?.authn_failure ?? '?'})`;
  const org = request?.named_org ? ` in ${JSON.stringify(request.named_org.id)}` : '';
  const resource = request?.resource
    ? ` on ${JSON.stringify(`${request.resource.type ?? ''}/${request.resource.id ?? ''}`)}`
    : '';
  return `line ${line}: ${who}${org}${resource} (decision ${entry.decision_id})`;
}
