// Shared by the in-process benchmarks (in-process.mjs, garbage.mjs): an app built from a build's
// library entry (`createApp`, `parseConfig` of some dist/index.js) as a Node service embeds it, on
// the bench's HS256 key, with no HTTP listener; its logs are dropped and its decision log lines go
// to a stream that discards them.
import { Writable } from 'node:stream';
import { BENCH_SECRET } from './bench-http.mjs';

const ignore = () => undefined;
const silent = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * `library`: the imported dist/index.js. `policy` adds to `{bundle, watch: false}`; `decisionLog`
 * is the decision log's sink, `stdout` (the discarding stream) or `none`.
 */
export function libraryApp(library, { bundle, directory, policy = {}, decisionLog = 'stdout' }) {
  const config = library.parseConfig({
    tenancy: { multi_tenant: true },
    auth: {
      issuer: 'bench',
      audience: 'orgwarden',
      algorithms: ['HS256'],
      hs256_secret_env: 'BENCH_SECRET',
    },
    directory: { file: directory },
    policy: { bundle, watch: false, ...policy },
    decision_log: { sink: decisionLog },
  });
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  return library.createApp(config, { env: { BENCH_SECRET }, stdout: discard, logger: silent });
}
