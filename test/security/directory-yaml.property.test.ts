/**
 * The directory file's fast reader (src/directory/plain-yaml.ts, used by `parseDirectoryYaml`)
 * never changes what a file means: for any text, `parseDirectoryYaml` returns the same records, or
 * refuses with the same message, as the general YAML parser followed by the whole-document
 * validation. The texts are directory documents laid out every way the fast reader supports and
 * many it must not guess at (block and flow styles, indentation, comments, quoting, scalars YAML
 * reads as numbers, bools or null, anchors, tags, unknown, duplicate and prototype keys), then
 * edited at random (a line dropped, doubled, re-indented, a character inserted).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { InvalidDirectoryError } from '../../src/directory/errors.js';
import { parseDirectoryYaml } from '../../src/directory/load-file.js';
import { readPlainOrgs, UnsupportedYaml } from '../../src/directory/plain-yaml.js';
import { parseDirectoryDocument } from '../../src/directory/validate.js';
import { fuzzParams } from '../support/fuzz.js';

const DEFAULT_ORG = 'default';
const SUBJECT = 'directory file generated.yaml';

/** What the general path makes of a text: the records, or the refusal's message. */
function general(text: string): unknown {
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0)
      throw new InvalidDirectoryError(
        SUBJECT,
        doc.errors.map((e) => `YAML: ${e.message.split('\n', 1)[0] ?? ''}`),
      );
    return parseDirectoryDocument(
      doc.toJS({ maxAliasCount: 100 }),
      { defaultOrg: DEFAULT_ORG },
      SUBJECT,
    );
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

function fast(text: string): unknown {
  try {
    return parseDirectoryYaml(text, DEFAULT_ORG, SUBJECT);
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

function readsPlain(text: string): boolean {
  try {
    readPlainOrgs(text, () => undefined);
    return true;
  } catch (err) {
    if (err instanceof UnsupportedYaml) return false;
    throw err;
  }
}

/** Values: mostly ones the schema accepts, some YAML reads as other types or must not be guessed. */
const token = (...good: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 200, arbitrary: fc.constantFrom(...good) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        ...good.map((g) => `"${g}"`),
        ...good.map((g) => `'${g}'`),
        'true',
        'False',
        'NULL',
        '~',
        '123',
        '1e3',
        '0x1F',
        '0o7',
        '.inf',
        '-1',
        'a:b',
        'a #b',
        'a#b',
        '"a b"',
        '"a\\"b"',
        "'it''s'",
        '',
        '[]',
        '{}',
        '&a acme',
        '*a',
        '!!str acme',
        '|',
        '- x',
        'a, b',
        'a\tb',
        'é',
        'default',
      ),
    },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.@:#'" {}[\],&*!|>-]{0,6}$/) },
  );

const key = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 200, arbitrary: fc.constant(name) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'extra', `"${name}"`, `${name} `) },
  );

type Entry = [string, string | Node];
interface Node {
  kind: 'map' | 'list';
  entries: Entry[];
  items: Node[];
}
const map = (entries: Entry[]): Node => ({ kind: 'map', entries, items: [] });

const member = fc
  .tuple(
    key('user'),
    token('alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'u-1', 'u.2', 'u_3'),
    key('role'),
    token('admin', 'editor', 'viewer', 'member', 'admin', 'editor', 'viewer', 'owner'),
  )
  .map(([uk, u, rk, r]) => map([[uk, u] as Entry, [rk, r] as Entry]));

const share = fc
  .tuple(
    token('s1', 's2', 's3', 's4', 's5', 's6'),
    token('node', 'doc'),
    token('n1', 'n2'),
    token('globex', 'initech', 'o9'),
    token('viewer', 'editor', 'member'),
    token('accepted', 'pending'),
    key('state'),
  )
  .map(([id, type, rid, target, role, state, stateKey]) =>
    map([
      ['id', id],
      [
        'resource',
        map([
          ['type', type],
          ['id', rid],
        ]),
      ],
      ['target_org', target],
      ['access_role', role],
      [stateKey, state],
    ]),
  );

const org = fc
  .record({
    id: token('acme', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8', 'o9'),
    status: fc.option(token('active', 'suspended', 'pending_deletion'), { freq: 20 }),
    members: fc.option(fc.array(member, { maxLength: 3 })),
    shares: fc.option(fc.array(share, { maxLength: 2 })),
  })
  .map(({ id, status, members, shares }) => {
    const entries: Entry[] = [['id', id]];
    if (status !== null) entries.push(['status', status]);
    if (members !== null) entries.push(['members', { kind: 'list', entries: [], items: members }]);
    if (shares !== null) entries.push(['shares', { kind: 'list', entries: [], items: shares }]);
    return map(entries);
  });

interface Layout {
  indent: number;
  /** Lists of a mapping's key at the key's own indentation (`members:\n- user: a`). */
  flush: boolean;
  flow: boolean[];
  comments: boolean[];
}

const layout: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom(1, 2, 4),
  flush: fc.boolean(),
  flow: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  comments: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
});

function flowText(node: Node): string {
  if (node.kind === 'list') return `[${node.items.map(flowText).join(', ')}]`;
  const parts = node.entries.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : flowText(v)}`);
  return `{ ${parts.join(', ')} }`;
}

/** YAML lines for a mapping at `indent`; the first line after `first` (a `- `) when given. */
function mapLines(node: Node, indent: number, how: Layout, n: number, first = ''): string[] {
  const lines: string[] = [];
  const pad = (i: number) => ' '.repeat(i);
  node.entries.forEach(([k, v], i) => {
    const lead = i === 0 && first !== '' ? first : pad(indent);
    const comment = how.comments[(n + i) % 16] ? '  # note' : '';
    if (typeof v === 'string') lines.push(`${lead}${k}: ${v}${comment}`);
    else if (v.kind === 'map') {
      if (how.flow[(n + i) % 16]) lines.push(`${lead}${k}: ${flowText(v)}${comment}`);
      else lines.push(`${lead}${k}:${comment}`, ...mapLines(v, indent + how.indent, how, n + 1));
    } else if (v.items.length === 0) lines.push(`${lead}${k}: []`);
    else {
      lines.push(`${lead}${k}:${comment}`);
      const at = how.flush ? indent : indent + how.indent;
      v.items.forEach((item, j) => lines.push(...itemLines(item, at, how, n + j + 3)));
    }
  });
  return lines;
}

function itemLines(node: Node, indent: number, how: Layout, n: number): string[] {
  const dash = `${' '.repeat(indent)}- `;
  const flat = node.entries.every(([, v]) => typeof v === 'string' || v.kind === 'map');
  if (how.flow[n % 16] && (flat || how.flow[(n + 1) % 16])) return [`${dash}${flowText(node)}`];
  return mapLines(node, indent + 2, how, n, dash);
}

/** Values YAML may read as something else than the text, or that a reader could cut short. */
const TRICKY = [
  'True',
  'NULL',
  'false',
  '~',
  '0x1F',
  '0o17',
  '1e3',
  '123',
  '-5',
  '.5',
  'a#b',
  'a #b',
  'a:b',
  'a: b',
  '"bob"',
  "'bob'",
  '"b o b"',
  "'it''s'",
  '"a\\tb"',
  'b\tb',
  'bob ',
];
const USER = /\b(alice|bob|carol|dave|erin|frank|gina|u-1|u\.2|u_3)\b/;

const edit = fc.oneof(
  { weight: 4, arbitrary: fc.constant((lines: string[]) => lines) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(...TRICKY))
      .map(([at, value]) => (lines: string[]) => {
        const users = lines.flatMap((l, i) => (USER.test(l) ? [i] : []));
        const line = users[at % Math.max(users.length, 1)];
        return lines.map((l, i) => (i === line ? l.replace(USER, value) : l));
      }),
  },
  fc.nat().map((at) => (lines: string[]) => lines.filter((_, i) => i !== at % lines.length)),
  fc
    .nat()
    .map(
      (at) => (lines: string[]) =>
        lines.flatMap((l, i) => (i === at % lines.length ? [l, l] : [l])),
    ),
  fc.tuple(fc.nat(), fc.constantFrom(' ', '  ', '\t')).map(
    ([at, pad]) =>
      (lines: string[]) =>
        lines.map((l, i) => (i === at % lines.length ? pad + l : l)),
  ),
  fc
    .tuple(
      fc.nat(),
      fc.nat(),
      fc.constantFrom(':', '#', ' ', '"', "'", '-', '{', '}', ',', '&', '\r'),
    )
    .map(
      ([at, col, ch]) =>
        (lines: string[]) =>
          lines.map((l, i) =>
            i === at % lines.length
              ? l.slice(0, col % (l.length + 1)) + ch + l.slice(col % (l.length + 1))
              : l,
          ),
    ),
);

const document = fc
  .tuple(fc.array(org, { minLength: 1, maxLength: 4 }), layout, edit, fc.constantFrom(0, 2))
  .map(([orgs, how, change, seqIndent]) => {
    const lines = ['# directory', 'orgs:'];
    orgs.forEach((o, i) => lines.push(...itemLines(o, seqIndent, how, i)));
    return `${change(lines).join('\n')}\n`;
  });

describe('directory YAML: the fast reader means what the general parser means', () => {
  it('for any text: the same records, or the same refusal', () => {
    let plain = 0;
    let runs = 0;
    let accepted = 0;
    fc.assert(
      fc.property(document, (text) => {
        runs += 1;
        if (readsPlain(text)) plain += 1;
        const expected = general(text);
        if (Array.isArray(expected)) accepted += 1;
        expect(fast(text)).toEqual(expected);
      }),
      fuzzParams(400),
    );
    // The property is about the fast reader only if it reads a good share of the texts itself.
    expect(plain).toBeGreaterThan(runs / 10);

    expect(accepted).toBeGreaterThan(runs / 10);
  });
});
