/** Types of scripts/lib/alert-rules.mjs, for the test that checks the generated rules file. */
export const RULES_FILE: string;
export const PROMETHEUS_RULE_FILE: string;
export const DEFAULT_RUNBOOK_BASE: string;
export function checkRunbookBase(base: string): string;
export function renderAlertRules(source: string, runbookBase?: string): string;
export function readSource(): string;
export function renderPrometheusRule(rulesText: string): string;
