/**
 * Real gateways for the forward-auth tests: NGINX and Caddy started on free loopback ports with a
 * config in a temp dir that includes the very snippet `docs/gateways.md` shows
 * (`deploy/gateways/`), in front of a recording upstream. A missing binary fails the test with a
 * message saying how to install it; it is never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ForwardAuthBody } from '../support/response-body.js';

const NGINX_SNIPPET = path.resolve('deploy', 'gateways', 'nginx-orgwarden.conf');
const CADDY_SNIPPET = path.resolve('deploy', 'gateways', 'orgwarden.caddy');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Finds a gateway binary on PATH or in the sbin folders (Debian puts nginx in /usr/sbin). */
function findBinary(name: string): string {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/bin',
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${name} is not installed (looked in PATH and the sbin folders); install it (.ci/run: apt-get install -y nginx caddy)`,
  );
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  /** The peer that connected to the upstream (the gateway). */
  remoteAddress: string;
  /** Set when the request asked for a protocol upgrade (the upstream accepted it). */
  upgrade?: string;
}

/**
 * The product API stand-in: answers 200 and records every request that reaches it. It is as
 * lenient as an upstream can be: it accepts every protocol upgrade (101), h2c included, so a
 * gateway that tunnels one is caught by what the upstream recorded.
 */
export interface Upstream {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  const record = (req: http.IncomingMessage, body: string, upgrade?: string) =>
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      remoteAddress: req.socket.remoteAddress ?? '',
      ...(upgrade === undefined ? {} : { upgrade }),
    });
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      record(req, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"upstream":true}');
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const protocol = req.headers.upgrade ?? '';
    record(req, '', protocol);
    socket.end(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An orgwarden that has stalled: it accepts connections and never answers. */
export interface StalledListener {
  port: number;
  /** How many connections it accepted (the gateway did ask). */
  accepted(): number;
  close(): Promise<void>;
}

export async function startStalledListener(): Promise<StalledListener> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Gateway {
  name: string;
  port: number;
  /** What the gateway printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface GatewayTargets {
  orgwardenPort: number;
  appPort: number;
}

export interface NginxOptions {
  /**
   * Directives for the server {} block around the snippet, as an operator might have them
   * (`underscores_in_headers on;`): the snippet must stay safe under them.
   */
  serverDirectives?: string[];
  /** Listen on [::1] too, on the same port (clients with an IPv6 address). */
  ipv6?: boolean;
  /** The body of `upstream orgwarden {}` (replicas, `keepalive`); default: the one target port. */
  orgwardenUpstream?: string[];
}

export async function startNginx(
  targets: GatewayTargets,
  options: NginxOptions = {},
): Promise<Gateway> {
  const port = await freePort();
  return startNginxHttp(
    port,
    `
    upstream orgwarden { ${(options.orgwardenUpstream ?? [`server 127.0.0.1:${targets.orgwardenPort};`]).join(' ')} }
    upstream app { server 127.0.0.1:${targets.appPort}; }
    server {
        listen 127.0.0.1:${port};
${options.ipv6 ? `        listen [::1]:${port};\n` : ''}${(options.serverDirectives ?? []).map((d) => `        ${d}\n`).join('')}        include ${NGINX_SNIPPET};
    }
`,
  );
}

/**
 * NGINX with `httpBody` (its upstreams and servers) inside the http {} block, started once it
 * accepts connections on 127.0.0.1:`port`, where one of those servers must listen.
 */
export async function startNginxHttp(port: number, httpBody: string): Promise<Gateway> {
  const bin = findBinary('nginx');
  const dir = tempDir('orgwarden-nginx-');
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
${httpBody}
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(
    bin,
    ['-p', dir, '-c', 'nginx.conf', '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return running('nginx', child, port, dir);
}

export async function startCaddy(
  targets: GatewayTargets,
  options: { ipv6?: boolean } = {},
): Promise<Gateway> {
  const bin = findBinary('caddy');
  const dir = tempDir('orgwarden-caddy-');
  const port = await freePort();
  const caddyfile = `{
	admin off
	auto_https off
}

http://127.0.0.1:${port} {
	bind 127.0.0.1${options.ipv6 ? ' ::1' : ''}
	import ${CADDY_SNIPPET}
}
`;
  writeFileSync(path.join(dir, 'Caddyfile'), caddyfile);
  const child = spawn(
    bin,
    ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ORGWARDEN_ADDR: `127.0.0.1:${targets.orgwardenPort}`,
        APP_ADDR: `127.0.0.1:${targets.appPort}`,
        HOME: dir,
        XDG_CONFIG_HOME: path.join(dir, 'config'),
        XDG_DATA_HOME: path.join(dir, 'data'),
      },
    },
  );
  return running('caddy', child, port, dir);
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // nginx workers drop root privileges; they must still reach their temp folders.
  chmodSync(dir, 0o755);
  return dir;
}

async function running(
  name: string,
  child: ChildProcess,
  port: number,
  dir: string,
): Promise<Gateway> {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // Read through a function: the flag is set in a callback, which narrowing does not follow.
  const hasExited = () => exited;
  const stop = async () => {
    if (!hasExited()) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (hasExited() || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, port, output: () => output, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, undefined when it is not JSON (a gateway's own HTML page). */
  json: ForwardAuthBody | undefined;
}

/**
 * An HTTP request whose path goes on the wire exactly as given (fetch would resolve `..`, merge
 * nothing and re-encode; a client attacking a gateway does none of that).
 */
export function rawRequest(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string | string[]>;
    body?: string;
    timeoutMs?: number;
    host?: string;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          let json: ForwardAuthBody | undefined;
          try {
            json = JSON.parse(body) as ForwardAuthBody;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    const { timeoutMs } = options;
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () =>
        req.destroy(new Error(`no answer from 127.0.0.1:${port} within ${timeoutMs} ms`)),
      );
    }
    req.end(options.body);
  });
}

/** What came back on a raw connection: the status line's code and the head, as sent. */
export interface RawExchange {
  status: number;
  head: string;
}

/**
 * One request written on a raw connection exactly as given (header lines repeated, upgrade
 * requests, whatever a client can send); reads the response head and closes. Node's client would
 * take over an upgraded socket, merge repeated headers or refuse some of them.
 */
export function rawExchange(port: number, lines: string[]): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`${lines.join('\r\n')}\r\n\r\n`));
    socket.on('data', (d: string) => {
      head += d;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.destroy();
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        head: head.slice(0, end),
      });
    });
    socket.on('error', reject);
    socket.on('close', () =>
      reject(new Error(`connection closed before a response head: ${JSON.stringify(head)}`)),
    );
  });
}
