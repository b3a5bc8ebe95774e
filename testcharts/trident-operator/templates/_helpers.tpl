{{- define "trident.registry" -}}
{{- if .Values.imageRegistry }}{{ .Values.imageRegistry }}/{{ else }}docker.io/netapp/{{ end -}}
{{- end -}}

{{- define "trident.operatorImage" -}}
{{- if .Values.operatorImage -}}
{{ .Values.operatorImage }}
{{- else -}}
{{ include "trident.registry" . }}trident-operator:{{ .Values.operatorImageTag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "trident.image" -}}
{{- if .Values.tridentImage -}}
{{ .Values.tridentImage }}
{{- else -}}
{{ include "trident.registry" . }}trident:{{ .Values.tridentImageTag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "trident.labels" -}}
app: operator.trident.netapp.io
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
