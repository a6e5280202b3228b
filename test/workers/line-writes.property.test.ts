/**
 * The pieces a worker writes to a shared stdout: whole lines, at most PIPE_BUF bytes each (unless
 * one line alone is longer), and together exactly the chunk, in order. A piece that ended inside a
 * line could interleave with another worker's write there.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineAlignedPieces, lineAtomic } from '../../src/cli/workers/line-writes.js';
import { fuzzParams } from '../support/fuzz.js';

const line = fc
  .string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', '"', ' '), maxLength: 900 })
  .map((s) => `${s}\n`);

describe('lineAlignedPieces', () => {
  it('cuts only at line ends, keeps every byte in order, and stays within the limit', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }),
        fc.integer({ min: 64, max: 4096 }),
        (lines, limit) => {
          const chunk = lines.join('');
          const pieces = lineAlignedPieces(chunk, limit);
          expect(pieces.join('')).toBe(chunk);
          for (const piece of pieces) {
            expect(piece.endsWith('\n')).toBe(true);
            const bytes = Buffer.byteLength(piece);
            // longer than the limit only when it is one line
            if (bytes > limit) expect(piece.indexOf('\n')).toBe(piece.length - 1);
          }
        },
      ),
      fuzzParams(300),
    );
  });

  it('writes a chunk of many lines as several writes of whole lines', async () => {
    const target = new PassThrough();
    const writes: string[] = [];
    target.on('data', (d: Buffer) => writes.push(d.toString()));
    const stream = lineAtomic(target);
    const chunk = Array.from(
      { length: 30 },
      (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(500)}\n`,
    ).join('');
    await new Promise<void>((resolve, reject) =>
      stream.write(chunk, (err) => (err ? reject(err) : resolve())),
    );
    expect(writes.join('')).toBe(chunk);
    expect(writes.length).toBeGreaterThan(1);
    for (const w of writes) {
      expect(w.endsWith('\n')).toBe(true);
      expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096);
    }
  });
});
