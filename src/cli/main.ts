#!/usr/bin/env node
/** The `orgwarden` command. */
import { ConfigError } from '../config/load.js';
import { UsageError } from './args.js';
import { certify, CERTIFY_HELP } from './certify.js';
import { check, CHECK_HELP } from './check.js';
import { inventory, INVENTORY_HELP } from './inventory.js';
import { policy, POLICY_HELP } from './policy.js';
import { rollout, ROLLOUT_HELP } from './rollout.js';
import { serve, SERVE_HELP } from './serve.js';

const HELP = `orgwarden — authorization sidecar that keeps the tenants of a multi-tenant product apart

Usage: orgwarden <command> [options]

Commands:
  serve --config FILE [--port N]          run the sidecar (POST /v1/authorize and friends)
  check --config FILE --input FILE        evaluate authorize requests offline, print the decisions
                                          (--explain: the policy's checks as a table)
  inventory --config FILE [--openapi F]   print the surface inventory: routes, guards, covering tests,
                                          events, unguarded API operations, the risk register
  policy build|sign|verify ...            build, sign (OPA's format) and check policy bundles
  certify --config FILE [--since REF]     certify the configured policy for release: every check,
                                          gates P0-P2 and a verdict (docs/certification.md)
  rollout status|advance|hold|rollback    move the multi-tenant rollout through the stages of a
                                          rollout plan, checking each stage's exit criteria
  help [command]                          show help

Run "orgwarden <command> --help" for a command's options. Docs: README.md and docs/.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  serve: { run: serve, help: SERVE_HELP },
  check: { run: check, help: CHECK_HELP },
  inventory: { run: (argv) => inventory(argv), help: INVENTORY_HELP },
  policy: { run: policy, help: POLICY_HELP },
  certify: { run: certify, help: CERTIFY_HELP },
  rollout: { run: (argv) => rollout(argv), help: ROLLOUT_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    console.log(topic ? topic.help : HELP);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`orgwarden: unknown command "${command}" (run "orgwarden --help")`);
    return 2;
  }
  return entry.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) console.error(`orgwarden: config error: ${line}`);
      process.exitCode = 2;
    } else if (err instanceof UsageError) {
      console.error(`orgwarden: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(`orgwarden: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  },
);
