/**
 * Keep-alive clients in tight loops, for the shutdown tests: each client has its own keep-alive
 * agent (one connection at a time) and sends its next request as soon as the last is answered.
 * Every request ends in exactly one bucket of the report:
 *   answered        a complete HTTP answer with a status below 500
 *   refused         the connection was refused (the listener is closed): never sent
 *   resetFresh      a new connection reset before any byte of an answer: the listener closed
 *                   while the connection waited in the kernel's accept queue, or a connection
 *                   the server took was dropped with a request in it (the test tells the two apart
 *                   by counting the connections the server accepted)
 *   failures        anything else: a 5xx, a reset on a reused connection, a truncated answer
 */
import http from 'node:http';

export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface LoadReport {
  answered: number;
  /** Answers by status code. */
  statuses: Record<number, number>;
  refused: number;
  resetFresh: number;
  /** Connections the clients opened (refused and reset ones included). */
  newConnections: number;
  failures: string[];
}

export interface Load {
  report(): LoadReport;
  /** Stops every client after its current request and resolves with the report. */
  stop(): Promise<LoadReport>;
  /** Resolves once every client has stopped by itself (see `stopWhenRefused`). */
  settled: Promise<LoadReport>;
}

export function startLoad(options: {
  port: number;
  clients: number;
  request: (client: number) => LoadRequest;
  /** A client stops once the listener is gone: refused, or reset on a new connection. */
  stopWhenRefused: boolean;
}): Load {
  const report: LoadReport = {
    answered: 0,
    statuses: {},
    refused: 0,
    resetFresh: 0,
    newConnections: 0,
    failures: [],
  };
  let stopped = false;
  const agents: http.Agent[] = [];

  type Outcome = 'answered' | 'refused' | 'resetFresh' | 'failed';
  const send = (agent: http.Agent, spec: LoadRequest): Promise<Outcome> =>
    new Promise((resolve) => {
      let answering = false;
      const req = http.request(
        {
          host: '127.0.0.1',
          port: options.port,
          method: spec.method,
          path: spec.path,
          headers: spec.headers ?? {},
          agent,
        },
        (res) => {
          answering = true;
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            report.statuses[status] = (report.statuses[status] ?? 0) + 1;
            if (res.complete && status < 500) {
              report.answered++;
              resolve('answered');
            } else {
              report.failures.push(`${spec.method} ${spec.path}: status ${status}`);
              resolve('failed');
            }
          });
          res.on('aborted', () => {
            report.failures.push(`${spec.method} ${spec.path}: answer cut short`);
            resolve('failed');
          });
        },
      );
      req.on('socket', (socket) => {
        if (socket.connecting) report.newConnections++;
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') {
          report.refused++;
          resolve('refused');
        } else if (
          !answering &&
          !req.reusedSocket &&
          (err.code === 'ECONNRESET' || err.code === 'EPIPE')
        ) {
          report.resetFresh++;
          resolve('resetFresh');
        } else {
          report.failures.push(
            `${spec.method} ${spec.path}: ${err.code ?? err.message}${req.reusedSocket ? ' (reused connection)' : ''}`,
          );
          resolve('failed');
        }
      });
      req.end(spec.body);
    });

  const client = async (index: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    while (!stopped) {
      const outcome = await send(agent, options.request(index));
      if (options.stopWhenRefused && (outcome === 'refused' || outcome === 'resetFresh')) break;
    }
    agent.destroy();
  };
  const settled = Promise.all(Array.from({ length: options.clients }, (_, i) => client(i))).then(
    () => report,
  );
  return {
    report: () => report,
    stop: () => {
      stopped = true;
      return settled;
    },
    settled,
  };
}
