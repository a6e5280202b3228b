/**
 * Records every exchange a real orgwarden's `node:http` server has, as the server saw it, without
 * changing what it does: a `request` listener put in front of the server's own reads the request
 * body as the parser pushes it (never consuming the stream: handlers read it as before) and the
 * answer as it is written. Told once per answer sent in full; a request cut before its answer is
 * not told (there is no answer to check).
 */
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { Exchange } from './openapi-validator.js';

/** Bodies beyond this are not kept (the answer is a 413 whatever they held). */
const MAX_RECORDED_BYTES = 8 * 1024 * 1024;

export function recordExchanges(server: Server, onExchange: (exchange: Exchange) => void): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const request = captureRequestBody(req);
    const response = captureResponse(res);
    res.once('finish', () =>
      onExchange({
        method: req.method ?? '',
        // The canonical target the server routed (it rewrites an equivalent spelling; express
        // keeps it as originalUrl), so the document is read the way the routes were.
        target: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '',
        requestContentType: req.headers['content-type'],
        requestBody: request.body(),
        status: res.statusCode,
        responseContentType: response.contentType(),
        responseBody: response.body(),
      }),
    );
  });
}

/** The body as the parser pushed it; null until it ended (or past the cap). */
function captureRequestBody(req: IncomingMessage): { body(): Buffer | null } {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk === null) ended = true;
    else if (size <= MAX_RECORDED_BYTES) {
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, encoding)
          : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      chunks.push(buffer);
    }
    return push(chunk, encoding);
  };
  return { body: () => (ended && size <= MAX_RECORDED_BYTES ? Buffer.concat(chunks) : null) };
}

function captureResponse(res: ServerResponse) {
  const chunks: Buffer[] = [];
  let headHeaders: OutgoingHttpHeaders = {};
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array),
    );
  };
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (...args: unknown[]) => {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null);
    if (headers) headHeaders = headersOf(headers);
    return writeHead(...args);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as typeof res.write;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as typeof res.end;
  return {
    body: () => Buffer.concat(chunks),
    contentType: (): string | undefined => {
      const value = headHeaders['content-type'] ?? res.getHeader('content-type');
      return value === undefined ? undefined : String(value);
    },
  };
}

/** writeHead's headers: an object, or a flat [name, value, …] array; names lower-cased. */
function headersOf(headers: object): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      out[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
    return out;
  }
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = value as OutgoingHttpHeaders[string];
  return out;
}
