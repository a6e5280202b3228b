/**
 * The fast reader of directory files: it reads the files the directory is written as (the shipped
 * example, the test fixture, what the file store writes back), and whatever it reads in chunks is
 * still judged as one document (an org id repeated in two chunks is refused with the general
 * path's message). Equivalence on arbitrary texts: test/security/directory-yaml.property.test.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseDirectoryYaml, serializeDirectory } from '../../src/directory/load-file.js';
import { readPlainOrgs, UnsupportedYaml } from '../../src/directory/plain-yaml.js';
import { parseDirectoryDocument } from '../../src/directory/validate.js';

const root = path.resolve(import.meta.dirname, '../..');

function plainOrgs(text: string): unknown[] {
  const orgs: unknown[] = [];
  readPlainOrgs(text, (org) => orgs.push(org));
  return orgs;
}

const general = (text: string): unknown => parseDocument(text).toJS();

describe('readPlainOrgs', () => {
  it.each(['examples/directory.yaml', 'test/support/fixtures/directory.yaml'])(
    'reads %s itself, as the general parser does',
    async (file) => {
      const text = await readFile(path.join(root, file), 'utf8');
      expect(plainOrgs(text)).toEqual((general(text) as { orgs: unknown[] }).orgs);
    },
  );

  it('reads what the file store writes back', async () => {
    const text = await readFile(path.join(root, 'test/support/fixtures/directory.yaml'), 'utf8');
    const written = serializeDirectory(parseDirectoryYaml(text, 'default', 'fixture'));
    expect(plainOrgs(written)).toEqual((general(written) as { orgs: unknown[] }).orgs);
  });

  it.each([
    ['an anchor', 'orgs:\n  - &a { id: a, status: active }\n'],
    ['a tag', 'orgs:\n  - id: !!str a\n    status: active\n'],
    [
      'a bool',
      'orgs:\n  - id: a\n    status: active\n    members: [{ user: true, role: owner }]\n',
    ],
    ['a number', 'orgs:\n  - id: 12\n    status: active\n'],
    ['a flow list', 'orgs: [{ id: a, status: active }]\n'],
    ['a continued value', 'orgs:\n  - id: a\n      b\n    status: active\n'],
    ['a duplicate key', 'orgs:\n  - id: a\n    id: b\n'],
    ['an unknown key', 'orgs:\n  - id: a\n    owner: b\n'],
    ['a prototype key', 'orgs:\n  - id: a\n    __proto__: b\n'],
    ['a document marker', '---\norgs:\n  - id: a\n'],
    ['CRLF', 'orgs:\r\n  - id: a\r\n'],
  ])('leaves %s to the general parser', (_, text) => {
    expect(() => plainOrgs(text)).toThrow(UnsupportedYaml);
  });
});

describe('parseDirectoryYaml in chunks', () => {
  const orgs = (count: number, repeat?: [number, number]) =>
    `orgs:\n${Array.from({ length: count }, (_, i) => {
      const id = repeat?.[1] === i ? `org-${repeat[0]}` : `org-${i}`;
      return `  - id: ${id}\n    status: active\n    members:\n      - { user: u${i}, role: owner }\n`;
    }).join('')}`;

  it('reads a directory of many chunks whole and in order', () => {
    const records = parseDirectoryYaml(orgs(2000), 'default', 'f');
    expect(records).toHaveLength(2000);
    expect(records[1999]).toEqual({
      id: 'org-1999',
      status: 'active',
      members: [{ user: 'u1999', role: 'owner' }],
      shares: [],
    });
  });

  it('refuses an org id repeated in another chunk, with the whole-document message', () => {
    const text = orgs(1500, [3, 1400]);
    const expected = (() => {
      try {
        parseDirectoryDocument(general(text), { defaultOrg: 'default' }, 'directory file f');
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(expected).toContain('orgs[1400].id: duplicate org id "org-3" (also at orgs[3])');
    expect(() => parseDirectoryYaml(text, 'default', 'directory file f')).toThrow(expected);
  });
});
