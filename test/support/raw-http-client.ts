/**
 * A minimal HTTP/1.1 client over one kept-alive socket, for tests that must send exactly the bytes
 * they generated (header values with obs-text or control bytes, bodies with invalid UTF-8) and
 * send many of them fast. It reconnects when the server closes the connection (a 413, or Node's
 * own 400 for a request it cannot parse). One request at a time.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; the last value of a repeated header. */
  headers: Map<string, string>;
  body: Buffer;
}

export interface RawRequest {
  method: string;
  path: string;
  /** Values are sent byte for byte (latin1), as a gateway could. */
  headers: [string, string][];
  body?: Buffer;
}

export interface RawClient {
  send(request: RawRequest, timeoutMs?: number): Promise<RawResponse>;
  close(): void;
}

export function rawClient(port: number): RawClient {
  let conn: Connection | null = null;

  async function attempt(request: RawRequest, timeoutMs: number): Promise<RawResponse> {
    const reused = conn !== null && !conn.closed;
    if (!conn || conn.closed) {
      conn?.socket.destroy();
      conn = connect(port);
    }
    const current = conn;
    const body = request.body ?? Buffer.alloc(0);
    const head = [
      `${request.method} ${request.path} HTTP/1.1`,
      'host: 127.0.0.1',
      ...request.headers.map(([n, v]) => `${n}: ${v}`),
    ];
    if (request.body !== undefined) head.push(`content-length: ${body.length}`);
    current.socket.write(
      Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`no response within ${timeoutMs} ms to ${request.method} ${request.path}`),
          ),
        timeoutMs,
      );
    });
    try {
      const response = await Promise.race([readResponse(current), timeout]);
      if (response.headers.get('connection') === 'close') current.socket.destroy();
      return response;
    } catch (err) {
      const stale = reused && current.closed && current.buffered.length === 0;
      current.socket.destroy();
      current.closed = true;
      throw stale ? new StaleConnection() : err;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async send(request, timeoutMs = 10_000) {
      try {
        return await attempt(request, timeoutMs);
      } catch (err) {
        // A kept-alive connection the server closed just before this request: retry once, fresh.
        if (err instanceof StaleConnection) return attempt(request, timeoutMs);
        throw err;
      }
    },
    close() {
      conn?.socket.destroy();
      conn = null;
    },
  };
}

/** One TCP connection and what it has received; events of a dropped socket touch only its own. */
interface Connection {
  socket: net.Socket;
  buffered: Buffer;
  closed: boolean;
  waiter: (() => void) | null;
}

class StaleConnection extends Error {}

function connect(port: number): Connection {
  const conn: Connection = {
    socket: net.connect({ port, host: '127.0.0.1', noDelay: true }),
    buffered: Buffer.alloc(0),
    closed: false,
    waiter: null,
  };
  const wake = () => {
    const w = conn.waiter;
    conn.waiter = null;
    w?.();
  };
  conn.socket.on('data', (chunk: Buffer) => {
    conn.buffered = Buffer.concat([conn.buffered, chunk]);
    wake();
  });
  const end = () => {
    conn.closed = true;
    wake();
  };
  conn.socket.on('end', end);
  conn.socket.on('close', end);
  conn.socket.on('error', end);
  return conn;
}

const more = (conn: Connection) => new Promise<void>((resolve) => (conn.waiter = resolve));

/** Waits until `ready()` holds; throws `what` if the connection closes first. */
async function until(conn: Connection, ready: () => boolean, what: string): Promise<void> {
  while (!ready()) {
    if (conn.closed)
      throw new Error(`connection closed ${what} (${conn.buffered.length} bytes received)`);
    await more(conn);
  }
}

async function readResponse(conn: Connection): Promise<RawResponse> {
  await until(conn, () => conn.buffered.indexOf('\r\n\r\n') !== -1, 'before a response');
  const headEnd = conn.buffered.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = conn.buffered
    .subarray(0, headEnd)
    .toString('latin1')
    .split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  conn.buffered = conn.buffered.subarray(headEnd + 4);
  const length = headers.get('content-length');
  if (length !== undefined) return { status, headers, body: await take(conn, Number(length)) };
  if (headers.get('transfer-encoding') === 'chunked')
    return { status, headers, body: await readChunked(conn) };
  while (!conn.closed) await more(conn); // no length: the body ends with the connection
  return { status, headers, body: conn.buffered };
}

async function take(conn: Connection, n: number): Promise<Buffer> {
  await until(conn, () => conn.buffered.length >= n, 'inside a response body');
  const out = conn.buffered.subarray(0, n);
  conn.buffered = conn.buffered.subarray(n);
  return out;
}

async function readChunked(conn: Connection): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    await until(conn, () => conn.buffered.indexOf('\r\n') !== -1, 'inside a chunked body');
    const lineEnd = conn.buffered.indexOf('\r\n');
    const size = parseInt(conn.buffered.subarray(0, lineEnd).toString('latin1'), 16);
    conn.buffered = conn.buffered.subarray(lineEnd + 2);
    parts.push(await take(conn, size));
    await take(conn, 2);
    if (size === 0) return Buffer.concat(parts);
  }
}
