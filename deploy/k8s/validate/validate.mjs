// Validates rendered Kubernetes manifests without a cluster:
// 1. every document against the OpenAPI schema of its apiVersion/kind (kubernetes-models; the
//    prometheus-operator models for ServiceMonitor); a kind without a schema is an error;
// 2. references between objects that the schemas cannot see (see checkReferences): selectors,
//    probe and policy ports, mounted volumes, Secret keys of this release, roles;
// 3. TLS between the cluster's processes (see checkTls): all of them or none, files from mounted
//    Secrets, https worker URLs, no gRPC probe or cleartext claim on a TLS port.
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

const optionValues = (args, option) => args.flatMap((a, i) => (a === option && i + 1 < args.length ? [String(args[i + 1])] : []));
const hasKey = (secret, key) => key in (secret.data ?? {}) || key in (secret.stringData ?? {});

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
        if (secret && !hasKey(secret, ref.key))
          problems.push(`${w.kind}/${w.metadata.name}: ${c.name}'s ${e.name} reads key ${ref.key}, which Secret/${ref.name} does not have`);
      }
  for (const binding of objects.filter((o) => o.kind === "RoleBinding"))
    if (!seen.has(`${binding.roleRef.kind}/${binding.roleRef.name}`))
      problems.push(`RoleBinding/${binding.metadata.name}: ${binding.roleRef.kind} ${binding.roleRef.name} is not defined`);
  problems.push(...checkTls(workloads, services, secrets));
  return problems;
}

// The cluster's processes (by their app.kubernetes.io/component label) and the options naming
// the ports each serves over TLS once given --tls-cert, --tls-key and --tls-ca. The router's own
// HTTP and gRPC APIs stay cleartext: only its calls to the attention workers use TLS.
const tlsProcesses = {
  router: [],
  "attention-worker": ["--port"],
  "expert-worker": ["--data-plane-port", "--silo-port", "--gateway-port"],
};
// Each TLS option and the key of a kubernetes.io/tls Secret (as cert-manager writes it) its file must be.
const tlsKeys = { "--tls-cert": "tls.crt", "--tls-key": "tls.key", "--tls-ca": "ca.crt" };

// Mutual TLS is all or nothing: a process without it can neither call nor be called by one with it.
function checkTls(workloads, services, secrets) {
  const problems = [];
  const processes = workloads
    .filter((w) => podLabelsOf(w)["app.kubernetes.io/component"] in tlsProcesses)
    .flatMap((w) => podSpecOf(w).containers.map((c) => ({ w, c, args: (c.args ?? []).map(String), where: `${w.kind}/${w.metadata.name}` })));
  const tlsOptionsOf = (args) => Object.keys(tlsKeys).filter((o) => args.includes(o));
  const withTls = processes.find((p) => tlsOptionsOf(p.args).length > 0);
  for (const { w, c, args, where } of processes) {
    const given = tlsOptionsOf(args);
    const tls = given.length > 0;
    if (!tls && withTls)
      problems.push(`${where}: ${c.name} has no --tls-* arguments while ${withTls.where} has them: TLS between the processes is all or nothing`);
    for (const option of tls ? Object.keys(tlsKeys) : []) {
      const [path] = optionValues(args, option);
      if (path === undefined) {
        problems.push(`${where}: ${c.name} has ${given.join(", ")} but not ${option}: the three go together`);
        continue;
      }
      const problem = tlsFileProblem(podSpecOf(w), c, path, tlsKeys[option], secrets);
      if (problem) problems.push(`${where}: ${c.name}'s ${option} ${path} ${problem}`);
    }
    const scheme = tls ? "https://" : "http://";
    for (const url of optionValues(args, "--attention-worker-url"))
      if (!url.startsWith(scheme)) problems.push(`${where}: ${c.name}'s --attention-worker-url ${url} is not ${scheme} with TLS ${tls ? "on" : "off"}`);
    if (!tls) continue;
    const tlsPorts = new Set(tlsProcesses[podLabelsOf(w)["app.kubernetes.io/component"]].flatMap((o) => optionValues(args, o)).map(Number));
    const isTlsPort = (port) => tlsPorts.has(typeof port === "number" ? port : (c.ports ?? []).find((p) => p.name === port)?.containerPort);
    for (const probeName of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      const port = c[probeName]?.grpc?.port;
      if (port !== undefined && isTlsPort(port))
        problems.push(`${where}: ${c.name}'s ${probeName} is a gRPC probe on port ${port}, which serves TLS (the kubelet's gRPC probes cannot)`);
    }
    for (const s of services.filter((s) => Object.keys(s.spec.selector ?? {}).length > 0 && matches(s.spec.selector, podLabelsOf(w))))
      for (const p of s.spec.ports ?? [])
        if (p.appProtocol === "kubernetes.io/h2c" && isTlsPort(p.targetPort ?? p.port))
          problems.push(`Service/${s.metadata.name}: port ${p.name} claims appProtocol kubernetes.io/h2c (cleartext) but ${where} serves TLS there`);
  }
  return problems;
}

// Why a TLS file is not `key` of a Secret mounted into the container, or null when it is.
function tlsFileProblem(pod, container, path, key, secrets) {
  const dir = (m) => m.mountPath.replace(/\/+$/, "");
  const mount = (container.volumeMounts ?? [])
    .filter((m) => path.startsWith(`${dir(m)}/`))
    .sort((a, b) => dir(b).length - dir(a).length)[0];
  if (!mount) return "is in no volume the container mounts";
  const secret = (pod.volumes ?? []).find((v) => v.name === mount.name)?.secret;
  if (!secret) return `is in volume ${mount.name}, which is not a Secret`;
  const file = [mount.subPath, path.slice(dir(mount).length + 1)].filter(Boolean).join("/");
  const used = secret.items ? secret.items.find((i) => i.path === file)?.key : file;
  if (used === undefined) return `is none of the items volume ${mount.name} takes from Secret ${secret.secretName}`;
  if (used !== key) return `is key ${used} of Secret ${secret.secretName}, not ${key}`;
  const defined = secrets.get(secret.secretName);
  if (defined && !hasKey(defined, key)) return `is key ${key}, which Secret/${secret.secretName} does not have`;
  return null;
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
