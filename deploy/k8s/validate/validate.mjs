// Validates rendered Kubernetes manifests without a cluster:
// 1. every document against the OpenAPI schema of its apiVersion/kind (kubernetes-models; the
//    prometheus-operator models for ServiceMonitor); a kind without a schema is an error;
// 2. references between objects that the schemas cannot see (see checkReferences): selectors,
//    probe and policy ports, mounted volumes, Secret keys of this release, roles.
// Usage: node validate.mjs MANIFESTS.yaml [--json OUT.json]
// Prints one line per object and exits 1 on any problem; --json writes the objects as a JSON array.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const modelPackages = {
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

async function schemaProblem(object) {
  const { apiVersion, kind } = object;
  const packageName = modelPackages[apiVersion] ?? `kubernetes-models/${apiVersion}`;
  let models;
  try {
    models = await import(packageName);
  } catch {
    return `no schema for apiVersion ${apiVersion}`;
  }
  const Model = models[kind];
  if (Model === undefined) return `no schema for ${kind} in ${apiVersion}`;
  try {
    new Model(object).validate();
    return null;
  } catch (error) {
    return error.message;
  }
}

const podSpecOf = (o) => (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind) ? o.spec?.template?.spec : undefined);
const podLabelsOf = (o) => o.spec?.template?.metadata?.labels ?? {};
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

function probePort(probe) {
  return probe?.httpGet?.port ?? probe?.tcpSocket?.port ?? probe?.grpc?.port;
}

// What the schemas cannot check: that names point at things that exist in the same release.
function checkReferences(objects) {
  const problems = [];
  const workloads = objects.filter(podSpecOf);
  const services = objects.filter((o) => o.kind === "Service");
  const seen = new Set();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.name}`;
    if (seen.has(key)) problems.push(`${key}: defined twice`);
    seen.add(key);
  }
  for (const w of workloads) {
    const where = `${w.kind}/${w.metadata.name}`;
    const pod = podSpecOf(w);
    if (!matches(w.spec.selector?.matchLabels, podLabelsOf(w)))
      problems.push(`${where}: spec.selector does not match the pod template's labels`);
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    for (const c of pod.containers) {
      const ports = c.ports ?? [];
      for (const probeName of ["livenessProbe", "readinessProbe", "startupProbe"]) {
        const port = probePort(c[probeName]);
        if (c[probeName] === undefined || port === undefined) continue;
        const known = typeof port === "number" ? ports.some((p) => p.containerPort === port) : ports.some((p) => p.name === port);
        if (!known) problems.push(`${where}: ${c.name}'s ${probeName} port ${port} is not one of its container ports`);
      }
      for (const m of c.volumeMounts ?? [])
        if (!volumes.has(m.name)) problems.push(`${where}: ${c.name} mounts volume ${m.name}, which the pod does not define`);
    }
    if (w.kind === "StatefulSet") {
      const service = services.find((s) => s.metadata.name === w.spec.serviceName);
      if (service?.spec.clusterIP !== "None") problems.push(`${where}: serviceName ${w.spec.serviceName} is not a headless Service of this release`);
    }
  }
  for (const s of services) {
    const targets = workloads.filter((w) => matches(s.spec.selector, podLabelsOf(w)) && Object.keys(s.spec.selector ?? {}).length > 0);
    if (targets.length === 0) {
      problems.push(`Service/${s.metadata.name}: selects no workload of this release`);
      continue;
    }
    for (const p of s.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const found = targets.every((w) => podSpecOf(w).containers.some((c) => (c.ports ?? []).some((cp) => cp.name === target || cp.containerPort === target)));
      if (!found) problems.push(`Service/${s.metadata.name}: targetPort ${target} is not a container port of the pods it selects`);
    }
  }
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget"))
    if (!workloads.some((w) => matches(pdb.spec.selector?.matchLabels, podLabelsOf(w))))
      problems.push(`PodDisruptionBudget/${pdb.metadata.name}: selects no workload of this release`);
  for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
    const selected = services.filter((s) => matches(monitor.spec.selector?.matchLabels, s.metadata.labels ?? {}));
    for (const e of monitor.spec.endpoints ?? []) {
      const missing = selected.filter((s) => !(s.spec.ports ?? []).some((p) => p.name === e.port));
      if (selected.length === 0 || missing.length > 0)
        problems.push(`ServiceMonitor/${monitor.metadata.name}: port ${e.port} is missing on ${missing.map((s) => s.metadata.name).join(", ") || "every Service (none selected)"}`);
    }
  }
  for (const policy of objects.filter((o) => o.kind === "NetworkPolicy")) {
    const where = `NetworkPolicy/${policy.metadata.name}`;
    const guarded = workloads.filter((w) => matches(policy.spec.podSelector?.matchLabels, podLabelsOf(w)));
    if (guarded.length === 0) {
      problems.push(`${where}: podSelector selects no workload of this release`);
      continue;
    }
    for (const rule of policy.spec.ingress ?? []) {
      for (const peer of rule.from ?? [])
        if (peer.podSelector && !workloads.some((w) => matches(peer.podSelector.matchLabels, podLabelsOf(w))))
          problems.push(`${where}: a from.podSelector selects no workload of this release`);
      for (const p of rule.ports ?? []) {
        const known = guarded.every((w) => podSpecOf(w).containers.some((c) => (c.ports ?? []).some((cp) => cp.name === p.port || cp.containerPort === p.port)));
        if (!known) problems.push(`${where}: port ${p.port} is not a container port of the pods it guards`);
      }
    }
  }
  const secrets = new Map(objects.filter((o) => o.kind === "Secret").map((s) => [s.metadata.name, s]));
  for (const w of workloads)
    for (const c of podSpecOf(w).containers)
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        const secret = ref && secrets.get(ref.name);
        if (secret && !(ref.key in (secret.data ?? {})) && !(ref.key in (secret.stringData ?? {})))
          problems.push(`${w.kind}/${w.metadata.name}: ${c.name}'s ${e.name} reads key ${ref.key}, which Secret/${ref.name} does not have`);
      }
  for (const binding of objects.filter((o) => o.kind === "RoleBinding"))
    if (!seen.has(`${binding.roleRef.kind}/${binding.roleRef.name}`))
      problems.push(`RoleBinding/${binding.metadata.name}: ${binding.roleRef.kind} ${binding.roleRef.name} is not defined`);
  return problems;
}

async function main(args) {
  const [file, ...rest] = args;
  if (!file) {
    console.error("usage: node validate.mjs MANIFESTS.yaml [--json OUT.json]");
    return 2;
  }
  const jsonOut = rest[0] === "--json" ? rest[1] : undefined;
  const objects = [];
  const problems = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      problems.push(`YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    objects.push(object);
    const problem = await schemaProblem(object);
    const name = `${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
    if (problem) problems.push(`${name}: ${problem}`);
    else console.log(`valid: ${name}`);
  }
  problems.push(...checkReferences(objects));
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(objects, null, 1));
  for (const p of problems) console.error(`invalid: ${p}`);
  console.log(`${objects.length} objects, ${problems.length} problems`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
