{{/* Prefix of every object's name. */}}
{{- define "kimi.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "kimi.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; the component is passed as .component. */}}
{{- define "kimi.labels" -}}
{{ include "kimi.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: kimi-cluster
{{- end -}}

{{- define "kimi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kimi.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kimi.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $registry }}{{ printf "%s/%s:%s" (trimSuffix "/" $registry) .repository $tag }}{{ else }}{{ printf "%s:%s" .repository $tag }}{{ end -}}
{{- end -}}

{{- define "kimi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (printf "%s-orleans" (include "kimi.fullname" .)) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "kimi.orleansClusterId" -}}
{{- .Values.orleans.clusterId | default .Release.Name -}}
{{- end -}}

{{/* True (non-empty) when expert workers run, and so Orleans and Redis. */}}
{{- define "kimi.experts" -}}
{{- if gt (int .Values.expertWorkers.replicas) 0 }}true{{ end -}}
{{- end -}}

{{/* Expert layout checks, the same rules as `local` (ExpertLayout). */}}
{{- define "kimi.expertShards" -}}
{{- $workers := int .Values.expertWorkers.replicas -}}
{{- $shards := int (.Values.expertWorkers.shards | default $workers) -}}
{{- $replicas := int .Values.expertWorkers.shardReplicas -}}
{{- if lt $shards 1 }}{{ fail "expertWorkers.shards must be at least 1" }}{{ end -}}
{{- if lt $replicas 1 }}{{ fail "expertWorkers.shardReplicas must be at least 1" }}{{ end -}}
{{- if gt $replicas $workers }}{{ fail (printf "expertWorkers.shardReplicas (%d) must be at most expertWorkers.replicas (%d): each copy of a shard needs its own expert worker" $replicas $workers) }}{{ end -}}
{{- $shards -}}
{{- end -}}

{{/* Seconds an expert worker hands off before it leaves; the pod's grace period must cover it and the 30 s leave. */}}
{{- define "kimi.expertHandoffSeconds" -}}
{{- $handoff := int .Values.expertWorkers.handoffSeconds -}}
{{- $grace := int .Values.expertWorkers.terminationGracePeriodSeconds -}}
{{- if lt $handoff 0 }}{{ fail "expertWorkers.handoffSeconds must be 0 or more" }}{{ end -}}
{{- if lt $grace (add $handoff 30) }}{{ fail (printf "expertWorkers.terminationGracePeriodSeconds (%d) must be at least handoffSeconds + 30 (%d): a worker stopped while serving hands off its experts, then takes up to 30 s to leave the cluster" $grace (add $handoff 30)) }}{{ end -}}
{{- $handoff -}}
{{- end -}}

{{/* The model directory inside the pods, or nothing for the built-in tiny model. */}}
{{- define "kimi.modelPath" -}}
{{- with .Values.model.name }}{{ printf "%s/%s" (trimSuffix "/" $.Values.model.mountRoot) . }}{{ end -}}
{{- end -}}

{{- define "kimi.modelVolumeMount" -}}
{{- if .Values.model.name }}
- name: model
  mountPath: {{ include "kimi.modelPath" . }}
  readOnly: true
  {{- with .Values.model.subPath }}
  subPath: {{ . }}
  {{- end }}
{{- end }}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "kimi.modelVolume" -}}
{{- if .Values.model.name }}
- name: model
  {{- if .Values.model.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.model.existingClaim }}
    readOnly: true
  {{- else if .Values.model.hostPath }}
  hostPath:
    path: {{ .Values.model.hostPath }}
    type: Directory
  {{- else }}
  persistentVolumeClaim:
    claimName: {{ include "kimi.fullname" . }}-model
    readOnly: true
  {{- end }}
{{- end }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{/* A map of options as --key value arguments (YAML list items), keys in sorted order.
     Whole numbers print as integers: helm reads values as floats, which print as 1.6e+07. */}}
{{- define "kimi.optionArgs" -}}
{{- range $key, $value := . }}
- --{{ $key }}
{{- if and (kindIs "float64" $value) (eq $value (float64 (int64 $value))) }}
- {{ int64 $value | toString | quote }}
{{- else }}
- {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* GPU requests merged into a component's resources (.resources, .gpus). */}}
{{- define "kimi.resources" -}}
{{- $resources := deepCopy (.resources | default dict) -}}
{{- if gt (int .gpus) 0 -}}
{{- $limits := get $resources "limits" | default dict -}}
{{- $_ := set $limits .gpuName (int .gpus) -}}
{{- $_ := set $resources "limits" $limits -}}
{{- end -}}
{{- toYaml $resources -}}
{{- end -}}

{{/* KIMI_ORLEANS_REDIS: the deployed Redis, an external connection string or a Secret. */}}
{{- define "kimi.redisEnv" -}}
- name: KIMI_ORLEANS_REDIS
{{- if .Values.redis.enabled }}
  value: {{ printf "%s-redis:%d" (include "kimi.fullname" .) (int .Values.redis.port) | quote }}
{{- else if .Values.redis.external.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.existingSecret }}
      key: {{ .Values.redis.external.key }}
{{- else }}
  value: {{ required "redis.external.connectionString or redis.external.existingSecret is required when redis.enabled is false and expert workers run" .Values.redis.external.connectionString | quote }}
{{- end }}
{{- end -}}

{{/* The Orleans ids: from the silo's own pod labels (downward API) on expert workers, so label
     and id cannot disagree; from values on attention workers, which are clients. */}}
{{- define "kimi.orleansIdEnv" -}}
{{- if .fromLabels -}}
- name: ORLEANS_SERVICE_ID
  valueFrom: {fieldRef: {fieldPath: "metadata.labels['orleans/serviceId']"}}
- name: ORLEANS_CLUSTER_ID
  valueFrom: {fieldRef: {fieldPath: "metadata.labels['orleans/clusterId']"}}
{{- else -}}
- name: ORLEANS_SERVICE_ID
  value: {{ .root.Values.orleans.serviceId | quote }}
- name: ORLEANS_CLUSTER_ID
  value: {{ include "kimi.orleansClusterId" .root | quote }}
{{- end -}}
{{- end -}}

{{/* Scheduling and pod-level settings shared by every pod (.root, .spec: the component's values). */}}
{{- define "kimi.podScheduling" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .spec.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .spec.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .spec.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* The router's --attention-worker-url list: every attention-worker pod through the headless
     Service; https with TLS, where the router refuses http URLs. */}}
{{- define "kimi.attentionWorkerUrls" -}}
{{- $name := printf "%s-attention" (include "kimi.fullname" .) -}}
{{- $scheme := "http" }}{{ if .Values.tls.enabled }}{{ $scheme = "https" }}{{ end -}}
{{- range $i := until (int .Values.attentionWorkers.replicas) }}
- --attention-worker-url
- {{ $scheme }}://{{ $name }}-{{ $i }}.{{ $name }}:{{ $.Values.attentionWorkers.grpcPort }}
{{- end }}
{{- end -}}

{{/* The cluster credential's Secret: the one given, or the one this chart creates. */}}
{{- define "kimi.clusterCredentialSecret" -}}
{{- .Values.clusterCredential.existingSecret | default (printf "%s-cluster-credential" (include "kimi.fullname" .)) -}}
{{- end -}}

{{- define "kimi.clusterCredentialEnv" -}}
- name: KIMI_CLUSTER_CREDENTIAL
  valueFrom:
    secretKeyRef:
      name: {{ include "kimi.clusterCredentialSecret" . }}
      key: {{ .Values.clusterCredential.key }}
{{- end -}}

{{/* Where a process's TLS Secret is mounted (tls.crt, tls.key and ca.crt inside). */}}
{{- define "kimi.tlsDirectory" -}}
/etc/kimi-cluster/tls
{{- end -}}

{{/* --tls-cert, --tls-key and --tls-ca into the mounted Secret, or nothing without TLS. */}}
{{- define "kimi.tlsArgs" -}}
{{- if .Values.tls.enabled }}
{{- $directory := include "kimi.tlsDirectory" . }}
- --tls-cert
- {{ $directory }}/tls.crt
- --tls-key
- {{ $directory }}/tls.key
- --tls-ca
- {{ $directory }}/ca.crt
{{- end }}
{{- end -}}

{{- define "kimi.tlsVolumeMount" -}}
{{- if .Values.tls.enabled }}
- name: tls
  mountPath: {{ include "kimi.tlsDirectory" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* The component's TLS Secret as a volume (.root, .component, .secret: the name given in values,
     default RELEASE-COMPONENT-tls). Only the three keys are projected, so a Secret without one
     of them stops the pod at mount time with the key's name instead of the process at start. */}}
{{- define "kimi.tlsVolume" -}}
{{- if .root.Values.tls.enabled }}
- name: tls
  secret:
    secretName: {{ .secret | default (printf "%s-%s-tls" (include "kimi.fullname" .root) .component) }}
    items:
      - {key: tls.crt, path: tls.crt}
      - {key: tls.key, path: tls.key}
      - {key: ca.crt, path: ca.crt}
{{- end }}
{{- end -}}

{{/* A worker's probe: the gRPC health service on its port, or, with TLS on that port (which the
     kubelet's gRPC probes cannot speak), GET /healthz on the plain metrics port. */}}
{{- define "kimi.workerProbe" -}}
{{- if .root.Values.tls.enabled -}}
httpGet: {path: /healthz, port: metrics}
{{- else -}}
grpc: {port: {{ .port }}}
{{- end -}}
{{- end -}}
