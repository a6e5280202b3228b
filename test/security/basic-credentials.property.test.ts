/**
 * Seeded properties of the HTTP Basic reading (src/http/basic-credentials.ts), the credential of
 * the explorer page: every well-formed `Basic base64(user:password)` gives back exactly the
 * password; anything else — non-canonical base64, bytes that are not UTF-8, control characters, no
 * colon, an empty password, another scheme, random text — gives no credential, and nothing throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicPassword } from '../../src/http/basic-credentials.js';
import { fuzzParams } from '../support/fuzz.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const user = fc.string({ maxLength: 20 }).filter((u) => !u.includes(':') && !CONTROL.test(u));
const password = fc.string({ minLength: 1, maxLength: 60 }).filter((p) => !CONTROL.test(p));

describe('basicPassword', () => {
  it('gives back the password of every well-formed value, whatever the scheme case and spaces', () => {
    fc.assert(
      fc.property(
        user,
        password,
        fc.constantFrom('Basic', 'basic', 'BASIC'),
        fc.integer({ min: 1, max: 3 }),
        (u, p, scheme, spaces) => {
          const value = `${scheme}${' '.repeat(spaces)}${b64(`${u}:${p}`)}`;
          expect(basicPassword(value)).toBe(p);
        },
      ),
      fuzzParams(500),
    );
  });

  it('gives no credential for random text, never throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const read = basicPassword(text);
        if (read !== undefined) {
          // Only a value that is well-formed Basic can give one back.
          const encoded = /^\s*basic +(\S+)\s*$/i.exec(text)?.[1] ?? '';
          expect(b64(Buffer.from(encoded, 'base64'))).toBe(encoded);
          expect(Buffer.from(encoded, 'base64').toString('utf8').endsWith(`:${read}`)).toBe(true);
        }
      }),
      fuzzParams(2000),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(
          basicPassword(`Basic ${text}`) === undefined || /^[A-Za-z0-9+/]+=*$/.test(text),
        ).toBe(true);
      }),
      fuzzParams(2000),
    );
  });

  it('refuses what only looks like a credential', () => {
    fc.assert(
      fc.property(user, password, (u, p) => {
        const canonical = b64(`${u}:${p}`);
        // Dropped padding, or a character past the padding: not the canonical encoding.
        if (canonical.endsWith('='))
          expect(basicPassword(`Basic ${canonical.replace(/=+$/, '')}`)).toBeUndefined();
        expect(basicPassword(`Basic ${canonical}A`)).toBeUndefined();
        expect(basicPassword(`Bearer ${canonical}`)).toBeUndefined();
        expect(basicPassword(`Basic\t${canonical}`)).toBeUndefined();
        expect(basicPassword(`Basic ${b64(`${u}${p.replaceAll(':', '')}`)}`)).toBeUndefined();
        expect(basicPassword(`Basic ${b64(`${u}:`)}`)).toBeUndefined();
        expect(basicPassword(`Basic ${b64(`${u}:${p}\u0000`)}`)).toBeUndefined();
      }),
      fuzzParams(500),
    );
    // Non-zero padding bits: "YQ==" is "a"; "YR==" decodes to "a" too but is not its encoding.
    expect(basicPassword(`Basic ${b64('u:a').slice(0, -2)}R=`)).toBeUndefined();
    // A lone surrogate's bytes are not UTF-8.
    expect(
      basicPassword(`Basic ${b64(Buffer.from([0x75, 0x3a, 0xed, 0xa0, 0x80]))}`),
    ).toBeUndefined();
    expect(basicPassword(undefined)).toBeUndefined();
  });
});
