#!/usr/bin/env node
/**
 * Writes deploy/prometheus/orgwarden-rules.yml from orgwarden-rules.source.yml, with a
 * `runbook_url` annotation on every alert (scripts/lib/alert-rules.mjs), and the same rules as the
 * PrometheusRule of deploy/kubernetes/prometheusrule.yaml, both with the same runbook base.
 *
 *   node scripts/alert-rules.mjs                          the repository's docs as runbook base
 *   node scripts/alert-rules.mjs --runbook-base URL       your copy of docs/alerts.md
 *   node scripts/alert-rules.mjs --out FILE               write elsewhere (default: the repository's file)
 *   node scripts/alert-rules.mjs --prometheus-rule FILE   the PrometheusRule elsewhere (likewise)
 *   node scripts/alert-rules.mjs --check                  exit 1 when a file is not what the source builds
 *
 * Bad options exit 2 with one line naming the option.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_RUNBOOK_BASE,
  PROMETHEUS_RULE_FILE,
  RULES_FILE,
  readSource,
  renderAlertRules,
  renderPrometheusRule,
} from './lib/alert-rules.mjs';

let options;
let text;
try {
  ({ values: options } = parseArgs({
    options: {
      'runbook-base': { type: 'string', default: DEFAULT_RUNBOOK_BASE },
      out: { type: 'string', default: RULES_FILE },
      'prometheus-rule': { type: 'string', default: PROMETHEUS_RULE_FILE },
      check: { type: 'boolean', default: false },
    },
  }));
  text = renderAlertRules(readSource(), options['runbook-base']);
} catch (err) {
  console.error(`alert-rules: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
const outputs = [
  { file: path.resolve(options.out), expected: text },
  { file: path.resolve(options['prometheus-rule']), expected: renderPrometheusRule(text) },
];
if (options.check) {
  let stale = false;
  for (const { file, expected } of outputs) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== expected) {
      console.error(`alert-rules: ${file} is stale; run npm run alert-rules`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { file, expected } of outputs) {
    writeFileSync(file, expected);
    console.log(`alert-rules: wrote ${file}`);
  }
}
