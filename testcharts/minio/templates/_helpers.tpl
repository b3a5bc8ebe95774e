{{- define "minio.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "minio.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "minio.labels" -}}
app: {{ include "minio.name" . }}
chart: {{ .Chart.Name }}-{{ .Chart.Version }}
release: {{ .Release.Name }}
heritage: {{ .Release.Service }}
{{- end -}}

{{- define "minio.secretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else -}}
{{- include "minio.fullname" . -}}
{{- end -}}
{{- end -}}


{{- /* The policies as the chart's _helper_policy.tpl writes them. */}}
{{- define "minio.policies" -}}
{{- range .Values.policies }}
{{ .name }}: {"Version":"2012-10-17","Statement":[{{ range $i, $s := .statements }}{{ if $i }},{{ end }}{"Effect":{{ $s.effect | default "Allow" | quote }},"Action":{{ $s.actions | toJson }}{{ if $s.resources }},"Resource":{{ $s.resources | toJson }}{{ end }}}{{ end }}]}
{{- end }}
{{- end -}}
