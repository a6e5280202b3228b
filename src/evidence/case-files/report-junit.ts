/**
 * The JUnit XML report of `orgwarden test --format junit`, in the shape CI systems read (the
 * Jenkins / Surefire schema): one `<testsuite>` per case file, one `<testcase>` per case, a
 * `<failure>` holding expected against got. Every text is escaped, and characters XML 1.0 cannot
 * carry are replaced, so a case name or a decision detail can never break the document.
 */
import type { CaseResult, FileResult } from './run.js';
import { caseLocation, show } from './report-text.js';

// Characters outside XML 1.0's Char production (C0 controls but tab, newline and return;
// lone surrogates; U+FFFE and U+FFFF).
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching the control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: markup characters escaped; line breaks kept. */
function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An attribute value: as text, with whitespace as references so a parser keeps it as written. */
function attr(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(r: CaseResult): string {
  const attrs =
    `name="${attr(r.case.case.name)}" classname="${attr(r.case.file)}" ` +
    `file="${attr(r.case.file)}" line="${r.case.line}" time="${seconds(r.ms)}"`;
  if (r.passed) return `    <testcase ${attrs}/>`;
  const first = r.mismatches[0];
  const message = first
    ? `${first.field}: expected ${show(first.expected)}, got ${show(first.got)}`
    : 'failed';
  const body = [
    `at ${caseLocation(r)}`,
    ...r.mismatches.map((m) => `${m.field}: expected ${show(m.expected)}, got ${show(m.got)}`),
  ].join('\n');
  return [
    `    <testcase ${attrs}>`,
    `      <failure message="${attr(message)}" type="decision_mismatch">${escapeXml(body)}</failure>`,
    `    </testcase>`,
  ].join('\n');
}

export function junitReport(files: readonly FileResult[]): string {
  const count = (rs: readonly CaseResult[]) => ({
    tests: rs.length,
    failures: rs.filter((r) => !r.passed).length,
    time: seconds(rs.reduce((sum, r) => sum + r.ms, 0)),
  });
  const all = count(files.flatMap((f) => f.results));
  const suites = files.map((f) => {
    const c = count(f.results);
    return [
      `  <testsuite name="${attr(f.file)}" tests="${c.tests}" failures="${c.failures}" errors="0" skipped="0" time="${c.time}">`,
      ...f.results.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="orgwarden test" tests="${all.tests}" failures="${all.failures}" errors="0" time="${all.time}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
