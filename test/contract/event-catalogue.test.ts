/**
 * The event catalogue of the policy data: the reader (src/contract/event-catalogue.ts) over the
 * default data and over malformed entries, and the event matrix of docs/surfaces.md, held to the
 * data row for row.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATA_FILE } from '../../scripts/vocabulary.mjs';
import { eventCatalogueFromPolicyData } from '../../src/contract/event-catalogue.js';
import { doc } from './markdown-tables.js';

const catalogue = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as Record<string, unknown>;
const policyData = (events: unknown) => ({ orgwarden: { catalogue: { events } } });

/** The rows of the table under `### The event matrix`: type, scope, channels, description. */
function eventMatrix(markdown: string): string[][] {
  const start = markdown.indexOf('### The event matrix');
  if (start === -1) throw new Error('docs/surfaces.md: no section "### The event matrix"');
  const rows: string[][] = [];
  for (const line of markdown.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const cells = /^\| `([^`]+)` \| `([a-z]+)` \| (.+?) \| (.+?) \|$/.exec(line);
    if (cells)
      rows.push([
        cells[1] ?? '',
        cells[2] ?? '',
        [...(cells[3] ?? '').matchAll(/`([a-z]+)`/g)].map((m) => m[1]).join(' '),
        cells[4] ?? '',
      ]);
  }
  return rows;
}

describe('the default event catalogue', () => {
  const read = eventCatalogueFromPolicyData({ orgwarden: { catalogue } });

  it('is well formed and covers every scope', () => {
    expect(read?.problems).toEqual([]);
    expect(new Set(read?.entries.map((e) => e.scope))).toEqual(
      new Set(['org', 'global', 'recipient']),
    );
    for (const entry of read?.entries ?? []) expect(entry.description, entry.type).not.toBe('');
  });

  it('is the event matrix of docs/surfaces.md, row for row', () => {
    expect(eventMatrix(doc('surfaces.md'))).toEqual(
      read?.entries.map((e) => [e.type, e.scope, e.channels.join(' '), e.description]),
    );
  });

  it('has no global_event_types list any more: the global types are the scope-global entries', () => {
    expect(catalogue).not.toHaveProperty('global_event_types');
    expect(read?.entries.filter((e) => e.scope === 'global').map((e) => e.type)).toEqual([
      'maintenance.announced',
    ]);
  });
});

describe('eventCatalogueFromPolicyData', () => {
  it('is null for data without an events object', () => {
    expect(eventCatalogueFromPolicyData({})).toBeNull();
    expect(eventCatalogueFromPolicyData({ orgwarden: { catalogue: {} } })).toBeNull();
    expect(eventCatalogueFromPolicyData(policyData(['alert']))).toBeNull();
  });

  it('names each malformed entry by its type and keeps the others, in order', () => {
    const read = eventCatalogueFromPolicyData(
      policyData({
        a: { scope: 'org', channels: ['push'], description: 'fine' },
        b: 'org',
        c: { scope: 'everyone', channels: ['push'] },
        d: { scope: 'global', channels: [] },
        e: { scope: 'global', channels: ['email'] },
        f: { scope: 'recipient', channels: ['sse', 'websocket'] },
      }),
    );
    expect(read?.entries).toEqual([
      { type: 'a', scope: 'org', channels: ['push'], description: 'fine' },
      { type: 'f', scope: 'recipient', channels: ['sse', 'websocket'], description: '' },
    ]);
    expect(read?.problems.map((p) => [p.type, p.message])).toEqual([
      ['b', 'is not an object'],
      ['c', 'scope must be one of org, global, recipient'],
      ['d', 'channels must be a non-empty list of websocket, sse, push'],
      ['e', 'channels must be a non-empty list of websocket, sse, push'],
    ]);
  });
});
