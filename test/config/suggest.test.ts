import { describe, expect, it } from 'vitest';
import { editDistance, nearestKey } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['', 'abc', 3],
    ['multi_tenant', 'multi_tenant', 0],
    ['multi_tenat', 'multi_tenant', 1], // a deletion
    ['multitenant', 'multi_tenant', 1],
    ['jwks_ulr', 'jwks_url', 1], // two neighbours swapped count once
    ['port', 'host', 2],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %i edits', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('nearestKey', () => {
  const tenancy = ['multi_tenant', 'default_org', 'org_header', 'org_cookie'];

  it('suggests the closest known key within a third of its length, ignoring case', () => {
    expect(nearestKey('multi_tenat', tenancy)).toBe('multi_tenant');
    expect(nearestKey('Org_Header', tenancy)).toBe('org_header');
    expect(nearestKey('org_cokie', tenancy)).toBe('org_cookie');
  });

  it('suggests nothing when no key is near', () => {
    expect(nearestKey('surprise', tenancy)).toBeNull();
    expect(nearestKey('org', tenancy)).toBeNull();
    expect(nearestKey('x', [])).toBeNull();
  });

  it('prefers the nearer of two candidates', () => {
    expect(nearestKey('jwks_fil', ['jwks_url', 'jwks_file'])).toBe('jwks_file');
  });
});
