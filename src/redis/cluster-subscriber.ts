/**
 * The invalidation subscriber for a Redis Cluster: one plain connection to one cluster node, moving
 * to the next seed node whenever it has to reconnect.
 *
 * Why not ioredis's `Cluster` client: it subscribes over a hidden connection to a random node and,
 * when that node goes away, quietly subscribes again elsewhere. The `Cluster` itself stays `ready`
 * and emits no `close`, so the store would never learn that invalidations were missed meanwhile
 * and would keep serving cached records that may have changed. A plain connection emits `close`
 * and `ready` like the single-node subscriber, so the store's rule holds on a cluster too: the
 * cache is cleared and bypassed while the subscription is down, and cleared again when it is back.
 *
 * Classic PUBLISH is broadcast over the cluster bus to every node, so a subscription on any node
 * (master or replica) hears every write, wherever it was published.
 */
import { createConnection, type Socket } from 'node:net';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';

interface NodeAddress {
  host: string;
  port: number;
}

function parseNodeAddress(node: string): NodeAddress {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/**
 * A plain Redis connection for SUBSCRIBE that tries the seed nodes in turn: its first connection
 * goes to the first seed, and every reconnection to the seed after the one used last.
 */
export function createClusterSubscriber(seeds: readonly string[], options: RedisOptions): Redis {
  if (seeds.length === 0) throw new TypeError('a cluster subscriber needs at least one seed node');
  const nodes = seeds.map(parseNodeAddress);
  return new Redis({ ...options, ...nodes[0], Connector: rotatingConnector(nodes) });
}

type ConnectorClass = NonNullable<RedisOptions['Connector']>;

function rotatingConnector(nodes: readonly NodeAddress[]): ConnectorClass {
  let attempt = 0;
  return class RotatingConnector extends AbstractConnector {
    constructor(options: unknown) {
      super((options as { disconnectTimeout?: number }).disconnectTimeout ?? 2000);
    }

    // Mirrors ioredis's StandaloneConnector (plain TCP), with the node chosen per connection.
    connect(): Promise<Socket> {
      const node = nodes[attempt++ % nodes.length];
      // unreachable: createClusterSubscriber refuses an empty seed list
      if (node === undefined)
        return Promise.reject(new TypeError('a cluster subscriber needs at least one seed node'));
      this.connecting = true;
      return new Promise((resolve, reject) => {
        process.nextTick(() => {
          if (!this.connecting) {
            reject(new Error('Connection is closed.'));
            return;
          }
          const stream = createConnection({ host: node.host, port: node.port });
          stream.once('error', (err) => {
            this.firstError = err;
          });
          this.stream = stream;
          resolve(stream);
        });
      });
    }
  };
}
