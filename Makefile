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
deps: ## Install what the tests need and is missing (Go modules, Debian chromium and redis-server).
	@go mod download
	@bash scripts/ensure-chromium.sh
	@bash scripts/ensure-redis.sh

.PHONY: test
test: deps vet ## Vet and test every module with the race detector (includes browser end-to-end tests).
	go test -race -count=1 $(GOTEST_FLAGS) $(PKGS)

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

.PHONY: smoke
smoke: ## Check that make demo serves, redirects to the emulator and stops cleanly on Ctrl-C.
	@bash scripts/demo-smoke.sh

.PHONY: demo
demo: ## Run an example app on the built-in emulator (FRAMEWORK=gin|echo|fiber|fiberv3|nethttp, PORT=8080).
	@case "$(FRAMEWORK)" in gin|echo|fiber|fiberv3|nethttp) ;; *) echo "FRAMEWORK must be gin, echo, fiber, fiberv3 or nethttp"; exit 2;; esac
	@# go build + exec, not go run: go run exits 1 on Ctrl-C even when the app stops cleanly.
	@# The binary goes to this checkout's git-ignored .cache/bin, one per framework: a shared
	@# temporary path let a build from another checkout replace the binary of a running demo.
	@bin="$(CURDIR)/.cache/bin/authkit-example-$(FRAMEWORK)" && mkdir -p "$(CURDIR)/.cache/bin" && cd examples && go build -o "$$bin" ./$(FRAMEWORK) && PORT=$(PORT) exec "$$bin"
