/**
 * The `orgwarden` command as an operator runs it: a real process from dist/, real signals.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { session, testConfigDoc } from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { parseXml } from '../support/xml.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN },
});
const run = orgwarden.run;
afterEach(() => orgwarden.killAll());

function writeConfig(doc: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orgwarden-cli-'));
  const file = path.join(dir, 'orgwarden.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

describe('orgwarden serve', () => {
  it('stops with exit code 2 and one line naming an unknown key and the key it may have meant', async () => {
    const file = writeConfig({ ...testConfigDoc(), tenancy: { multi_tenat: true } });
    const { code, stderr } = await run(['serve', '--config', file]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `orgwarden: config error: ${file}: tenancy.multi_tenat: unknown key \`multi_tenat\` — did you mean \`multi_tenant\`?`,
    );
  });

  it('stops with exit code 2 naming a wrong type', async () => {
    const file = writeConfig({ ...testConfigDoc(), server: { port: 'eighty' } });
    const { code, stderr } = await run(['serve', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('server.port: must be an integer, got string');
  });

  it('exits 2 listing every config problem at once, env secrets and URLs included', async () => {
    const doc = testConfigDoc();
    const file = writeConfig({
      ...doc,
      server: { port: 'eighty' },
      directory: { ...(doc.directory as object), http: { url: 'http://10.0.0.1/api' } },
    });
    const { code, stderr } = await run(['serve', '--config', file], {
      [TEST_SECRET_ENV]: '',
      ORGWARDEN_ADMIN_TOKEN: '',
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').sort()).toEqual(
      [
        `orgwarden: config error: ${file}: server.port: must be an integer, got string`,
        `orgwarden: config error: ${file}: auth.hs256_secret_env: environment variable ${TEST_SECRET_ENV} is not set`,
        `orgwarden: config error: ${file}: directory.http.url: 'http://10.0.0.1' must use https (http is allowed only for a loopback host)`,
        `orgwarden: config error: ${file}: admin.token_env: environment variable ORGWARDEN_ADMIN_TOKEN is not set`,
      ].sort(),
    );
  });

  it('serves, then on SIGTERM finishes the in-flight request and exits 0', async () => {
    const file = writeConfig(testConfigDoc());
    const { child, port, exited, logs } = await orgwarden.serve(file);

    // An in-flight request: headers and half the body sent before SIGTERM, the rest after.
    const body = JSON.stringify({ token: await session('alice'), org: 'acme', action: 'org.read' });
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    socket.write(
      `POST /v1/authorize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // no new connections are accepted while draining
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, '127.0.0.1');
      probe.on('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    socket.write(body.slice(10));
    expect(await exited).toBe(0);
    expect(response).toMatch(/^HTTP\/1.1 200/);
    expect(response).toContain('"allow":true');
    expect(logs()).toContain('"msg":"stopped","drained":true');
  });
});

describe('orgwarden serve: a port in use', () => {
  it('exits 1 naming the address and the keys that set it', async () => {
    const file = writeConfig(testConfigDoc());
    const first = await orgwarden.serve(file);
    const second = await run(['serve', '--config', file, '--port', String(first.port)]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n').at(-1)).toBe(
      `orgwarden: cannot listen on 127.0.0.1:${first.port} (server.host, server.port / --port / ORGWARDEN_PORT): EADDRINUSE`,
    );
  });
});

describe('orgwarden serve: process metrics', () => {
  it('exposes process and Node.js metrics beside the decision metrics', async () => {
    const file = writeConfig(testConfigDoc());
    const { url } = await orgwarden.serve(file);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^orgwarden_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^orgwarden_nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(
      /^orgwarden_decisions_total\{kind="request",decision="allow",reason="allowed"\} 0$/m,
    );
  });
});

describe('orgwarden check', () => {
  const input = (doc: unknown) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orgwarden-check-')), 'input.json');
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  it('prints an allow and exits 0', async () => {
    const config = writeConfig(testConfigDoc());
    const { code, stdout } = await run([
      'check',
      '--config',
      config,
      '--input',
      input({ token: await session('alice'), org: 'acme', action: 'org.delete' }),
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      allow: true,
      reason: 'allowed',
      effective_org: 'acme',
      role: 'owner',
    });
  });

  it('takes a principal instead of a token and exits 1 on a deny', async () => {
    const config = writeConfig(testConfigDoc());
    const { code, stdout } = await run([
      'check',
      '--config',
      config,
      '--input',
      input({ principal: { id: 'bob' }, org: 'acme', action: 'org.delete' }),
    ]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      allow: false,
      reason: 'insufficient_role',
      role: 'admin',
    });
  });

  it('exits 2 on a config problem, an unset admin token included', async () => {
    const config = writeConfig(testConfigDoc());
    const { code, stderr } = await run(
      [
        'check',
        '--config',
        config,
        '--input',
        input({ principal: { id: 'bob' }, org: 'acme', action: 'org.read' }),
      ],
      {
        ORGWARDEN_ADMIN_TOKEN: '',
      },
    );
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `orgwarden: config error: ${config}: admin.token_env: environment variable ORGWARDEN_ADMIN_TOKEN is not set`,
    );
  });

  it('says what is wrong with a bad input file and exits 2', async () => {
    const config = writeConfig(testConfigDoc());
    const file = input({ principal: { id: 'bob' }, org: 'acme' });
    const { code, stderr } = await run(['check', '--config', config, '--input', file]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`orgwarden: ${file}: action: must be a string`);
  });

  it('--help explains the command; an unknown option is a usage error', async () => {
    const help = await run(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: orgwarden check --config FILE --input FILE');
    const bad = await run(['serve', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('orgwarden: unknown option --bogus');
    const top = await run(['--help']);
    expect(top.stdout).toContain('serve --config FILE');
  });
});

describe('orgwarden test', () => {
  it('runs the example case file as a real process: exit 0, a PASS line, JUnit XML on request', async () => {
    const text = await run(['test', 'examples/cases']);
    expect(text.stdout).toMatch(/^PASS examples\/cases\/acme-members\.yaml \(9 cases\)$/m);
    expect(text.code).toBe(0);
    const junit = await run(['test', 'examples/cases', '--format', 'junit']);
    expect(parseXml(junit.stdout)).toMatchObject({
      name: 'testsuites',
      attrs: { tests: '9', failures: '0' },
    });
    expect(junit.stderr).toContain('PASS examples/cases/acme-members.yaml');
    expect(junit.code).toBe(0);
  });
});
