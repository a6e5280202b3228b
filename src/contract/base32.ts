/**
 * Crockford's base32, as decision ids are spelled (`authz/decision-id.ts`) and read back where a
 * decision is kept compactly (`observability/decision-slot.ts`): one alphabet for both, so an id
 * read back is spelled again exactly as it was made.
 */
export const BASE32_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE32_ALPHABET.length; i++) DIGITS[BASE32_ALPHABET.charCodeAt(i)] = i;

/** `value` (a whole number ≥ 0) as `width` base32 digits, most significant first. */
export function spellBase32(value: number, width: number): string {
  let rest = value;
  let text = '';
  for (let i = 0; i < width; i++) {
    text = BASE32_ALPHABET.charAt(rest % 32) + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/**
 * `text[from, to)` read as base32 digits (at most 10: 50 bits, exact in a double), or -1 when any
 * character is not one of the alphabet's.
 */
export function readBase32(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? (DIGITS[code] ?? -1) : -1;
    if (digit < 0) return -1;
    value = value * 32 + digit;
  }
  return value;
}
