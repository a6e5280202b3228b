/**
 * The metric names a PromQL expression reads. Not a PromQL parser: it removes what cannot name a
 * metric — string literals, label matchers `{…}`, ranges and subqueries `[…]`, grouping lists
 * (`by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_left (…)`, `group_right (…)`) — then
 * keeps every identifier that is not a function call (followed by `(`), a keyword, or part of a
 * number or duration.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
  'start',
  'end',
]);

const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/gi;
const IDENTIFIER = /(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*/g;

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^[\]]*\]/g, ' ')
    .replace(/#[^\n]*/g, ' ')
    .replace(GROUPING, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(IDENTIFIER)) {
    const name = match[0];
    const rest = stripped.slice(match.index + name.length);
    if (/^\s*\(/.test(rest)) continue; // a function or an aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * The metric names a Prometheus text exposition declares (`# TYPE`), with the series names a
 * histogram or summary adds (`_bucket`, `_sum`, `_count`), and every sample's name.
 */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      const [, name = '', kind] = type;
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (kind === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{\s]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
  }
  return names;
}
