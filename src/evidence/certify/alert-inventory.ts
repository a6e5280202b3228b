/**
 * Step 7, the metric and alert inventory: every expression of `certify.alert_rules` names only
 * metrics the instance exports (or that a recording rule of the file defines); with promtool on
 * PATH, `promtool check rules` and `promtool test rules` (`certify.alert_rule_tests`) pass, else
 * those two commands are N/A with the reason.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { exportedMetricNames, metricNamesIn } from './promql-names.js';
import { firstLines, runCommand, type CommandOutcome } from './run-command.js';
import { stepResult, type CommandRun, type StepResult } from './types.js';

export interface AlertInventoryInput {
  readonly rules: string | undefined;
  readonly ruleTests: string | undefined;
  /** The instance's `/metrics` text. */
  readonly exposition: string;
  /** Finds promtool on PATH, null when it is not there. */
  readonly findPromtool: () => Promise<string | null>;
  readonly timeoutMs: number;
  /** How the report shows a path (relative to the working directory). */
  readonly shown: (file: string) => string;
  /** The command that re-runs the metric-name check alone. */
  readonly command: string;
}

interface Rule {
  name: string;
  expr: string;
  record: boolean;
}

export async function alertInventory(input: AlertInventoryInput): Promise<StepResult> {
  if (input.rules === undefined) {
    const reason = 'certify.alert_rules is not set: no alerting rules to check';
    return stepResult('alerts', 'na', {
      reason,
      commands: [{ command: input.command, exit: null, status: 'na', reason }],
    });
  }
  let rules: Rule[];
  try {
    rules = readRules(await readFile(input.rules, 'utf8'), input.rules);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return stepResult('alerts', 'fail', {
      reason,
      commands: [{ command: input.command, exit: 1, status: 'fail', reason }],
      failures: [reason],
    });
  }
  const exported = exportedMetricNames(input.exposition);
  const recorded = new Set(rules.filter((r) => r.record).map((r) => r.name));
  const unknown = rules.flatMap((rule) =>
    metricNamesIn(rule.expr)
      .filter((m) => !exported.has(m) && !recorded.has(m))
      .map((m) => `${rule.name} names ${m}, which the instance does not export`),
  );
  const used = new Set(rules.flatMap((r) => metricNamesIn(r.expr)));
  const namesRun: CommandRun =
    unknown.length === 0
      ? { command: input.command, exit: 0, status: 'pass' }
      : {
          command: input.command,
          exit: 1,
          status: 'fail',
          reason: `${unknown.length} unknown metric(s)`,
        };

  const promtool = await input.findPromtool();
  const tool = async (
    args: string[],
    file: string | undefined,
    what: string,
  ): Promise<CommandRun> => {
    const command = `promtool ${args.join(' ')} ${file === undefined ? '<unset>' : input.shown(file)}`;
    if (file === undefined)
      return { command, exit: null, status: 'na', reason: `${what} is not set` };
    if (promtool === null)
      return { command, exit: null, status: 'na', reason: 'promtool is not on PATH' };
    return judged(
      command,
      await runCommand(promtool, [...args, file], { timeoutMs: input.timeoutMs }),
    );
  };
  const check = await tool(['check', 'rules'], input.rules, 'certify.alert_rules');
  const test = await tool(['test', 'rules'], input.ruleTests, 'certify.alert_rule_tests');
  const commands = [namesRun, check, test];
  const status = commands.some((c) => c.status === 'blocked')
    ? 'blocked'
    : commands.some((c) => c.status === 'fail')
      ? 'fail'
      : 'pass';
  const failing = commands.filter((c) => c.status === 'fail' || c.status === 'blocked');
  return stepResult('alerts', status, {
    ...(failing.length > 0
      ? { reason: failing.map((c) => `${c.command}: ${c.reason ?? ''}`).join('; ') }
      : {}),
    ...(commands.some((c) => c.reason === 'timed out') ? { timedOut: true } : {}),
    ...(rules.length === 0 ? { emptyOutput: `${input.shown(input.rules)} holds no rules` } : {}),
    ...(exported.size === 0 ? { emptyOutput: 'the instance exported no metrics' } : {}),
    commands,
    figures: {
      alert_rules: `${rules.length} rules naming ${used.size} metrics; the instance exports ${exported.size} series names`,
    },
    failures: [
      ...unknown,
      ...[check, test]
        .filter((c) => c.status === 'fail')
        .map((c) => `${c.command}: ${c.reason ?? ''}`),
    ],
  });
}

function judged(command: string, outcome: CommandOutcome): CommandRun {
  if (outcome.exit === null)
    return {
      command,
      exit: null,
      status: 'blocked',
      reason: outcome.timedOut ? 'timed out' : (outcome.startError ?? 'did not run'),
    };
  if (outcome.exit === 0) return { command, exit: 0, status: 'pass' };
  return {
    command,
    exit: outcome.exit,
    status: 'fail',
    reason: firstLines(outcome.stdout + '\n' + outcome.stderr) || `exit ${outcome.exit}`,
  };
}

/** Every rule of a Prometheus rules file; a file that is not one is an error naming it. */
export function readRules(text: string, file: string): Rule[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw new Error(`${file}: not valid YAML`);
  }
  const groups = (doc as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(groups)) throw new Error(`${file}: has no "groups" list`);
  return groups.flatMap((group: unknown, g) => {
    const list = (group as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(list)) throw new Error(`${file}: groups[${g}] has no "rules" list`);
    return list.map((rule: unknown, r): Rule => {
      const { alert, record, expr } = (rule ?? {}) as Record<string, unknown>;
      if (typeof expr !== 'string')
        throw new Error(`${file}: groups[${g}].rules[${r}].expr must be a string`);
      const name =
        typeof alert === 'string'
          ? alert
          : typeof record === 'string'
            ? record
            : `groups[${g}].rules[${r}]`;
      return { name, expr, record: typeof record === 'string' };
    });
  });
}
