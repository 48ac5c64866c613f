# SimCRM — make run starts the app on the embedded default; make test runs every test.
GO      ?= go
BIN     ?= bin/simcrm
PKGS    ?= ./...

.PHONY: run test build generate lint bench clean

run: ## the app on the embedded default (SQLite + in-process Redis) at http://localhost:8080
	$(GO) run .

test: ## every test; real MySQL/Redis when MYSQL_DSN / REDIS_URL are set, embedded ones otherwise
	$(GO) test -count=1 -timeout 15m $(PKGS)

build: ## a static binary in bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $(BIN) .

generate: ## regenerate templ components (the generated files are committed)
	$(GO) tool templ generate

lint: ## gofmt, go vet, and a check that generated files are up to date
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool templ generate >/dev/null 2>&1
	@if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then echo "templ generate changed files: commit them"; git status --porcelain -- '*_templ.go'; exit 1; fi

bench: ## benchmarks (set MYSQL_DSN / REDIS_URL to measure the real services)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

clean:
	rm -rf bin
