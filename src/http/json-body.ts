/**
 * Reads a JSON request body with the contract's transport rules: a JSON content type (else 415), a
 * size cap checked against Content-Length up front and against the bytes actually received (else
 * 413), and well-formed JSON (else 400). Never a 500 for bad input.
 *
 * What the document may contain is not judged here: every caller hands the value to the one
 * document parser (`parseDocument` or `parseDocumentAll`, contract/parse-document.ts, through the
 * body parsers in `inbound/`), which refuses malformed Unicode (a lone surrogate, `"\ud800"`, is
 * valid JSON) and prototype keys before the schema, naming the field.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) {
      req.resume();
      reject(new ApiError('unsupported_media_type', 'content type must be application/json'));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      reject(new ApiError('payload_too_large', `request body exceeds ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError('payload_too_large', `request body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!failed) reject(new ApiError('invalid_request', 'request body could not be read'));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      // A body in one chunk (most decision requests) is decoded without copying it first.
      const only = chunks.length === 1 ? chunks[0] : undefined;
      const text = (only ?? Buffer.concat(chunks, size)).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Only a body that is not JSON is looked at again, to say whether it was empty.
        const message =
          text.trim() === '' ? 'request body is empty' : 'request body is not valid JSON';
        reject(new ApiError('invalid_request', message));
        return;
      }
      resolve(parsed);
    });
  });
}
