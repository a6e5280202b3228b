/** The per-org revision memory (bounded) and the `redis` write-durability config keys. */
import { describe, expect, it } from 'vitest';
import {
  createRevisionFloors,
  DirectoryRewoundError,
  parseRevision,
} from '../../src/directory/redis-revisions.js';
import { DirectoryUnavailableError } from '../../src/directory/types.js';
import { redisConfigSchema } from '../../src/redis/config.js';

describe('revision floors', () => {
  it('remember the highest revision per org, never lower it, and forget the least recently raised org past the bound', () => {
    const floors = createRevisionFloors(2);
    expect(floors.floor('acme')).toBe(0);
    floors.raise('acme', 5);
    floors.raise('acme', 3);
    expect(floors.floor('acme')).toBe(5);
    floors.raise('globex', 1);
    floors.raise('acme', 6); // acme is now the most recently raised
    floors.raise('initech', 2);
    expect(floors.size).toBe(2);
    expect(floors.floor('globex')).toBe(0); // forgotten: checked again from its next read on
    expect(floors.floor('acme')).toBe(6);
    expect(floors.floor('initech')).toBe(2);
    floors.clear();
    expect(floors.size).toBe(0);
  });

  it('a rewind is a DirectoryUnavailableError naming the org and both revisions', () => {
    const error = new DirectoryRewoundError('acme', 6, 7);
    expect(error).toBeInstanceOf(DirectoryUnavailableError);
    expect(error.code).toBe('directory_unavailable');
    expect(error.message).toBe(
      'directory rewound: org "acme" is at revision 6, revision 7 was seen',
    );
  });

  it('stored revisions: absent is 0, anything but a plain non-negative integer is corrupt', () => {
    expect(parseRevision('acme', null)).toBe(0);
    expect(parseRevision('acme', '42')).toBe(42);
    for (const raw of ['', '-1', '1.5', '1e3', ' 1', 'x', '9999999999999999'])
      expect(() => parseRevision('acme', raw), raw).toThrow(
        'directory unavailable: corrupt revision for org "acme"',
      );
  });
});

describe('redis config: write durability', () => {
  it('write_replicas defaults to 1 on a cluster and 0 on a single server; write_timeout_ms to 250', () => {
    expect(redisConfigSchema.parse({ cluster_nodes: ['127.0.0.1:7000'] })).toMatchObject({
      write_replicas: 1,
      write_timeout_ms: 250,
    });
    expect(redisConfigSchema.parse({ url: 'redis://127.0.0.1:6379/0' })).toMatchObject({
      write_replicas: 0,
      write_timeout_ms: 250,
    });
    expect(redisConfigSchema.parse({})).toMatchObject({
      url: 'redis://127.0.0.1:6379/0',
      write_replicas: 0,
    });
    expect(
      redisConfigSchema.parse({
        cluster_nodes: ['a:1'],
        write_replicas: 2,
        write_timeout_ms: 1000,
      }),
    ).toMatchObject({ write_replicas: 2, write_timeout_ms: 1000 });
    expect(
      redisConfigSchema.parse({ cluster_nodes: ['a:1'], write_replicas: 0 }).write_replicas,
    ).toBe(0);
  });

  it('rejects values out of range', () => {
    for (const bad of [
      { write_replicas: -1 },
      { write_replicas: 17 },
      { write_replicas: 1.5 },
      { write_timeout_ms: 0 },
      { write_timeout_ms: 10001 },
    ])
      expect(redisConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
