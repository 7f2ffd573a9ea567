# Developer shortcuts; scripts/test.sh is the one test command (also run by CI).
.DEFAULT_GOAL := help

FUZZTIME ?= 20000x
export FUZZTIME

.PHONY: help test lint fuzz setup run

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

test: ## everything CI runs: setup, gofmt + vet, go test -race, short fuzz
	./scripts/test.sh

setup: ## install missing packages, the npm fixture and the client bundle
	./scripts/test.sh setup

lint: ## gofmt -l (fails on any file) and go vet ./...
	./scripts/test.sh lint

fuzz: ## every Fuzz* target, FUZZTIME each (default 20000x inputs; make fuzz FUZZTIME=500000x)
	./scripts/test.sh fuzz

run: ## the server in development mode
	go run ./cmd/nextauth --dev

.PHONY: bench
bench: ## side-by-side benchmark against NextAuth.js and oauth2-proxy; writes bench/RESULTS.md and RESULTS.svg (35-80 min)
	./bench/run.sh
