# Vendgate — the commands a developer and CI use. `make test` runs every test.
GO        ?= go
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
GOFILES    = $(shell find . -name '*.go' -not -path './.git/*' -not -path './data/*')

.PHONY: run demo build test check bench fuzz clean

## run: the server on the embedded default (SQLite in ./data); the first start seeds a demo
run: build
	bin/vendgate serve

## demo: the token engine and the virtual meter through stsctl, offline
demo: build
	@bash scripts/demo.sh

## build: compile the commands into ./bin
build:
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

## test: the checks, then every test (race detector on) with a throwaway PostgreSQL and Redis
## (scripts/testenv.sh; an exported VENDGATE_TEST_DATABASE_URL / VENDGATE_TEST_REDIS_ADDR is used
## instead). The servers are stopped however go test ends, Ctrl-C included; its status is kept.
test: check
	@set -e; envs=$$(scripts/testenv.sh up); eval "$$envs"; \
	trap 'scripts/testenv.sh down "$$VENDGATE_TESTENV_DIR"' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(GO) test -race -count=1 ./...

## check: gofmt, vet, staticcheck and the import rules
check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) test -count=1 -run 'TestImportRules|TestRulesBite|TestSTSReadsNoClock' .

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## fuzz: each fuzz target for FUZZTIME (default 30s)
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin
