/** A copy of the policy pack with one seeded defect, and a config that certifies it. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export interface SeededDefect {
  /** File under policies/. */
  file: string;
  /** Text that must occur exactly once in it, and its replacement. */
  from: string;
  to: string;
}

export function seededDefectConfig(dir: string, defect: SeededDefect): string {
  const policies = path.join(dir, 'policies');
  cpSync(path.resolve('policies'), policies, { recursive: true });
  const file = path.join(policies, defect.file);
  const text = readFileSync(file, 'utf8');
  if (text.split(defect.from).length !== 2)
    throw new Error(`${defect.file}: the defect's text must occur exactly once`);
  writeFileSync(file, text.replace(defect.from, defect.to));
  const config = path.join(dir, 'orgwarden.yaml');
  writeFileSync(
    config,
    stringify({
      tenancy: { multi_tenant: true },
      auth: {
        issuer: 'https://issuer.test',
        audience: 'orgwarden',
        algorithms: ['HS256'],
        hs256_secret_env: 'ORGWARDEN_JWT_SECRET',
      },
      directory: { file: path.resolve('examples', 'directory.yaml') },
      policy: { dir: policies },
      certify: { risk_register: path.resolve('docs', 'risk-register.md') },
    }),
  );
  return config;
}
