/**
 * Starts the throw-away instance `orgwarden certify` runs against — the one place certification
 * builds an app — and hands it to the evidence code as a plain value. Its config is the
 * deployment's policy with the fixture world (evidence/certify/instance-config.ts); its secrets are
 * made for this run and exist only in its environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from '../app.js';
import type { Config } from '../config/schema.js';
import { FIXTURE_SECRET_ENV, fixtureSecret } from '../evidence/boundary/fixture.js';
import {
  CERTIFY_ADMIN_TOKEN_ENV,
  certifyInstanceConfig,
} from '../evidence/certify/instance-config.js';
import type { CertifyInstance } from '../evidence/certify/types.js';
import { createLogger } from '../observability/logger.js';

export async function startCertifyInstance(config: Config): Promise<CertifyInstance> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-certify-'));
  const secret = fixtureSecret();
  const adminToken = randomBytes(24).toString('base64url');
  const release = () => rmSync(workDir, { recursive: true, force: true });
  try {
    const instanceConfig = certifyInstanceConfig(config, { workDir });
    // The same metrics `orgwarden serve` exports, process metrics included, so the alert
    // inventory sees what a deployment's Prometheus would scrape.
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'orgwarden_' });
    const app = await createApp(instanceConfig, {
      env: { ...process.env, [FIXTURE_SECRET_ENV]: secret, [CERTIFY_ADMIN_TOKEN_ENV]: adminToken },
      logger: createLogger({ level: 'error' }),
      registry,
    });
    let address;
    try {
      address = await app.start();
    } catch (err) {
      await app.stop();
      throw err;
    }
    return {
      baseUrl: `http://127.0.0.1:${address.port}`,
      adminToken,
      secret,
      stop: async () => {
        try {
          await app.stop();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
