# harbor-installer. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/harbor-installer
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/harbor-installer/harbor-installer/cli.version=$(VERSION)
CACHE ?= $(or $(HARBOR_INSTALLER_CACHE),$(HOME)/.cache/harbor-installer)
STATICCHECK_VERSION := v0.8.2
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin

.PHONY: help build run test unit e2e e2e-services bench lint fmt golden docs tools deps demo screenshots clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/harbor-installer
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

test: ## what CI runs: unit, golden, fuzz-seed and binary tests, then every e2e test against the local test world (built meanwhile)
	GO=$(GO) hack/test.sh

unit: ## unit, golden and binary tests (no local cluster needed)
	GO=$(GO) hack/gotest.sh -count=1 ./...

deps: ## install the Debian packages the test world needs (slapd, postgresql, redis)
	hack/install-deps.sh

tools: ## build and cache the test world: etcd, the control plane and kwok (hack/testworld), and MinIO
	hack/build-tools.sh all

e2e: deps tools ## e2e tests against a real control plane, slapd, MinIO, PostgreSQL, Redis on loopback
	GO=$(GO) hack/gotest.sh -count=1 -tags e2e -timeout 30m ./e2e/...

E2E_SERVICES := TestServices|TestValidateServices|TestValidateLDAPBlackHole
e2e-services: deps ## quick subset: e2e tests against real slapd, MinIO, PostgreSQL and Redis (no control plane)
	hack/build-tools.sh minio
	GO=$(GO) hack/gotest.sh -count=1 -tags e2e -timeout 20m -run '$(E2E_SERVICES)' ./e2e/...

# Benchmarks use the default (optimised) build flags, not hack/buildflags.sh:
# their figures must describe the code users run.
# BenchmarkInstallEKSMinIO compares the engine with the helm CLI (built
# here, never by make test) and prints the wall times, their ratio, the
# readiness latency and the installer's peak RSS; it runs once (-benchtime 1x).
bench: deps tools ## benchmarks, with their figures printed (the install engine against the helm CLI too)
	hack/build-tools.sh helm
	$(GO) test -run '^$$' -bench . -benchmem ./answers/ ./render/ ./steps/
	$(GO) test -tags e2e -run '^$$' -bench 'Validate' -benchmem -timeout 20m ./e2e/...
	$(GO) test -tags e2e -run '^$$' -bench 'Install' -benchtime 1x -timeout 30m ./e2e/...

lint: ## go vet (with and without the e2e tag), staticcheck, and the test world's module versions
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...
	cd hack/testworld && $(GO) vet .
	hack/testworld-sync.sh
	STATICCHECK_VERSION=$(STATICCHECK_VERSION) hack/build-tools.sh staticcheck >/dev/null
	$(CACHE)/bin/staticcheck-$(STATICCHECK_VERSION) -tags e2e ./...

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

golden: ## rewrite golden files from the current code (review the diff!)
	$(GO) test ./render/ -update
	$(MAKE) docs

docs: build ## regenerate docs/answers.md from the schema
	$(BIN) answers explain --markdown > docs/answers.md

# On a terminal the demo opens the wizard; DEMO_FLAGS=-script installs,
# installs again (all unchanged) and shows status instead, as it does
# without a terminal.
DEMO_FLAGS ?=
demo: build deps tools ## start the local simulated cluster and services, install the demo plan into it (or open the wizard on a terminal)
	$(GO) run ./cmd/harbor-installer-demo $(DEMO_FLAGS)

screenshots: deps tools ## the README's pictures: the real wizard on the simulated world, in tmux, rendered by freeze into screenshots/
	hack/screenshots.sh screenshots

clean: ## remove build output
	rm -rf bin out
