{{/* Chart name, overridable; truncated to the 63-character label limit. */}}
{{- define "fraud-platform.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object of this chart carries. */}}
{{- define "fraud-platform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "fraud-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fraud-platform
{{- end }}

{{/* The FraudPipeline API version served by the operator's CRD (charts/fraud-operator/crds). */}}
{{- define "fraud-platform.pipelineApiVersion" -}}
fraudplatform.io/v1alpha1
{{- end }}
