/**
 * deploy/kubernetes/ (docs/kubernetes.md), checked without a cluster: every manifest validates
 * against the Kubernetes OpenAPI schemas (kubernetes-models, @kubernetes-models/prometheus-operator;
 * note they do not refuse unknown fields), the PrometheusRule is what `npm run alert-rules` builds
 * from deploy/prometheus, and every reference between the manifests holds: selectors and labels,
 * probe and Service ports, ConfigMap and Secret keys, and orgwarden's config in the ConfigMap,
 * parsed by orgwarden's own parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IPodSpec } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  PROMETHEUS_RULE_FILE,
  readSource,
  renderAlertRules,
  renderPrometheusRule,
} from '../../scripts/lib/alert-rules.mjs';
import { parseConfig } from '../../src/config/load.js';
import { runtimeImage } from './image.js';

const DIR = path.resolve('deploy', 'kubernetes');

/** The model (and so the schema) of each kind the manifests may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const resources: (Resource & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((doc) => ({
    ...(doc.toJS() as Resource),
    file,
  })),
);

const ofKind = (kind: string) => resources.filter((r) => r.kind === kind);

function one(kind: string, name: string): Resource {
  const found = resources.filter((r) => r.kind === kind && r.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0]!;
}

const deployment = one('Deployment', 'gateway') as unknown as Resource & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: IPodSpec };
  };
};
const pod = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const container = (name: string) => pod.containers.find((c) => c.name === name)!;
const configMaps = ofKind('ConfigMap') as unknown as (Resource & {
  data: Record<string, string>;
})[];
const secret = one('Secret', 'orgwarden') as unknown as Resource & {
  stringData: Record<string, string>;
};

/** Labels `selector` picks, all present in `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The ConfigMap key mounted at `file` in `c` (a whole-volume mount or a subPath mount). */
function mountedKey(c: IContainer, file: string): { map: string; key: string } | undefined {
  for (const mount of c.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    const map = volume?.configMap?.name;
    if (!map) continue;
    if (mount.subPath !== undefined && mount.mountPath === file) return { map, key: mount.subPath };
    if (mount.subPath === undefined && path.posix.dirname(file) === mount.mountPath) {
      const item = volume.configMap!.items?.find((i) => i.path === path.posix.basename(file));
      if (item) return { map, key: item.key };
    }
  }
  return undefined;
}
const configMapText = ({ map, key }: { map: string; key: string }) =>
  configMaps.find((m) => m.metadata.name === map)!.data[key]!;

describe('deploy/kubernetes', () => {
  it('lists every manifest in kustomization.yaml, and nothing else', () => {
    const kustomization = parse(readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it('validates every manifest against the Kubernetes and Prometheus Operator schemas', () => {
    for (const { file, ...resource } of resources) {
      const Model = MODELS[`${resource.apiVersion}/${resource.kind}`];
      expect(Model, `${file}: ${resource.apiVersion} ${resource.kind}`).toBeDefined();
      expect(() => new Model!(resource as never).validate(), file).not.toThrow();
    }
    // The schemas do refuse a wrong type, so the check is not vacuous.
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0]!.ports = [{ containerPort: 'http' as never }];
    expect(() => new Deployment(broken as never).validate()).toThrow('must be integer');
  });

  it('holds the PrometheusRule to what npm run alert-rules builds from deploy/prometheus', () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')).toBe(
      renderPrometheusRule(renderAlertRules(readSource())),
    );
  });

  it('selects the pod with every selector, and names ports the containers have', () => {
    expect(selects(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    const pdb = one('PodDisruptionBudget', 'gateway') as unknown as Resource & {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    expect(selects(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    const portNames = pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
    const services = ofKind('Service') as unknown as (Resource & {
      spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    })[];
    for (const service of services) {
      expect(selects(service.spec.selector, podLabels), service.metadata.name).toBe(true);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    }
    const monitor = one('ServiceMonitor', 'gateway-orgwarden') as unknown as Resource & {
      spec: {
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
    };
    const scraped = services.filter((s) =>
      selects(monitor.spec.selector.matchLabels, s.metadata.labels),
    );
    expect(scraped.map((s) => s.metadata.name)).toEqual(['gateway-orgwarden-metrics']);
    expect(monitor.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s' },
    ]);
    expect(scraped[0]!.spec.ports.map((p) => p.name)).toEqual(['metrics']);
    expect(scraped[0]!.spec.ports[0]!.targetPort).toBe('orgwarden');
  });

  it("probes orgwarden's /readyz and /healthz on its own port", () => {
    const orgwarden = container('orgwarden');
    const own = (orgwarden.ports ?? []).map((p) => p.name);
    expect(orgwarden.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'orgwarden' });
    expect(orgwarden.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'orgwarden' });
    for (const probe of [orgwarden.readinessProbe, orgwarden.livenessProbe, orgwarden.startupProbe])
      expect(own).toContain(probe?.httpGet?.port);
    for (const c of pod.containers) {
      expect(Object.keys(c.resources?.requests ?? {}).sort(), c.name).toEqual(['cpu', 'memory']);
      expect(c.resources?.limits?.memory, c.name).toBeDefined();
    }
  });

  it('mounts only ConfigMap keys and Secret keys that exist, and ships no secret', () => {
    for (const volume of pod.volumes ?? []) {
      if (!volume.configMap) continue;
      const map = configMaps.find((m) => m.metadata.name === volume.configMap!.name);
      expect(map, volume.configMap.name).toBeDefined();
      for (const item of volume.configMap.items ?? [])
        expect(Object.keys(map!.data)).toContain(item.key);
    }
    for (const c of pod.containers)
      for (const mount of c.volumeMounts ?? []) {
        expect(
          pod.volumes?.map((v) => v.name),
          `${c.name}: ${mount.name}`,
        ).toContain(mount.name);
        if (mount.subPath !== undefined)
          expect(mountedKey(c, mount.mountPath), mount.mountPath).toBeDefined();
      }
    for (const c of pod.containers) {
      for (const from of c.envFrom ?? []) expect(from.secretRef?.name).toBe(secret.metadata.name);
      for (const env of c.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) expect(Object.keys(secret.stringData), env.name).toContain(ref.key);
      }
    }
    for (const value of Object.values(secret.stringData)) expect(value).toBe('');
  });

  it("runs orgwarden on the image's files with a config its own parser accepts, its secrets from the Secret", () => {
    const orgwarden = container('orgwarden');
    const configFile = runtimeImage().cmd.at(-1)!;
    const source = mountedKey(orgwarden, configFile);
    expect(source, configFile).toBeDefined();
    const config = parseConfig(parse(configMapText(source!)), { file: configFile });
    // The files it names: in the image, or mounted from the ConfigMap.
    const inImage = runtimeImage().copies.map((c) => c.dest);
    expect(inImage).toContain(config.policy.bundle);
    expect(configMapText(mountedKey(orgwarden, config.policy.routes!)!)).toBe(
      readFileSync(path.resolve('policies', 'routes.yaml'), 'utf8'),
    );
    expect(mountedKey(orgwarden, config.directory.file)).toBeDefined();
    // Every env var it names is a key of the Secret it gets its environment from.
    for (const name of [config.server.caller_token_env, config.admin.token_env])
      expect(Object.keys(secret.stringData)).toContain(name);
    // The port it listens on is its container port; the pod's grace period covers its shutdown.
    expect(orgwarden.ports?.map((p) => p.containerPort)).toEqual([config.server.port]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(config.server.shutdown_timeout_s);
    // Read-only root filesystem as the image's node user; /tmp is an emptyDir.
    expect(orgwarden.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsUser: 1000,
      runAsNonRoot: true,
    });
    const tmp = orgwarden.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('puts the real NGINX snippet in front, its relay reaching orgwarden in the pod with the caller token', () => {
    const gateway = container('gateway');
    const snippet = mountedKey(gateway, '/etc/nginx/orgwarden/nginx-orgwarden.conf')!;
    expect(configMapText(snippet)).toBe(
      readFileSync(path.resolve('deploy', 'gateways', 'nginx-orgwarden.conf'), 'utf8'),
    );
    const template = configMapText(
      mountedKey(gateway, '/etc/nginx/templates/default.conf.template')!,
    );
    expect(template).toContain('include /etc/nginx/orgwarden/nginx-orgwarden.conf;');
    expect(template).toContain(
      'proxy_set_header X-Orgwarden-Caller-Token "${ORGWARDEN_CALLER_TOKEN}";',
    );
    expect(gateway.env?.map((e) => e.name)).toEqual(['ORGWARDEN_CALLER_TOKEN']);
    const sidecar = /upstream orgwarden_sidecar \{ server 127\.0\.0\.1:(\d+);/.exec(template);
    expect(Number(sidecar?.[1])).toBe(container('orgwarden').ports?.[0]?.containerPort);
    const listen = Number(/listen (\d+);/.exec(template)?.[1]);
    expect(gateway.ports?.map((p) => p.containerPort)).toEqual([listen]);
  });
});
