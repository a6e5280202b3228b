/**
 * What `orgwarden rollout` asks Prometheus (its HTTP API): the alerts firing now
 * (`GET /api/v1/alerts`) and one per-second rate (`GET /api/v1/query`, an instant query whose
 * answer is one sample, or none when no series matched: a rate of 0).
 */
export interface PrometheusClient {
  firingAlerts(): Promise<string[]>;
  rate(query: string): Promise<number>;
}

class PrometheusError extends Error {}

export function createPrometheusClient(
  base: string,
  fetchFn: typeof fetch = fetch,
): PrometheusClient {
  const root = base.replace(/\/+$/, '');
  async function get(path: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetchFn(`${root}${path}`, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new PrometheusError(
        `Prometheus at ${root} did not answer: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const body = (await res.json().catch(() => null)) as {
      status?: string;
      data?: unknown;
      error?: string;
    } | null;
    if (!res.ok || body?.status !== 'success')
      throw new PrometheusError(
        `Prometheus answered ${res.status} to ${path.split('?')[0] ?? path}: ${body?.error ?? 'not a success'}`,
      );
    return body.data;
  }
  return {
    async firingAlerts() {
      const data = (await get('/api/v1/alerts')) as {
        alerts?: { state?: string; labels?: { alertname?: string } }[];
      } | null;
      return [
        ...new Set(
          (data?.alerts ?? [])
            .filter((a) => a.state === 'firing')
            .map((a) => a.labels?.alertname)
            .filter((n): n is string => typeof n === 'string'),
        ),
      ].sort();
    },
    async rate(query) {
      const data = (await get(`/api/v1/query?query=${encodeURIComponent(query)}`)) as {
        resultType?: string;
        result?: { value?: [number, string] }[];
      } | null;
      if (data?.resultType !== 'vector')
        throw new PrometheusError(
          `Prometheus answered a ${String(data?.resultType)}, not a vector`,
        );
      const sample = data.result?.[0]?.value?.[1];
      if (sample === undefined) return 0;
      const value = Number(sample);
      if (Number.isNaN(value)) throw new PrometheusError(`Prometheus answered "${sample}"`);
      return value;
    },
  };
}
