/**
 * `authzen.base_url`: the decision point's identifier in the AuthZEN metadata. A value a PEP could
 * not compare byte for byte with the identifier it derived the well-known URL from, or that would
 * publish endpoints over plain HTTP beyond loopback, stops the start with the key named.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { testConfigDoc } from '../support/app.js';

const load = (base_url: unknown) =>
  parseConfig(testConfigDoc({ extra: { authzen: { base_url } } }));

describe('authzen.base_url', () => {
  it.each([
    'https://pdp.example.com',
    'https://pdp.example.com:8443/orgwarden',
    'http://localhost:8282',
    'http://127.0.0.1:8282',
    'http://[::1]:8282',
  ])('accepts %s', (url) => {
    expect(load(url).authzen.base_url).toBe(url);
  });

  it('is optional', () => {
    expect(parseConfig(testConfigDoc()).authzen.base_url).toBeUndefined();
  });

  it.each([
    ['pdp.example.com', 'must be an absolute URL'],
    ['http://pdp.example.com', 'must use https'],
    ['ftp://pdp.example.com', 'must use https'],
    ['https://user:pw@pdp.example.com', 'must not carry a user or password'],
    ['https://pdp.example.com?x=1', 'must have no query and no fragment'],
    ['https://pdp.example.com#top', 'must have no query and no fragment'],
    ['https://pdp.example.com/', 'must not end with "/"'],
    ['https://PDP.example.com', 'must be written in its normal form (https://pdp.example.com)'],
    ['https://pdp.example.com:443', 'must be written in its normal form'],
  ])('refuses %s', (url, message) => {
    expect(() => load(url)).toThrow(`authzen.base_url: ${message}`);
  });

  it('refuses an unknown key of the section', () => {
    expect(() =>
      parseConfig(testConfigDoc({ extra: { authzen: { base_uri: 'https://x.example' } } })),
    ).toThrow('authzen.base_uri');
  });
});
