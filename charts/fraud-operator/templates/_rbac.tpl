{{/*
The operator's permissions, kept to what its code calls and nothing else (no wildcards):
  - kopf watches FraudPipelines, patches them (finalizer, last-handled annotation) and their
    status, and posts Events about handler progress;
  - the reconcile chain (fraud_operator/kube.py, its KINDS table) gets, lists, server-side
    applies (create + patch) and deletes the child kinds below.
tests/charts check this list against the KINDS table and, on a real API server, that the operator
reconciles with exactly these permissions.
Namespaced rules go into the ClusterRole (all namespaces) or the Role (one namespace).
*/}}
{{- define "fraud-operator.namespacedRules" -}}
- apiGroups: [fraudplatform.io]
  resources: [fraudpipelines]
  verbs: [get, list, watch, patch]
- apiGroups: [fraudplatform.io]
  resources: [fraudpipelines/status]
  verbs: [get, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- range $group, $resources := (include "fraud-operator.childResources" . | fromYaml) }}
- apiGroups: [{{ ternary "" $group (eq $group "core") | quote }}]
  resources: [{{ join ", " $resources }}]
  verbs: [get, list, create, patch, delete]
{{- end }}
{{- end }}

{{/* Children the reconcile chain manages, by API group (fraud_operator/kube.py KINDS). */}}
{{- define "fraud-operator.childResources" -}}
kafka.strimzi.io: [kafkas, kafkanodepools, kafkatopics]
k8ssandra.io: [k8ssandraclusters]
sparkoperator.k8s.io: [sparkapplications, scheduledsparkapplications]
elasticsearch.k8s.elastic.co: [elasticsearches]
kibana.k8s.elastic.co: [kibanas]
beat.k8s.elastic.co: [beats]
batch: [jobs]
apps: [deployments]
core: [services, configmaps, persistentvolumeclaims]
{{- end }}

{{/*
Cluster-scoped reads kopf itself makes at startup: it lists and watches CRDs to resolve the
resources it serves, and, when given namespaces, lists and watches Namespaces to match them.
Without them kopf retries each for about a minute, then falls back to what it assumes.
*/}}
{{- define "fraud-operator.clusterRules" -}}
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [list, watch]
{{- if .Values.watchNamespace }}
- apiGroups: [""]
  resources: [namespaces]
  verbs: [list, watch]
{{- end }}
{{- end }}

{{/* Operator command line: scope and the health endpoint both probes call. */}}
{{- define "fraud-operator.args" -}}
- operator
- run
- --liveness=http://0.0.0.0:{{ .Values.operator.healthPort }}/healthz
{{- if .Values.watchNamespace }}
- --namespace={{ .Values.watchNamespace }}
{{- else }}
- --all-namespaces
{{- end }}
{{- if eq .Values.operator.logLevel "verbose" }}
- --verbose
{{- else if eq .Values.operator.logLevel "debug" }}
- --debug
{{- end }}
{{- end }}
