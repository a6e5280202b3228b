/** ULID-style decision ids: 48-bit time + 80 random bits, Crockford base32, sortable by time. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random bytes are drawn 4 KiB at a time: one syscall per ~400 ids instead of one per id. */
const POOL_BYTES = 4096;

/** The 10-character time part of an id. */
function timePart(ms: number): string {
  let time = ms;
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET.charAt(time % 32) + head;
    time = Math.floor(time / 32);
  }
  return head;
}

/** Character codes of the alphabet, by 5-bit value. */
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** 40 bits (5 bytes from `at`) as 8 characters, most significant first. */
function spell40(bytes: Buffer, at: number): string {
  const b0 = bytes[at]!;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  const b4 = bytes[at + 4]!;
  return String.fromCharCode(
    CODES[b0 >> 3]!,
    CODES[((b0 & 7) << 2) | (b1 >> 6)]!,
    CODES[(b1 >> 1) & 31]!,
    CODES[((b1 & 1) << 4) | (b2 >> 4)]!,
    CODES[((b2 & 15) << 1) | (b3 >> 7)]!,
    CODES[(b3 >> 2) & 31]!,
    CODES[((b3 & 3) << 3) | (b4 >> 5)]!,
    CODES[b4 & 31]!,
  );
}

export function createDecisionIds(now: () => number = Date.now): () => string {
  let pool = Buffer.alloc(0);
  let offset = 0;
  // Ids made in the same millisecond share their time part: it is spelled once per millisecond.
  let headMs = Number.NaN;
  let head = '';
  return () => {
    const ms = now();
    if (ms !== headMs) {
      head = timePart(ms);
      headMs = ms;
    }
    if (offset + 10 > pool.length) {
      pool = randomBytes(POOL_BYTES);
      offset = 0;
    }
    const tail = spell40(pool, offset) + spell40(pool, offset + 5);
    offset += 10;
    return head + tail;
  };
}
