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
  {{- if .strategy }}
  strategy:
    type: {{ .strategy }}
    {{- if eq .strategy "Recreate" }}
    rollingUpdate: null
    {{- end }}
  {{- end }}
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
        {{- /* passed in: the database's are database.podAnnotations, not
        database.internal.podAnnotations, as in the chart */}}
        {{- with .podAnnotations }}
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
          {{- if or .env .moreEnv }}
          env:
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with .moreEnv }}
            {{- . | nindent 12 }}
            {{- end }}
          {{- end }}
          {{- if or .pvc .vct .volumes $root.Values.caBundleSecretName }}
          volumeMounts:
            {{- if or .pvc .vct }}
            - name: data
              mountPath: /storage
            {{- end }}
            {{- with .volumes }}
            {{- with (fromYaml .).mounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- end }}
            {{- if $root.Values.caBundleSecretName }}
            - name: ca-bundle-certs
              mountPath: /harbor_cust_cert/custom-ca.crt
              subPath: ca.crt
            {{- end }}
          {{- end }}
      {{- if or .pvc .volumes $root.Values.caBundleSecretName }}
      volumes:
        {{- if .pvc }}
        - name: data
          persistentVolumeClaim:
            claimName: {{ .pvc }}
        {{- end }}
        {{- with .volumes }}
        {{- with (fromYaml .).volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- end }}
        {{- if $root.Values.caBundleSecretName }}
        - name: ca-bundle-certs
          secret:
            secretName: {{ $root.Values.caBundleSecretName }}
        {{- end }}
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


{{- /* Per-component environment and volumes, at the pinned chart's value
paths (core-dpl.yaml, registry-dpl.yaml, jobservice-dpl.yaml of 1.19.1). */}}
{{- define "harbor.core.env" -}}
{{- $fullname := include "harbor.fullname" . -}}
- name: CORE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.core.existingSecret | default (printf "%s-core" $fullname) }}
      key: secret
{{- if .Values.core.existingXsrfSecret }}
- name: CSRF_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.core.existingXsrfSecret }}
      key: {{ .Values.core.existingXsrfSecretKey }}
{{- end }}
{{- if .Values.existingSecretAdminPassword }}
- name: HARBOR_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecretAdminPassword }}
      key: {{ .Values.existingSecretAdminPasswordKey }}
{{- end }}
{{- if .Values.database.external.existingSecret }}
- name: POSTGRESQL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.external.existingSecret }}
      key: password
{{- end }}
{{- if .Values.registry.credentials.existingSecret }}
- name: REGISTRY_CREDENTIAL_USERNAME
  value: {{ .Values.registry.credentials.username | quote }}
- name: REGISTRY_CREDENTIAL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.registry.credentials.existingSecret }}
      key: REGISTRY_PASSWD
{{- end }}
{{- range $k := list "POSTGRESQL_HOST" "POSTGRESQL_PORT" "POSTGRESQL_USERNAME" "POSTGRESQL_DATABASE" "POSTGRESQL_SSLMODE" "_REDIS_URL_CORE" }}
- name: {{ $k }}
  valueFrom:
    configMapKeyRef:
      name: {{ $fullname }}-core
      key: {{ $k }}
{{- end }}
{{- end -}}

{{- define "harbor.core.volumes" -}}
mounts:
  - name: token-service-private-key
    mountPath: /etc/core/private_key.pem
    subPath: tls.key
volumes:
  - name: token-service-private-key
    secret:
      secretName: {{ .Values.core.secretName | default (printf "%s-core" (include "harbor.fullname" .)) }}
{{- end -}}

{{- define "harbor.registry.env" -}}
{{- if .Values.registry.existingSecret }}
- name: REGISTRY_HTTP_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.registry.existingSecret }}
      key: {{ .Values.registry.existingSecretKey }}
{{- end }}
{{- $storage := .Values.persistence.imageChartStorage }}
- name: REGISTRY_STORAGE_REDIRECT_DISABLE
  value: {{ $storage.disableredirect | quote }}
{{- if eq $storage.type "s3" }}
- name: REGISTRY_STORAGE_S3_REGION
  value: {{ $storage.s3.region | quote }}
{{- if $storage.s3.existingSecret }}
- name: REGISTRY_STORAGE_S3_ACCESSKEY
  valueFrom:
    secretKeyRef:
      name: {{ $storage.s3.existingSecret }}
      key: REGISTRY_STORAGE_S3_ACCESSKEY
- name: REGISTRY_STORAGE_S3_SECRETKEY
  valueFrom:
    secretKeyRef:
      name: {{ $storage.s3.existingSecret }}
      key: REGISTRY_STORAGE_S3_SECRETKEY
{{- end }}
{{- end }}
{{- end -}}

{{- define "harbor.registry.volumes" -}}
{{- $storage := .Values.persistence.imageChartStorage }}
mounts:
  {{- if $storage.caBundleSecretName }}
  - name: storage-service-ca
    mountPath: /harbor_cust_cert/custom-ca-bundle.crt
    subPath: ca.crt
  {{- end }}
volumes:
  {{- if $storage.caBundleSecretName }}
  - name: storage-service-ca
    secret:
      secretName: {{ $storage.caBundleSecretName }}
  {{- end }}
{{- end -}}

{{- define "harbor.jobservice.env" -}}
- name: JOBSERVICE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.jobservice.existingSecret | default (printf "%s-jobservice" (include "harbor.fullname" .)) }}
      key: {{ .Values.jobservice.existingSecretKey | default "JOBSERVICE_SECRET" }}
{{- end -}}

{{- define "harbor.pdb" -}}
{{- if .values.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "harbor.fullname" .root }}-{{ .name }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "harbor.matchLabels" .root | nindent 6 }}
      component: {{ .name }}
{{- end }}
{{- end -}}

{{- define "harbor.database.rawPassword" -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (printf "%s-database" (include "harbor.fullname" .)) -}}
{{- if and $existing (hasKey $existing.data "POSTGRES_PASSWORD") -}}
{{- .Values.database.internal.password | default (index $existing.data "POSTGRES_PASSWORD" | b64dec) -}}
{{- else -}}
{{- .Values.database.internal.password -}}
{{- end -}}
{{- end -}}
