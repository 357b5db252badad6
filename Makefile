# authkit-go: every target works over all modules of go.work.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Module directories and package patterns of the workspace.
MODULE_DIRS := $(shell go list -m -f '{{.Dir}}')
PKGS        := $(addsuffix /...,$(shell go list -m -f '{{.Path}}'))
FRAMEWORK   ?= gin
PORT        ?= 8080
GOTEST_FLAGS ?=

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## Install what the tests need and is missing (Go modules, Debian chromium and redis-server, Node 22).
	@go mod download
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-redis.sh
	@bash scripts/ensure-node22.sh

.PHONY: test
test: deps vet ## Vet and test every module with the race detector (includes browser end-to-end tests).
	go test -race -count=1 $(GOTEST_FLAGS) $(PKGS)
	@$(MAKE) --no-print-directory consumer

.PHONY: consumer
consumer: ## Install the modules as a user would (go get from a proxy of this tree) and test the README's snippets.
	@echo "consumer test: go get from a file:// module proxy of this working tree, outside the repository"
	cd internal/release && AUTHKIT_CONSUMER_TEST=1 go test -race -count=1 -v -run '^TestConsumer$$' .

.PHONY: vet
vet: ## go vet every module.
	go vet $(PKGS)

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: lint
lint: vet ## gofmt check, vet, staticcheck, and each module building without go.work.
	@out=$$(gofmt -l $(MODULE_DIRS)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@for d in $(MODULE_DIRS); do (cd $$d && go run $(STATICCHECK) ./...) || exit 1; done
	@# Each module must also build on its own (go get users have no go.work).
	@for d in $(MODULE_DIRS); do (cd $$d && GOWORK=off go build ./...) || { echo "$$d does not build without go.work"; exit 1; }; done

.PHONY: tidy
tidy: ## go mod tidy every module, then fail if anything changed.
	@for d in $(MODULE_DIRS); do (cd $$d && go mod tidy) || exit 1; done
	@git diff --exit-code -- '*go.mod' '*go.sum' || { echo "go.mod/go.sum not tidy: run 'make tidy' and commit"; exit 1; }

.PHONY: bench
bench: ## Run every benchmark with allocation counts, then print the performance table (BENCH_COUNT=3 repeats).
	@mkdir -p .cache && set -o pipefail && go test -run '^$$' -bench . -benchmem -count $${BENCH_COUNT:-1} $(PKGS) | tee .cache/bench.txt
	@go run ./core/internal/benchtable < .cache/bench.txt

.PHONY: loadtest
loadtest: ## Requests/s through each adapter over TCP (cookie, bearer, anonymous) as ratios to the bare route.
	cd examples && go run ./internal/loadtest

.PHONY: fuzz
fuzz: ## Fuzz the cookie unsealer for 30s.
	cd core && go test -run '^$$' -fuzz FuzzUnseal -fuzztime 30s ./seal

# Protobuf generators for examples/rpc, pinned: protoc is Debian bookworm's
# protobuf-compiler (libprotoc 3.21.12); the Go plugins come from the module
# proxy at these versions (protoc-gen-go matches the runtime in examples/go.mod).
PROTOC_VERSION                := 3.21.12
PROTOC_GEN_GO                 := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC            := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
PROTOC_GEN_CONNECT_GO         := connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.21.1

.PHONY: proto
proto: ## Regenerate examples/rpc's protobuf code (Debian's protoc, pinned Go plugins).
	@command -v protoc >/dev/null || { source scripts/apt.sh && apt_install protobuf-compiler; } || { echo "protoc missing: apt-get install protobuf-compiler"; exit 1; }
	@protoc --version | grep -qF "libprotoc $(PROTOC_VERSION)" || { echo "protoc $(PROTOC_VERSION) expected, found $$(protoc --version): the generated headers would change"; exit 1; }
	@GOBIN="$(CURDIR)/.cache/bin" go install $(PROTOC_GEN_GO) && GOBIN="$(CURDIR)/.cache/bin" go install $(PROTOC_GEN_GO_GRPC) && GOBIN="$(CURDIR)/.cache/bin" go install $(PROTOC_GEN_CONNECT_GO)
	cd examples/rpc && rm -rf gen && mkdir gen && PATH="$(CURDIR)/.cache/bin:$$PATH" protoc -I proto \
		--go_out=gen --go_opt=paths=source_relative \
		--go-grpc_out=gen --go-grpc_opt=paths=source_relative \
		--connect-go_out=gen --connect-go_opt=paths=source_relative \
		greet/v1/greet.proto

.PHONY: smoke
smoke: ## Check that make demo serves, redirects to the emulator and stops cleanly on Ctrl-C.
	@bash scripts/demo-smoke.sh

.PHONY: demo
demo: ## Run an example app on the built-in emulator (FRAMEWORK=gin|echo|fiber|fiberv3|nethttp|nextjs|rpc, PORT=8080).
	@case "$(FRAMEWORK)" in gin|echo|fiber|fiberv3|nethttp|nextjs|rpc) ;; *) echo "FRAMEWORK must be gin, echo, fiber, fiberv3, nethttp, nextjs or rpc"; exit 2;; esac
	@# go build + exec, not go run: go run exits 1 on Ctrl-C even when the app stops cleanly.
	@# The binary goes to this checkout's git-ignored .cache/bin, one per framework: a shared
	@# temporary path let a build from another checkout replace the binary of a running demo.
	@# nextjs: Next.js on PORT (open it), the Go API on PORT+1 behind its /api/*, and the split
	@# setup's Go app with its own pages on PORT+2 (the same session: cookies are per host).
	@[ "$(FRAMEWORK)" != nextjs ] || bash scripts/ensure-node22.sh
	@bin="$(CURDIR)/.cache/bin/authkit-example-$(FRAMEWORK)" && mkdir -p "$(CURDIR)/.cache/bin" && cd examples && go build -o "$$bin" ./$(FRAMEWORK) && \
	if [ "$(FRAMEWORK)" = nextjs ]; then exec "$$bin" --addr ":$$(( $(PORT) + 1 ))" --app-url "http://localhost:$(PORT)" --site-addr ":$$(( $(PORT) + 2 ))" --next-dir nextjs/web; fi && \
	PORT=$(PORT) exec "$$bin"

.PHONY: release
release: ## Tag every module at VERSION, core first (VERSION=v0.2.0; DRY_RUN=1, SKIP_TESTS=1).
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=vX.Y.Z [DRY_RUN=1] [SKIP_TESTS=1]"; exit 2; }
	@bash scripts/release.sh $(if $(DRY_RUN),--dry-run) $(if $(SKIP_TESTS),--skip-tests) $(VERSION)
