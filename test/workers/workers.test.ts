/**
 * `server.workers: 2` as a real process tree (primary + 2 workers from dist/): everything a single
 * process promises still holds for the sidecar as a whole, whichever worker takes a request. Every
 * check asks on fresh connections, which node:cluster hands to the workers in turn; the workers'
 * shutdown lines confirm that both took connections.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readTarGz } from '../../src/bundle/tar-read.js';
import { writeTarGz } from '../../src/bundle/tar-write.js';
import { session } from '../support/app.js';
import {
  acceptedPerWorker,
  ADMIN,
  call,
  clusterConfig,
  metricSum,
  startCluster,
  type Cluster,
} from './cluster.js';

/** Enough fresh connections that each of 2 workers answers several of them. */
const SPREAD = 8;

/** Asks the same thing on SPREAD fresh connections. */
async function everywhere<T>(port: number, target: string, pick: (body: never) => T): Promise<T[]> {
  const answers = await Promise.all(
    Array.from({ length: SPREAD }, () => call(port, 'GET', target, { headers: ADMIN })),
  );
  return answers.map((a) => {
    expect(a.status).toBe(200);
    return pick(a.json() as never);
  });
}

function publish(file: string, bytes: Buffer): void {
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
}

describe('server.workers: 2, no Redis', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(clusterConfig(2, { decision_log: { sink: 'stdout' } }));
  });
  afterAll(() => {
    cluster.child.kill('SIGKILL');
  });

  it('starts two workers behind one port', () => {
    expect(cluster.pids).toHaveLength(2);
    expect(new Set(cluster.pids).size).toBe(2);
  });

  it('a kill switch flip is in force on every worker before the worker that took it answers', async () => {
    for (const multiTenant of [false, true, false, true]) {
      const put = await call(cluster.port, 'PUT', '/v1/admin/tenancy', {
        headers: ADMIN,
        body: { multi_tenant: multiTenant },
      });
      expect(put.status).toBe(200);
      expect(put.json().multi_tenant).toBe(multiTenant);
      const seen = await everywhere(
        cluster.port,
        '/v1/admin/tenancy',
        (b: { multi_tenant: boolean }) => b.multi_tenant,
      );
      expect(seen).toEqual(Array(SPREAD).fill(multiTenant));
    }
    const metrics = (await call(cluster.port, 'GET', '/metrics')).body;
    // a state gauge is not summed over the workers
    expect(metricSum(metrics, 'orgwarden_multi_tenant')).toBe(1);
    // 4 flips (it starts on), each served by both workers: as admin by the worker asked, as
    // broadcast by the other
    expect(metricSum(metrics, 'orgwarden_multi_tenant_flips_total', 'source="admin"')).toBe(4);
    expect(metricSum(metrics, 'orgwarden_multi_tenant_flips_total', 'source="broadcast"')).toBe(4);
  });

  it('GET /metrics on any worker counts every request of every worker once', async () => {
    const before = metricSum(
      (await call(cluster.port, 'GET', '/metrics')).body,
      'orgwarden_decisions_total',
    );
    const token = await session('alice');
    const n = 40;
    const answers = await Promise.all(
      Array.from({ length: n }, () =>
        call(cluster.port, 'POST', '/v1/authorize', {
          body: { token, org: 'acme', action: 'org.read' },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(200));
    for (let i = 0; i < 4; i++) {
      const text = (await call(cluster.port, 'GET', '/metrics')).body;
      expect(metricSum(text, 'orgwarden_decisions_total') - before).toBe(n);
      expect(metricSum(text, 'orgwarden_policy_info')).toBe(1);
      expect(metricSum(text, 'orgwarden_workers', 'state="listening"')).toBe(2);
    }
  });

  it('a directory write on one worker is served by every worker when it is answered; concurrent writes lose nothing', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const writes = await Promise.all(
      users.map((user) =>
        call(cluster.port, 'PUT', `/v1/directory/orgs/acme/members/${user}`, {
          headers: ADMIN,
          body: { role: 'viewer' },
        }),
      ),
    );
    expect(writes.map((w) => w.status)).toEqual(Array(users.length).fill(200));
    const members = await everywhere(
      cluster.port,
      '/v1/directory/orgs/acme',
      (b: { members: { user: string }[] }) => b.members.map((m) => m.user),
    );
    for (const seen of members) expect(seen).toEqual(expect.arrayContaining(users));
    const file = parse(readFileSync(cluster.directoryFile, 'utf8')) as {
      orgs: { id: string; members: { user: string }[] }[];
    };
    const acme = file.orgs.find((o) => o.id === 'acme');
    expect(acme?.members.map((m) => m.user)).toEqual(expect.arrayContaining(users));

    // a removal (a revocation) is served by every worker once answered
    const removed = await call(cluster.port, 'DELETE', '/v1/directory/orgs/acme/members/user-0', {
      headers: ADMIN,
    });
    expect(removed.status).toBeLessThan(300);
    const after = await everywhere(
      cluster.port,
      '/v1/directory/orgs/acme',
      (b: { members: { user: string }[] }) => b.members.map((m) => m.user),
    );
    for (const seen of after) expect(seen).not.toContain('user-0');
  });

  it('an admin reload reaches every worker; a failed one leaves every worker on the active policy', async () => {
    const original = readFileSync(cluster.bundle);
    const active = await everywhere(
      cluster.port,
      '/v1/policy',
      (b: { revision: string }) => b.revision,
    );
    expect(new Set(active).size).toBe(1);

    publish(cluster.bundle, Buffer.from('not a bundle'));
    const failed = await call(cluster.port, 'POST', '/v1/admin/policy/reload', { headers: ADMIN });
    expect(failed.status).toBe(422);
    const afterFailure = await everywhere(
      cluster.port,
      '/v1/policy',
      (b: { revision: string; last_reload: { ok: boolean; trigger: string } }) => [
        b.revision,
        b.last_reload.ok,
        b.last_reload.trigger,
      ],
    );
    expect(afterFailure).toEqual(Array(SPREAD).fill([active[0], false, 'api']));

    // the same policy with one Rego comment more: another revision
    const files = await readTarGz(original);
    const rego = [...files.keys()].find((name) => name.endsWith('.rego')) ?? '';
    const edited = new Map(files);
    edited.set(rego, Buffer.concat([files.get(rego) ?? Buffer.alloc(0), Buffer.from('\n# r2\n')]));
    publish(cluster.bundle, await writeTarGz(edited));
    const reloaded = await call(cluster.port, 'POST', '/v1/admin/policy/reload', {
      headers: ADMIN,
    });
    expect(reloaded.status).toBe(200);
    const next = reloaded.json() as { revision: string; changed: boolean };
    expect(next.changed).toBe(true);
    expect(next.revision).not.toBe(active[0]);
    const afterReload = await everywhere(
      cluster.port,
      '/v1/policy',
      (b: { revision: string }) => b.revision,
    );
    expect(afterReload).toEqual(Array(SPREAD).fill(next.revision));

    // SIGHUP to the primary reloads every worker
    publish(cluster.bundle, original);
    const from = cluster.stderr().length;
    cluster.child.kill('SIGHUP');
    for (let i = 0; i < 2; i++)
      await cluster.waitForLog(
        new RegExp(`"msg":"policy activated","worker":${i + 1},.*"trigger":"sighup"`),
        from,
      );
    const afterHup = await everywhere(
      cluster.port,
      '/v1/policy',
      (b: { revision: string }) => b.revision,
    );
    expect(afterHup).toEqual(Array(SPREAD).fill(active[0]));
  });

  it('decision log lines from both workers never interleave on a shared stdout pipe', async () => {
    const before = metricSum(
      (await call(cluster.port, 'GET', '/metrics')).body,
      'orgwarden_decision_log_written_total',
    );
    const token = await session('alice');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({
      token,
      org: 'acme',
      action: 'org.read',
      resource: { type: 'org', id: 'x'.repeat(300) },
    });
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: cluster.port,
            method: 'POST',
            path: '/v1/authorize',
            agent,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const n = 1500;
    let sent = 0;
    // Nobody reads the pipe for a while: it fills, both workers block in write(2), and when it is
    // read again the kernel resumes them as space frees, which splits a write longer than PIPE_BUF.
    cluster.child.stdout?.pause();
    const resume = setTimeout(() => cluster.child.stdout?.resume(), 1500);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < n) {
          sent += 1;
          await one();
        }
      }),
    );
    agent.destroy();
    clearTimeout(resume);
    cluster.child.stdout?.resume();
    let written = 0;
    for (let i = 0; i < 40 && written < n; i++) {
      written =
        metricSum(
          (await call(cluster.port, 'GET', '/metrics')).body,
          'orgwarden_decision_log_written_total',
        ) - before;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(written).toBeGreaterThanOrEqual(n);
    const lines = cluster
      .stdout()
      .split('\n')
      .filter((l) => l !== '');
    const broken = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(n);
  });

  it('a worker that dies is replaced, in the current kill switch state, and counted', async () => {
    const state = (await call(cluster.port, 'GET', '/v1/admin/tenancy', { headers: ADMIN })).json()
      .multi_tenant as boolean;
    const from = cluster.stderr().length;
    const victim = cluster.pids[0] ?? 0;
    process.kill(victim, 'SIGKILL');
    await cluster.waitForLog(
      new RegExp(`"msg":"worker died; starting another".*"pid":${victim}`),
      from,
    );
    await cluster.waitForLog(/"msg":"listening","worker":/, from);
    const seen = await everywhere(
      cluster.port,
      '/v1/admin/tenancy',
      (b: { multi_tenant: boolean }) => b.multi_tenant,
    );
    expect(seen).toEqual(Array(SPREAD).fill(state));
    const metrics = (await call(cluster.port, 'GET', '/metrics')).body;
    expect(metricSum(metrics, 'orgwarden_worker_restarts_total')).toBe(1);
    expect(metricSum(metrics, 'orgwarden_workers', 'state="listening"')).toBe(2);
  });

  it('SIGTERM to the primary drains every worker and exits 0', async () => {
    cluster.child.kill('SIGTERM');
    expect(await cluster.exited).toBe(0);
    const stopped = cluster
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"msg":"stopped","worker":'))
      .map((l) => JSON.parse(l) as { drained: boolean });
    expect(stopped).toHaveLength(2);
    expect(stopped.every((s) => s.drained)).toBe(true);
    // both workers took connections
    const accepted = acceptedPerWorker(cluster.stderr());
    expect([...accepted.values()].every((n) => n > 0)).toBe(true);
    expect(accepted.size).toBe(2);
  });
});

describe('server.workers: a worker that cannot start', () => {
  it('stops the sidecar with exit code 1 and the worker error, without a restart loop', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const config = clusterConfig(2);
      const started = startCluster(config, { port });
      await expect(started).rejects.toThrow(/exited with 1/);
      const message = String(await started.catch((err: unknown) => err));
      expect(message).toMatch(/"msg":"worker failed to start.*"code":1/);
      expect(message).toContain('cannot listen');
      expect(message).not.toContain('worker died; starting another');
    } finally {
      taken.close();
    }
  });
});
