/** A real `node:http` server playing the main API for pull-mode tests: answers are set per path. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface FakeAnswer {
  status?: number;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface FakeMainApi {
  url: string;
  /** Paths requested below the base URL, in order (e.g. `/orgs/acme`). */
  requests: string[];
  /** Headers of the last request. */
  lastHeaders: Record<string, string | string[] | undefined>;
  set(path: string, answer: FakeAnswer): void;
  /** The answer for paths nothing was set for (default: 404). */
  fallback: FakeAnswer;
  close(): Promise<void>;
}

const BASE = '/internal';

export async function startFakeMainApi(): Promise<FakeMainApi> {
  const answers = new Map<string, FakeAnswer>();
  const api: Omit<FakeMainApi, 'url' | 'close'> & { fallback: FakeAnswer } = {
    requests: [],
    lastHeaders: {},
    set: (path, answer) => void answers.set(path, answer),
    fallback: { status: 404, body: { error: 'not found' } },
  };
  const server: Server = createServer((req, res) => {
    // Everything lives under /internal, so the tests also check that the base path is kept.
    const raw = req.url ?? '/';
    const path = raw.startsWith(BASE) ? raw.slice(BASE.length) : `outside the base path: ${raw}`;
    api.requests.push(path);
    api.lastHeaders = req.headers;
    const answer = answers.get(path) ?? api.fallback;
    const send = () => {
      if (res.destroyed) return;
      const payload =
        typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/json',
        ...answer.headers,
      });
      res.end(payload);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}${BASE}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
