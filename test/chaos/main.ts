/**
 * `npm run chaos`: starts real processes on loopback (orgwarden replicas from dist/, their own
 * Redis or Redis Cluster, nginx), drives a steady decision load with a known mix, injects one fault
 * at a time and prints the table. Exit code 0 when every row passes, 1 when one fails, 2 for bad
 * usage.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAULTS } from './faults/index.js';
import { rowPasses, type FaultRow } from './lib/fault.js';
import { renderMarkdown, renderText } from './lib/table.js';

const HELP = `Usage: npm run chaos -- [--only ID,ID] [--quick] [--markdown FILE] [--no-build]

Breaks one dependency at a time under a steady decision load and prints, per fault: decisions
made, wrong allows (must be 0), wrong denies outside the fault window (must be 0), failed
requests, p99 latency during and after the fault, and the recovery time.
  --only ID,ID     run only these faults (ids below)
  --quick          short durations (the smoke run); the full run uses the durations in docs/reliability.md
  --markdown FILE  also write the table as Markdown
  --no-build       use dist/ as it is (default: npm run build first)
Faults:
${FAULTS.map((f) => `  ${f.id.padEnd(16)} ${f.title}`).join('\n')}
Exit codes: 0 every row passed, 1 a row failed, 2 bad usage.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        markdown: { type: 'string' },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only?.filter((id) => !FAULTS.some((f) => f.id === id)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown fault id: ${unknown.join(', ')}\n\n${HELP}`);
    return 2;
  }
  if (!values['no-build']) {
    console.error('building dist/ (npm run build)…');
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  }
  const selected = FAULTS.filter((f) => !only || only.includes(f.id));
  const rows: FaultRow[] = [];
  const started = performance.now();
  for (const [i, fault] of selected.entries()) {
    const progress = (message: string) =>
      console.error(
        `[chaos ${i + 1}/${selected.length} ${fault.id} +${Math.round((performance.now() - started) / 1000)} s] ${message}`,
      );
    progress(fault.title);
    try {
      const faultRows = await fault.run({ quick: values.quick, progress });
      rows.push(...faultRows);
      for (const r of faultRows) progress(`${rowPasses(r) ? 'pass' : 'FAIL'}: ${r.scenario}`);
    } catch (err) {
      progress(
        `FAIL: the fault could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      rows.push({
        scenario: fault.title,
        figures: {
          decisions: 0,
          wrongAllows: 0,
          wrongDeniesOutside: 0,
          failed: 0,
          notSent: 0,
          p99DuringMs: null,
          p99AfterMs: null,
          recoveryMs: null,
          allowsSeen: 0,
          examples: [],
        },
        noFailedRequests: false,
        notes: [],
        failures: [`could not run: ${err instanceof Error ? err.message : String(err)}`],
      });
    }
  }
  console.log(renderText(rows));
  const markdown = renderMarkdown(rows);
  if (values.markdown) writeFileSync(values.markdown, `${markdown}\n`);
  for (const r of rows)
    for (const n of [...r.failures, ...r.figures.examples]) console.log(`  ${r.scenario}: ${n}`);
  const failed = rows.filter((r) => !rowPasses(r));
  console.log(
    `\n${rows.length - failed.length}/${rows.length} scenarios passed in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
