/**
 * A TCP proxy in front of Redis that can delay every chunk it forwards (in both directions), so
 * every command takes longer than `redis.command_timeout_ms` while the connection stays open —
 * the "Redis is slow" fault, without touching Redis itself.
 */
import { createServer, connect, type Socket } from 'node:net';
import { freePort } from '../../directory/helpers.js';

export interface LatencyProxy {
  port: number;
  url: string;
  /** Delay added to every forwarded chunk from now on (0: none). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: {
  host: string;
  port: number;
}): Promise<LatencyProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) => {
    // Chunks keep their order even when the delay shrinks: none is released before the one ahead.
    let releaseAt = 0;
    from.on('data', (chunk: Buffer) => {
      releaseAt = Math.max(Date.now() + delayMs, releaseAt);
      const wait = releaseAt - Date.now();
      if (wait <= 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), wait);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    forward(client, upstream);
    forward(upstream, client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    setDelay: (ms) => void (delayMs = ms),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
