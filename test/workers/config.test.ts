/** `server.workers`: 1 by default (one process), an integer 1–64 or `auto`; anything else is refused by name. */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { workerCount } from '../../src/cli/workers/count.js';
import { parseConfig } from '../../src/config/load.js';
import { testConfigDoc } from '../support/app.js';

const withWorkers = (workers: unknown) => {
  const doc = testConfigDoc();
  return { ...doc, server: { ...(doc.server as object), workers } };
};

describe('server.workers', () => {
  it('defaults to one process', () => {
    expect(parseConfig(testConfigDoc()).server.workers).toBe(1);
    expect(workerCount(1)).toBe(1);
  });

  it('takes a count or auto, which is one per available core', () => {
    expect(parseConfig(withWorkers(4)).server.workers).toBe(4);
    expect(parseConfig(withWorkers('auto')).server.workers).toBe('auto');
    expect(workerCount('auto')).toBe(os.availableParallelism());
  });

  it.each([0, -1, 65, 1.5, 'many', '2', true])('refuses %j, naming the key', (bad) => {
    expect(() => parseConfig(withWorkers(bad))).toThrow(/server\.workers/);
  });
});
