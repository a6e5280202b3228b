/**
 * Decision requests a fault sends itself, next to the steady load (e.g. asking one replica back to
 * back until a revoked member is denied there). Each is kept as a sample with the expectation it
 * had when it was sent, so the fault's row is computed from them together with the load's.
 */
import http from 'node:http';
import { post, type Expectation, type Sample } from './load.js';

export interface DirectProbes {
  readonly samples: Sample[];
  /** One decision request to `target`, kept as a sample. */
  send(
    target: string,
    group: string,
    body: Record<string, unknown>,
    expect: (sentAt: number) => Expectation,
  ): Promise<Sample>;
  close(): void;
}

export function directProbes(): DirectProbes {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const samples: Sample[] = [];
  return {
    samples,
    async send(target, group, body, expect) {
      const sentAt = performance.now();
      const expected = expect(sentAt);
      const answer = await post(agent, `${target}/v1/authorize`, body);
      const sample: Sample = {
        group,
        target,
        sentAt,
        latencyMs: performance.now() - sentAt,
        expected,
        ...answer,
      };
      samples.push(sample);
      return sample;
    },
    close: () => agent.destroy(),
  };
}
