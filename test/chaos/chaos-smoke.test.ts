/**
 * The chaos suite's smoke run: a few faults of `npm run chaos` in their quick form, each row held
 * to the same rules as the full run (no wrong allow, no wrong deny outside the fault window, no
 * failed request where the fault promises none, the positive control seen). The full run and its
 * figures are in docs/reliability.md.
 */
import { describe, expect, it } from 'vitest';
import { FAULTS } from './faults/index.js';
import { rowPasses } from './lib/fault.js';
import { renderText } from './lib/table.js';

/** One fault per kind of dependency the quick run can break in a few seconds. */
const SMOKE = ['redis-kill', 'kill-switch', 'revocations', 'shutdown'];

describe('chaos smoke (quick)', () => {
  for (const id of SMOKE) {
    it(`${id}: every scenario passes`, async () => {
      const fault = FAULTS.find((f) => f.id === id);
      expect(fault, `fault ${id} is registered`).toBeDefined();
      const rows = (await fault?.run({ quick: true, progress: () => undefined })) ?? [];
      expect(rows.length).toBeGreaterThan(0);
      const failed = rows.filter((r) => !rowPasses(r));
      expect(failed, renderText(failed)).toEqual([]);
    }, 120_000);
  }
});
