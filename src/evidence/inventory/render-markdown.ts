/**
 * The inventory as markdown for a reviewer: summary, routes (endpoint → action → role → tests),
 * the event matrix, the OpenAPI guard share, the risk register and the gaps. Generated case names
 * are counted here (there are many per route); `--format json` lists them.
 */
import type { CoveringTests, Inventory, RouteRow } from './types.js';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
const code = (text: string) => `\`${text}\``;
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const table = (header: readonly string[], rows: readonly (readonly string[])[]) => [
  row(header),
  row(header.map(() => '---')),
  ...rows.map(row),
];

/** Counts per kind of test; a kind whose source was not scanned is left out, not shown as 0. */
function testCounts(tests: CoveringTests, sources: Inventory['test_sources']): string {
  const parts: string[] = [];
  if (tests.generated) {
    const { forward_auth, decide } = tests.generated;
    parts.push(
      `generated ${forward_auth.length + decide.length} (forward-auth ${forward_auth.length}, decide ${decide.length})`,
    );
  }
  if (sources.rego !== null) parts.push(`rego ${tests.rego.length}`);
  if (sources.decision_tables !== null) parts.push(`tables ${tests.decision_tables.length}`);
  return parts.join(', ');
}

const orgFrom = (r: RouteRow) => (r.org_from.length === 0 ? 'none' : r.org_from.join(', '));
const tokens = { allowed: 'tokens allowed', session_only: 'session only', unknown: 'unknown' };

function routesSection(inv: Inventory): string[] {
  const out = ['## Routes', ''];
  if (inv.routes.length === 0) return [...out, `No routes (${cell(inv.manifest)}).`, ''];
  out.push(
    ...table(
      [
        'gap',
        'method',
        'path',
        'action',
        'org from',
        'min role',
        'scope',
        'tokens',
        'org-scoped',
        'tests',
      ],
      inv.routes.map((r) => [
        r.covered ? '' : '**GAP**',
        r.methods.join(', '),
        code(r.path),
        code(r.action),
        orgFrom(r),
        r.min_role ?? '—',
        r.scope ?? '—',
        tokens[r.tokens],
        r.org_scoped ? 'yes' : 'no',
        testCounts(r.tests, inv.test_sources),
      ]),
    ),
    '',
    '### Hand-written tests per route',
    '',
  );
  for (const r of inv.routes) {
    out.push(`- ${r.methods.join(', ')} ${code(r.path)} (${code(r.action)})`);
    const names = [...r.tests.rego, ...r.tests.decision_tables];
    if (names.length === 0) out.push('  - none');
    for (const name of names) out.push(`  - ${name}`);
  }
  out.push('');
  return out;
}

function eventsSection(inv: Inventory): string[] {
  const { events } = inv;
  const out = [
    '## Events',
    '',
    `Filter point: ${code(events.filter_point.endpoint)}, action ${code(events.filter_point.action)}, one decision per recipient.`,
    '',
  ];
  if (!events.catalogue)
    return [
      ...out,
      '**GAP**: the policy has no event catalogue (`orgwarden.catalogue.events`).',
      '',
    ];
  out.push(
    ...table(
      ['gap', 'type', 'scope', 'scope key', 'rule', 'channels', 'tests'],
      events.types.map((e) => [
        e.covered ? '' : '**GAP**',
        code(e.type),
        e.scope,
        cell(e.scope_key),
        cell(e.rule),
        e.channels.join(', '),
        [...e.tests.rego, ...e.tests.decision_tables].map(cell).join('<br>') || 'none',
      ]),
    ),
    '',
  );
  for (const p of events.problems) out.push(`- **GAP**: event ${code(p.type)}: ${cell(p.message)}`);
  if (events.problems.length > 0) out.push('');
  return out;
}

function openApiSection(inv: Inventory): string[] {
  const api = inv.openapi;
  if (!api) return [];
  const out = [
    '## OpenAPI operations',
    '',
    `${api.file}: guarded ${api.guarded} of ${api.operations}, ${api.percent.toFixed(1)} %.`,
    '',
    ...table(
      ['gap', 'method', 'path', 'guarded by', 'action'],
      api.guards.map((g) => [
        g.route === null ? '**GAP**' : '',
        g.method,
        code(g.path),
        g.route === null ? 'unguarded' : code(g.route),
        g.action === null ? '—' : code(g.action),
      ]),
    ),
    '',
  ];
  return out;
}

function riskSection(inv: Inventory): string[] {
  const reg = inv.risk_register;
  const out = ['## Risk register', ''];
  if (!reg.present) return [...out, `**GAP**: no risk register (${reg.file}).`, ''];
  return [
    ...out,
    `${reg.file}: ${reg.risks.length} residual risks.`,
    '',
    ...table(
      ['id', 'severity', 'owner', 'risk'],
      reg.risks.map((r) => [r.id, r.severity, cell(r.owner), cell(r.risk)]),
    ),
    '',
  ];
}

export function renderInventoryMarkdown(inv: Inventory): string {
  const covered = inv.routes.filter((r) => r.covered).length;
  const src = inv.test_sources;
  const lines = [
    '# Surface inventory',
    '',
    `- Policy: ${inv.policy.source}, revision ${code(inv.policy.revision)}`,
    `- Route manifest: ${inv.manifest}`,
    `- Tests: Rego ${src.rego ?? 'not scanned'}; decision tables ${src.decision_tables ?? 'none found'}; generated boundary suite ${src.generated ? 'included' : 'not available'}`,
    `- Routes: ${inv.routes.length}, covered by a test: ${covered}`,
    `- Event types: ${inv.events.catalogue ? inv.events.types.length : 'no catalogue'}`,
    ...(inv.openapi
      ? [
          `- OpenAPI: guarded ${inv.openapi.guarded} of ${inv.openapi.operations}, ${inv.openapi.percent.toFixed(1)} %`,
        ]
      : []),
    `- Gaps: ${inv.gaps.length}`,
    '',
    ...routesSection(inv),
    ...eventsSection(inv),
    ...openApiSection(inv),
    ...riskSection(inv),
    '## Gaps',
    '',
    ...(inv.gaps.length === 0 ? ['None.'] : inv.gaps.map((g) => `- ${g.kind}: ${cell(g.message)}`)),
  ];
  return `${lines.join('\n')}\n`;
}
