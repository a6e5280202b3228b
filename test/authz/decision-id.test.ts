import { describe, expect, it } from 'vitest';
import { createDecisionIds } from '../../src/authz/decision-id.js';

describe('decision ids', () => {
  it('are 26 Crockford base32 characters, sortable by time, and unique', () => {
    let now = Date.UTC(2026, 10, 28);
    const next = createDecisionIds(() => now);
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 500 === 0) now += 1;
      ids.push(next());
    }
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.slice(0, 10) < ids[1999]!.slice(0, 10)).toBe(true);
    expect(ids[0]!.slice(0, 10)).toBe(ids[499]!.slice(0, 10));
  });
});
