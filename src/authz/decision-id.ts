/** ULID-style decision ids: 48-bit time + 80 random bits, Crockford base32, sortable by time. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function createDecisionIds(now: () => number = Date.now): () => string {
  return () => {
    let time = now();
    let head = '';
    for (let i = 0; i < 10; i++) {
      head = ALPHABET[time % 32]! + head;
      time = Math.floor(time / 32);
    }
    const random = randomBytes(10);
    let tail = '';
    let bits = 0;
    let acc = 0;
    for (const byte of random) {
      acc = (acc << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        tail += ALPHABET[(acc >> bits) & 31]!;
      }
      acc &= (1 << bits) - 1;
    }
    return head + tail;
  };
}
