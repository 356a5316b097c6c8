{{/*
The operator's permissions, kept to what its code actually calls (operator/fraud_operator):
every resource it reads, creates, patches or deletes, and nothing else. No wildcards.
Namespaced rules go into the ClusterRole (all namespaces) or the Role (one namespace).
*/}}
{{- define "fraud-operator.namespacedRules" -}}
# The FraudPipeline itself: watched, annotated by kopf (progress/last-handled state), status written.
- apiGroups: [fraudplatform.io]
  resources: [fraudpipelines]
  verbs: [get, list, watch, patch]
- apiGroups: [fraudplatform.io]
  resources: [fraudpipelines/status]
  verbs: [get, patch]
# kopf posts handler progress and errors as Events on the FraudPipeline.
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end }}

{{/* Cluster-scoped reads kopf uses only in cluster-wide mode. */}}
{{- define "fraud-operator.clusterRules" -}}
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
