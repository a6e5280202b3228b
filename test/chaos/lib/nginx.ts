/**
 * A real NGINX in front of the replicas, as an operator would run one for the decision API: one
 * upstream with every replica and a pool of keep-alive connections to them, proxying
 * `POST /v1/authorize`. Its config and logs go to the world's folder. Configured as
 * deploy/gateways/nginx-orgwarden.conf recommends: a decision is a query, so NGINX asks the next
 * replica when one refuses or resets the connection (`proxy_next_upstream … non_idempotent`);
 * a request that still gets no decision is a failed request here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../directory/helpers.js';

export interface NginxGateway {
  url: string;
  /** NGINX's error log (upstream errors are logged there). */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNginxGateway(
  dir: string,
  replicaPorts: readonly number[],
): Promise<NginxGateway> {
  const root = join(dir, 'nginx');
  await mkdir(root, { recursive: true });
  const port = await freePort();
  const errorLog = join(root, 'error.log');
  const conf = `
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${errorLog} warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${root}/client_body;
    proxy_temp_path ${root}/proxy;
    fastcgi_temp_path ${root}/fastcgi;
    uwsgi_temp_path ${root}/uwsgi;
    scgi_temp_path ${root}/scgi;
    upstream orgwarden {
${replicaPorts.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n')}
        keepalive 32;
    }
    server {
        listen 127.0.0.1:${port};
        location = /v1/authorize {
            proxy_pass http://orgwarden;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # As deploy/gateways/nginx-orgwarden.conf: a decision is a query, so asking the next
            # replica again is harmless; a replica closing its listener resets the connections
            # still waiting to be accepted, and only non_idempotent lets nginx retry a POST then.
            proxy_next_upstream error timeout non_idempotent;
            proxy_connect_timeout 1s;
            proxy_read_timeout 5s;
        }
    }
}
`;
  await writeFile(join(root, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(
    'nginx',
    ['-p', root, '-c', 'nginx.conf', '-e', errorLog, '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited: ${await readFile(errorLog, 'utf8').catch(() => '')}`);
    const up = await fetch(`${url}/nginx-up`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (performance.now() > deadline) throw new Error('nginx did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    errors: () => readFile(errorLog, 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
