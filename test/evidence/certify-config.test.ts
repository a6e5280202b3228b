/**
 * The `certify` config section (src/config/certify.ts): defaults, paths resolved against the config
 * file's folder, problems naming the key, and every key documented in docs/config.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { certifyConfigSchema } from '../../src/config/certify.js';

const BASE = {
  auth: { issuer: 'https://i.test', audience: 'a', algorithms: ['HS256'], hs256_secret_env: 'S' },
  directory: { file: 'directory.yaml' },
  policy: { dir: 'policies' },
};

describe('the certify section', () => {
  it('has defaults when absent', () => {
    expect(parseConfig(BASE).certify).toEqual({ coverage_threshold: 100, timeout_s: 300 });
  });

  it('resolves its paths against the config file', () => {
    const file = path.resolve('/etc/orgwarden/orgwarden.yaml');
    const config = parseConfig(
      {
        ...BASE,
        certify: {
          alert_rules: 'rules.yml',
          alert_rule_tests: '../t/rules.test.yml',
          risk_register: '/srv/risk.md',
        },
      },
      { file },
    );
    expect(config.certify).toMatchObject({
      alert_rules: path.resolve('/etc/orgwarden/rules.yml'),
      alert_rule_tests: path.resolve('/etc/t/rules.test.yml'),
      risk_register: path.resolve('/srv/risk.md'),
    });
  });

  it('names the key at fault', () => {
    expect(() =>
      parseConfig(
        { ...BASE, certify: { coverage_threshold: 101, timeout_s: 0, alert_rule: 'x' } },
        { file: 'c.yaml' },
      ),
    ).toThrow(/certify\.coverage_threshold[\s\S]*certify\.timeout_s[\s\S]*certify\.alert_rule/);
  });

  it('documents every key in docs/config.md', () => {
    const doc = readFileSync(path.resolve('docs', 'config.md'), 'utf8');
    const section = doc.slice(doc.indexOf('\n## `certify`\n'));
    expect(section.length).toBeGreaterThan(20);
    const keys = Object.keys(certifyConfigSchema({ baseDir: '.', env: null }).unwrap().shape);
    expect(keys.length).toBe(5);
    for (const key of keys) expect(section, key).toContain(`\n| \`${key}\` |`);
  });
});
