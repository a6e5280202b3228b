/**
 * Step 6, the kill-switch drill. With multi-tenant on, workers keep `POST /v1/authorize` for the
 * home org (a non-default org) in flight; the switch is turned off while they run. Every decision
 * sent after the PUT answered must deny; the switch is turned on again and decisions are allowed
 * again. The propagation time is from the PUT's answer (and from its sending) to the first decision
 * that reflects it (`feature_disabled`).
 */
import { HOME_ORG, memberOf } from '../boundary/fixture.js';
import type { ChecklistWorld } from './checklist-world.js';
import { field, sessionToken } from './instance-client.js';
import { checklistStatus, stepResult, type CheckLine, type StepResult } from './types.js';

export interface DrillOptions {
  /** Requests in flight at any time. */
  readonly concurrency: number;
  /** Decisions before the flip, and at least as many after each PUT answered. */
  readonly perPhase: number;
}

interface Sample {
  sentAt: number;
  answeredAt: number;
  allow: boolean;
  reason: unknown;
}

export async function killSwitchDrill(
  world: ChecklistWorld,
  command: string,
  options: DrillOptions = { concurrency: 32, perPhase: 150 },
): Promise<StepResult> {
  const { client, clockMs } = world;
  const on = await client.setMultiTenant(true);
  if (on.status !== 200) return blocked(command, `PUT {"multi_tenant":true} answered ${on.status}`);
  const token = await sessionToken(world.secret, memberOf(HOME_ORG, 'viewer'), world.nowS());
  const samples: Sample[] = [];
  let stop = false;
  // Set by a worker (a closure), so kept in an object the compiler does not narrow.
  const broken: { error: Error | null } = { error: null };
  const worker = async () => {
    while (!stop) {
      const sentAt = clockMs();
      try {
        const answer = await client.authorize({ token, action: 'ai.chat', org: HOME_ORG });
        samples.push({
          sentAt,
          answeredAt: clockMs(),
          allow: field(answer, 'allow') === true,
          reason: field(answer, 'reason'),
        });
      } catch (err) {
        // A decision that got no answer ends the drill: it cannot show what the switch did.
        broken.error = err instanceof Error ? err : new Error(String(err));
        stop = true;
      }
    }
  };
  // Waits until `n()` holds, or the drill broke.
  const until = async (n: () => boolean) => {
    while (!stop && !n()) await new Promise((r) => setTimeout(r, 1));
  };
  const workers = Array.from({ length: options.concurrency }, worker);
  const done = Promise.all(workers);

  await until(() => samples.length >= options.perPhase);
  const offSent = clockMs();
  const off = await client.setMultiTenant(false);
  const offAnswered = clockMs();
  await until(() => samples.filter((s) => s.sentAt > offAnswered).length >= options.perPhase);
  const onSent = clockMs();
  const back = await client.setMultiTenant(true);
  const onAnswered = clockMs();
  await until(() => samples.filter((s) => s.sentAt > onAnswered).length >= options.perPhase);
  stop = true;
  await done;
  if (broken.error !== null)
    return blocked(command, `a decision got no answer: ${broken.error.message}`);

  const beforeOff = samples.filter((s) => s.answeredAt < offSent);
  const afterOff = samples.filter((s) => s.sentAt > offAnswered && s.answeredAt < onSent);
  const afterOn = samples.filter((s) => s.sentAt > onAnswered);
  const leaked = afterOff.filter((s) => s.allow);
  const reflecting = samples
    .filter(
      (s) => s.answeredAt >= offSent && s.answeredAt < onSent && s.reason === 'feature_disabled',
    )
    .sort((a, b) => a.answeredAt - b.answeredAt);
  // The first decision observed to reflect the flip; one answered before the PUT's own answer
  // arrived counts as 0 ms from that answer.
  const first = reflecting[0];

  const checks: CheckLine[] = [
    check(
      `before the flip, decisions for ${HOME_ORG} are allowed (${beforeOff.length})`,
      beforeOff.length > 0 && beforeOff.every((s) => s.allow),
      `${beforeOff.filter((s) => !s.allow).length} denied`,
    ),
    check('PUT {"multi_tenant":false} answered 200', off.status === 200, `answered ${off.status}`),
    check(
      `no decision sent after the PUT answered allowed a non-default org (${afterOff.length} decisions)`,
      afterOff.length > 0 && leaked.length === 0,
      `${leaked.length} allowed`,
    ),
    check(
      'decisions after the PUT reflect it (feature_disabled)',
      afterOff.length > 0 && afterOff.every((s) => s.reason === 'feature_disabled'),
      `reasons: ${[...new Set(afterOff.map((s) => String(s.reason)))].join(', ')}`,
    ),
    check('PUT {"multi_tenant":true} answered 200', back.status === 200, `answered ${back.status}`),
    check(
      `allowed again after switching back on (${afterOn.length} decisions)`,
      afterOn.length > 0 && afterOn.every((s) => s.allow),
      `${afterOn.filter((s) => !s.allow).length} denied`,
    ),
  ];
  const status = checklistStatus(checks);
  const failures = checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail ?? ''}`);
  const ms = (n: number) => `${Math.max(0, Math.round(n))} ms`;
  return stepResult('kill-switch', status, {
    ...(status === 'fail' ? { reason: `${failures.length} of ${checks.length} items failed` } : {}),
    commands: [
      {
        command,
        exit: status === 'pass' ? 0 : 1,
        status,
        ...(status === 'fail' ? { reason: `${failures.length} item(s) failed` } : {}),
      },
    ],
    checks,
    figures: {
      kill_switch_decisions: `${samples.length} (${options.concurrency} in flight)`,
      kill_switch_propagation: first
        ? `${ms(first.answeredAt - offAnswered)} from the PUT's answer, ${ms(first.answeredAt - offSent)} from the PUT being sent`
        : 'never observed',
    },
    failures,
  });
}

function check(name: string, passed: boolean, detail: string): CheckLine {
  return passed ? { name, passed } : { name, passed, detail };
}

function blocked(command: string, reason: string): StepResult {
  return stepResult('kill-switch', 'blocked', {
    reason,
    commands: [{ command, exit: null, status: 'blocked', reason }],
  });
}
