/**
 * The Kubernetes manifests in deploy/kubernetes/ are checked against the Kubernetes
 * API schemas (kubernetes-models, generated from the upstream OpenAPI documents) and
 * against each other: selectors that select, ports that exist, probes on the admin
 * listener, a NetworkPolicy that leaves agents the gate's proxy port and nothing
 * else, and a ConfigMap whose sluice.yaml Sluice's own loader accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parseConfig } from '../../src/config/load.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'deploy', 'kubernetes');

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function load(): { file: string; doc: Doc }[] {
  const out: { file: string; doc: Doc }[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const d of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      assert.equal(d.errors.length, 0, `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      out.push({ file, doc: d.toJS() as Doc });
    }
  }
  return out;
}

function one(docs: { doc: Doc }[], kind: string, name?: string): Doc {
  const found = docs.filter((d) => d.doc.kind === kind && (name === undefined || d.doc.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!.doc;
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

void test('every manifest validates against the Kubernetes schema of its kind', () => {
  const docs = load();
  assert.ok(docs.length >= 8, `only ${docs.length} objects`);
  for (const { file, doc } of docs) {
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
    assert.doesNotThrow(() => new Model(doc as never).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
  }
});

void test('the validator is not a no-op: a Deployment with a wrong field type and a Service without ports are refused', () => {
  const dep = structuredClone(one(load(), 'Deployment')) as unknown as { spec: { replicas: unknown } };
  dep.spec.replicas = 'three';
  assert.throws(() => new Deployment(dep as never).validate(), /replicas must be integer/);
  assert.throws(() => new NetworkPolicy({ metadata: { name: 'x' }, spec: { podSelector: {}, policyTypes: 'Egress' } } as never).validate());
});

void test('kustomization lists every manifest but the Secret example', () => {
  const kust = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
  assert.deepEqual([...kust.resources].sort(), files.sort());
});

void test('the Deployment: several replicas, a PodDisruptionBudget and Services that select its pods, probes on the admin listener', () => {
  const docs = load();
  const dep = one(docs, 'Deployment') as Doc & {
    spec: {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      strategy: { rollingUpdate: { maxUnavailable: number } };
      template: {
        metadata: { labels: Record<string, string> };
        spec: {
          containers: {
            args: string[];
            ports: { name: string; containerPort: number }[];
            readinessProbe: { httpGet: { path: string; port: string } };
            livenessProbe: { httpGet: { path: string; port: string } };
            securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
            volumeMounts: { name: string; mountPath: string }[];
          }[];
          securityContext: { runAsNonRoot: boolean };
          volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
        };
      };
    };
  };
  const labels = dep.spec.template.metadata.labels;
  assert.ok(dep.spec.replicas >= 2, 'a single replica is no scale-out');
  assert.equal(dep.spec.strategy.rollingUpdate.maxUnavailable, 0);
  assert.ok(matches(dep.spec.selector.matchLabels, labels));
  const [gate] = dep.spec.template.spec.containers;
  assert.ok(gate);
  const ports = new Map(gate.ports.map((p) => [p.name, p.containerPort]));
  assert.deepEqual([gate.readinessProbe.httpGet.path, gate.readinessProbe.httpGet.port], ['/readyz', 'admin']);
  assert.deepEqual([gate.livenessProbe.httpGet.path, gate.livenessProbe.httpGet.port], ['/healthz', 'admin']);
  assert.ok(ports.has('admin') && ports.has('proxy') && ports.get('admin') !== ports.get('proxy'), 'probes are never on the proxy port');
  assert.equal(gate.securityContext.readOnlyRootFilesystem, true);
  assert.equal(gate.securityContext.allowPrivilegeEscalation, false);
  assert.equal(dep.spec.template.spec.securityContext.runAsNonRoot, true);

  const pdb = one(docs, 'PodDisruptionBudget') as Doc & { spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } };
  assert.ok(matches(pdb.spec.selector.matchLabels, labels), 'the PodDisruptionBudget selects the gate pods');
  assert.ok((pdb.spec.maxUnavailable ?? 0) >= 1 && (pdb.spec.maxUnavailable ?? 0) < dep.spec.replicas);

  for (const svc of docs
    .filter((d) => d.doc.kind === 'Service')
    .map((d) => d.doc as Doc & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } })) {
    assert.ok(matches(svc.spec.selector, labels), `Service ${svc.metadata.name} selects the gate pods`);
    for (const p of svc.spec.ports) assert.ok(ports.has(p.targetPort), `Service ${svc.metadata.name}: no container port named ${p.targetPort}`);
  }

  // The config mount and the keys: the ConfigMap and Secret the pod names are the ones shipped.
  const cm = one(docs, 'ConfigMap');
  const sec = one(docs, 'Secret');
  const vols = dep.spec.template.spec.volumes;
  assert.ok(vols.some((v) => v.configMap?.name === cm.metadata.name));
  assert.ok(vols.some((v) => v.secret?.secretName === sec.metadata.name));
  const configMount = gate.volumeMounts.find((m) => m.name === vols.find((v) => v.configMap)?.name);
  assert.ok(configMount);
  assert.deepEqual(gate.args, ['start', '--config', `${configMount.mountPath}/sluice.yaml`]);
});

void test("the ConfigMap's sluice.yaml loads with Sluice's own loader: shared state, listeners on the Deployment's ports", () => {
  const docs = load();
  const cm = one(docs, 'ConfigMap') as Doc & { data: Record<string, string> };
  const yaml = cm.data['sluice.yaml'];
  assert.ok(yaml !== undefined);
  const { config } = parseConfig(yaml, '/etc/sluice/sluice.yaml');
  assert.equal(config.state.backend, 'postgres');
  assert.ok(config.state.postgres && config.state.redis);
  const dep = one(docs, 'Deployment') as Doc & { spec: { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } } };
  const ports = new Map(dep.spec.template.spec.containers[0]!.ports.map((p) => [p.name, p.containerPort]));
  assert.equal(config.listen.port, ports.get('proxy'));
  const admin = (config as unknown as { admin?: { listen?: { port: number } } }).admin;
  assert.equal(admin?.listen?.port, ports.get('admin'), 'admin.listen is the port the probes use');
});

void test('NetworkPolicy: agent pods may reach the gate proxy port and nothing else; the admin port is not open to agents', () => {
  const docs = load();
  const dep = one(docs, 'Deployment') as Doc & { spec: { template: { metadata: { labels: Record<string, string> } } } };
  const gateLabels = dep.spec.template.metadata.labels;
  type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> }; ipBlock?: unknown };
  type Rule = { to?: Peer[]; from?: Peer[]; ports?: { port: number; protocol: string }[] };
  const policies = docs
    .filter((d) => d.doc.kind === 'NetworkPolicy')
    .map((d) => d.doc as Doc & { spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; egress?: Rule[]; ingress?: Rule[] } });
  const agents = policies.find((p) => p.spec.podSelector.matchLabels['sluice.dev/agent'] === 'true');
  assert.ok(agents, 'a policy for agent pods');
  assert.ok(agents.spec.policyTypes.includes('Egress'), 'agent egress is restricted');
  const egress = agents.spec.egress ?? [];
  assert.equal(egress.length, 1, 'one egress rule: to the gate');
  const rule = egress[0]!;
  assert.ok(
    rule.to && rule.to.length > 0 && rule.to.every((peer) => peer.ipBlock === undefined && matches(peer.podSelector?.matchLabels ?? { none: 'x' }, gateLabels)),
    'only to gate pods',
  );
  assert.deepEqual(rule.ports, [{ port: 8877, protocol: 'TCP' }], 'only the proxy port (no DNS, no admin)');

  const gate = policies.find((p) => matches(p.spec.podSelector.matchLabels, gateLabels));
  assert.ok(gate, 'a policy for the gate pods');
  for (const r of gate.spec.ingress ?? []) {
    const fromAgents = (r.from ?? []).some((peer) => peer.podSelector?.matchLabels?.['sluice.dev/agent'] === 'true');
    if (fromAgents)
      assert.deepEqual(
        r.ports?.map((p) => p.port),
        [8877],
        'agents reach only the proxy port',
      );
  }
});
