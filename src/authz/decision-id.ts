/** ULID-style decision ids: 48-bit time + 80 random bits, Crockford base32, sortable by time. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Random bytes are drawn 4 KiB at a time: one syscall per ~400 ids instead of one per id. */
const POOL_BYTES = 4096;

export function createDecisionIds(now: () => number = Date.now): () => string {
  let pool = Buffer.alloc(0);
  let offset = 0;
  const take10 = (): Buffer => {
    if (offset + 10 > pool.length) {
      pool = randomBytes(POOL_BYTES);
      offset = 0;
    }
    offset += 10;
    return pool.subarray(offset - 10, offset);
  };
  return () => {
    let time = now();
    let head = '';
    for (let i = 0; i < 10; i++) {
      head = ALPHABET.charAt(time % 32) + head;
      time = Math.floor(time / 32);
    }
    const random = take10();
    let tail = '';
    let bits = 0;
    let acc = 0;
    for (const byte of random) {
      acc = (acc << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        tail += ALPHABET.charAt((acc >> bits) & 31);
      }
      acc &= (1 << bits) - 1;
    }
    return head + tail;
  };
}
