/** ULID-style decision ids: 48-bit time + 80 random bits, Crockford base32, sortable by time. */
import { randomBytes } from 'node:crypto';
import { BASE32_ALPHABET, spellBase32 } from '../contract/base32.js';

/** Random bytes are drawn 4 KiB at a time: one syscall per ~400 ids instead of one per id. */
const POOL_BYTES = 4096;

/** The 10-character time part of an id. */
const timePart = (ms: number): string => spellBase32(ms, 10);

const code = (value: number) => BASE32_ALPHABET.charCodeAt(value);

/** 40 bits (5 bytes from `at`) as 8 characters, most significant first. */
function spell40(bytes: Buffer, at: number): string {
  const bits = bytes.readUIntBE(at, 5);
  const hi = Math.floor(bits / 2 ** 20);
  const lo = bits % 2 ** 20;
  return String.fromCharCode(
    code(hi >> 15),
    code((hi >> 10) & 31),
    code((hi >> 5) & 31),
    code(hi & 31),
    code(lo >> 15),
    code((lo >> 10) & 31),
    code((lo >> 5) & 31),
    code(lo & 31),
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
