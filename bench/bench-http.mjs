// Shared by the HTTP benchmark scripts (authorize.mjs, batch.mjs): checking the tools, pinning
// processes to cores, starting servers, driving wrk and reading its figures; and by every script
// that signs bench tokens (the key, signBenchToken).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';

export const BENCH_SECRET = 'orgwarden-bench-secret-0123456789abcdef';

/** Exits with a clear message when `wrk` is missing (the figures are wrk's). */
/** The integer value of option `--name` of a parsed command line; exits 2 naming it unless ≥ 1. */
export function positiveOption(values, name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench: --${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
}

export function requireWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    if (err.code === 'ENOENT') {
      console.error('bench: wrk is not installed (apt-get install wrk)');
      process.exit(2);
    }
    // wrk --version exits 1 after printing its version: it is there.
  }
}

export function requireBuild(root) {
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    console.error('bench: run "npm run build" first');
    process.exit(2);
  }
}

/**
 * The core pinning of a run: the server under test on core 0, the load generator on core 1, so
 * they do not take turns on one core. Null (and a message) when taskset is missing, when the
 * machine has one core, or when the server runs several workers (they need every core).
 */
export function corePinning(cores, workers) {
  if (workers > 1) {
    console.log(
      `bench: ${workers} workers: nothing is pinned (the workers share every core with wrk)`,
    );
    return null;
  }
  if (cores < 2) {
    console.log('bench: one core: nothing is pinned (server and wrk share it)');
    return null;
  }
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  } catch {
    console.log(
      'bench: taskset is missing (util-linux): server and wrk are not pinned, figures are noisier',
    );
    return null;
  }
  console.log('bench: servers pinned to core 0 (taskset -c 0), wrk to core 1 (taskset -c 1)');
  return { server: ['taskset', '-c', '0'], load: ['taskset', '-c', '1'] };
}

/** Node's arguments for `--cpu-prof DIR` (the folder made first); none without a folder. */
export function cpuProfileArgs(dir) {
  if (!dir) return [];
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir)];
}

/** `[command, ...args]` behind the pinning prefix, when there is one. */
export function pinned(prefix, command, args) {
  return prefix ? [prefix[0], [...prefix.slice(1), command, ...args]] : [command, args];
}

/**
 * Starts a server and resolves once it prints its port (`"port":N` in orgwarden's log, `listening
 * N` from the bare server) or once `readyOn()` resolves to it. Its output keeps being read, so a
 * server that logs every decision to stdout never blocks on a full pipe.
 */
export function startServer(command, args, { env = {}, readyOn } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let ready = false;
    const onData = (d) => {
      if (ready) return;
      out += String(d);
      const m = /"port":(\d+)|listening (\d+)/.exec(out);
      if (m) {
        ready = true;
        out = '';
        resolve({ child, port: Number(m[1] ?? m[2]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`server exited with ${String(code)}: ${out}`));
    });
    if (readyOn) {
      readyOn().then(
        (port) => {
          ready = true;
          out = '';
          resolve({ child, port });
        },
        (err) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    }
  });
}

/** Stops a server and waits for it to exit (a CPU profile is written on exit). */
export function stopServer(server, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.child.kill(signal);
  });
}

/**
 * A wrk Lua script POSTing `body`. With `delayMs`, each connection waits a random whole number
 * of milliseconds before each request whose mean is `delayMs` (wrk's `delay()` is in whole
 * milliseconds): a closed loop held below the server's maximum rate.
 */
export function wrkScript(file, body, { delayMs, headers = {} } = {}) {
  const lines = [
    'wrk.method = "POST"',
    'wrk.headers["Content-Type"] = "application/json"',
    ...Object.entries(headers).map(
      ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`,
    ),
    `wrk.body = ${luaString(body)}`,
  ];
  if (delayMs !== undefined) {
    const low = Math.floor(delayMs);
    const frac = delayMs - low;
    lines.push(
      `function delay()\n  if math.random() < ${frac.toFixed(4)} then return ${low + 1} end\n  return ${low}\nend`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A Lua long string holding `text` exactly (JSON escapes are not Lua's for every character). */
function luaString(text) {
  let level = 0;
  while (text.includes(`]${'='.repeat(level)}]`)) level++;
  const eq = '='.repeat(level);
  return `[${eq}[${text}]${eq}]`;
}

const execFileAsync = promisify(execFile);

/**
 * Runs wrk (1 thread) and returns requests/s, latency percentiles and the count of non-2xx
 * answers. Asynchronous on purpose: while wrk runs, this process keeps reading the servers'
 * output, so orgwarden's decision log (stdout, a pipe) is drained as it would be in production
 * rather than filling the pipe.
 */
export async function runWrk({ url, script, seconds, connections, load, label, pid }) {
  console.log(`bench: wrk ${label} (${seconds}s, ${connections} connections, 1 thread)...`);
  const cpuBefore = treeCpuMs(pid);
  const [command, args] = pinned(load, 'wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ]);
  const { stdout: out } = await execFileAsync(command, args, {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const cpu = treeCpuMs(pid) - cpuBefore;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors:.*/.exec(out)?.[0] ?? null;
  return {
    rps,
    requests,
    p50: /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?',
    p99: /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?',
    p99ms: toMs(/\s99%\s+(\S+)/.exec(out)?.[1]),
    non2xx,
    errors,
    // The server's CPU time per request, its workers included (Linux /proc): steadier than
    // requests/s on a shared machine.
    cpuUsPerRequest: requests > 0 ? (cpu * 1000) / requests : NaN,
  };
}

/** User + system CPU milliseconds of a process so far (NaN where /proc is not there). */
function cpuMs(pid) {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/**
 * User + system CPU milliseconds of a process and of every process it started (a cluster's
 * primary and its workers), from Linux /proc; NaN where /proc is not there. Only the processes
 * alive now are counted: read it before and after a measurement while they all run.
 */
function treeCpuMs(pid) {
  let total = cpuMs(pid);
  for (const child of childrenOf(pid)) total += treeCpuMs(child);
  return total;
}

/** The processes `pid` started (/proc/<pid>/task/<tid>/children of each of its threads). */
function childrenOf(pid) {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter((p) => p !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** USER_HZ: the unit of /proc/<pid>/stat's times (100 on Linux builds). */
const CLOCK_TICKS = 100;

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

export function signBenchToken(sub, claims = {}) {
  return new SignJWT({ sub, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('bench')
    .setAudience('orgwarden')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_SECRET));
}

/** The auth section of the configs the benchmarks write (HS256 with BENCH_SECRET). */
export const BENCH_AUTH =
  'auth: {issuer: bench, audience: orgwarden, algorithms: [HS256], hs256_secret_env: BENCH_SECRET}';

/** `server: {workers: N}` only when N > 1, so a config stays valid where the key is unknown. */
export function serverSection(workers) {
  return workers > 1
    ? `server: {host: 127.0.0.1, port: 0, workers: ${workers}, shutdown_delay_s: 0}`
    : 'server: {host: 127.0.0.1, port: 0, shutdown_delay_s: 0}';
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (Number(sorted[mid - 1]) + Number(sorted[mid])) / 2;
}
