{{- define "harbor.fullname" -}}
{{- if contains "harbor" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-harbor" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "harbor.labels" -}}
heritage: {{ .Release.Service }}
release: {{ .Release.Name }}
chart: {{ .Chart.Name }}
app: "harbor"
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/name: {{ include "harbor.fullname" . }}
app.kubernetes.io/part-of: harbor
{{- end -}}

{{- define "harbor.matchLabels" -}}
release: {{ .Release.Name }}
app: "harbor"
{{- end -}}

{{/* harbor.component renders a Deployment or StatefulSet of one component.
     dict: root, name, kind, values (component values), image, pvc (claim name
     or ""), vct (volumeClaimTemplate values or nil), port */}}
{{- define "harbor.workload" -}}
{{- $root := .root -}}
{{- $fullname := include "harbor.fullname" $root -}}
apiVersion: apps/v1
kind: {{ .kind }}
metadata:
  name: {{ $fullname }}-{{ .name }}
  labels:
    {{- include "harbor.labels" $root | nindent 4 }}
    component: {{ .name }}
    app.kubernetes.io/component: {{ .name }}
spec:
  replicas: {{ default 1 .values.replicas }}
  {{- if eq .kind "StatefulSet" }}
  serviceName: {{ $fullname }}-{{ .name }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "harbor.matchLabels" $root | nindent 6 }}
      component: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "harbor.labels" $root | nindent 8 }}
        component: {{ .name }}
        app.kubernetes.io/component: {{ .name }}
        {{- with .values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/secret: {{ include (print $root.Template.BasePath "/secrets.yaml") $root | sha256sum }}
        {{- with .values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      securityContext:
        runAsUser: 10000
        fsGroup: 10000
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        - {{ toYaml . | nindent 10 | trim }}
          labelSelector:
            matchLabels:
              {{- include "harbor.matchLabels" $root | nindent 14 }}
              component: {{ $.name }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ .image.repository }}:{{ .image.tag }}
          imagePullPolicy: {{ $root.Values.imagePullPolicy }}
          ports:
            - containerPort: {{ .port }}
          envFrom:
            - secretRef:
                name: {{ $fullname }}-core
          {{- with .env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if or .pvc .vct }}
          volumeMounts:
            - name: data
              mountPath: /storage
          {{- end }}
      {{- if .pvc }}
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: {{ .pvc }}
      {{- end }}
  {{- if .vct }}
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          {{- include "harbor.labels" $root | nindent 10 }}
        {{- with .vct.annotations }}
        annotations:
          {{- toYaml . | nindent 10 }}
        {{- end }}
      spec:
        accessModes: [{{ .vct.accessMode | quote }}]
        {{- if .vct.storageClass }}
        {{- if eq "-" .vct.storageClass }}
        storageClassName: ""
        {{- else }}
        storageClassName: {{ .vct.storageClass }}
        {{- end }}
        {{- end }}
        resources:
          requests:
            storage: {{ .vct.size | quote }}
  {{- end }}
{{- end -}}

{{- define "harbor.pvc" -}}
{{- $root := .root -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "harbor.fullname" $root }}-{{ .name }}
  annotations:
  {{- range $k, $v := .values.annotations }}
    {{ $k }}: {{ $v | quote }}
  {{- end }}
  {{- if eq $root.Values.persistence.resourcePolicy "keep" }}
    helm.sh/resource-policy: keep
  {{- end }}
  labels:
    {{- include "harbor.labels" $root | nindent 4 }}
    component: {{ .name }}
spec:
  accessModes:
    - {{ .values.accessMode }}
  resources:
    requests:
      storage: {{ .values.size }}
  {{- if .values.storageClass }}
  {{- if eq "-" .values.storageClass }}
  storageClassName: ""
  {{- else }}
  storageClassName: {{ .values.storageClass }}
  {{- end }}
  {{- end }}
{{- end -}}
