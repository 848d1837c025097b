# make test runs every test on a fresh Debian machine: it installs what is
# missing first, and says so.
GO      ?= go
BIN     := $(CURDIR)/.bin
FIXTURE := $(BIN)/siogo-fixture
SERVER  := $(BIN)/siogo

.PHONY: clientdist soak fuzz-short test test-go test-compat test-browser test-deploy deps deps-npm deps-browser deps-nginx run demo bench bench-quick bench-go bench-cluster fuzz

test: deps test-go fuzz-short test-compat test-browser test-deploy

deps: deps-npm
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { \
		echo "make: installing redis-server (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }

# deps-npm installs Node.js and the npm packages (the official clients, the
# Node reference servers, Playwright) when they are missing or stale.
deps-npm:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
		echo "make: installing nodejs and npm (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm; }
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		echo "make: installing npm packages (npm ci)"; npm ci --no-audit --no-fund; fi

# deps-browser installs Debian's Chromium for the web demo's browser tests
# (Playwright drives it; it never downloads a browser of its own).
deps-browser:
	@command -v chromium >/dev/null || { \
		echo "make: installing chromium (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# deps-nginx installs Debian's nginx for the load-balancer tests (they run
# their own nginx process, never the system service).
deps-nginx:
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
		echo "make: installing nginx (apt-get)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx; }

test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(GO) run ./cmd/siobench smoke

test-compat: deps
	$(GO) build -o $(FIXTURE) ./compat-tests/fixture
	SIOGO_FIXTURE=$(FIXTURE) npm run --silent test:compat

test-browser: deps deps-browser
	$(GO) build -o $(SERVER) ./cmd/siogo
	SIOGO_BIN=$(SERVER) npm run --silent test:browser

test-deploy: deps deps-nginx
	$(GO) build -o $(SERVER) ./cmd/siogo
	SIOGO_BIN=$(SERVER) npm run --silent test:deploy

# demo runs the web demo in memory on http://127.0.0.1:3000/ (ADDR=... to
# change); the page loads socket.io-client from node_modules.
ADDR ?= 127.0.0.1:3000
demo:
	@echo "make: the demo is at http://$(ADDR)/ (Ctrl-C stops it)"
	$(GO) run ./cmd/siogo -addr $(ADDR)

run: demo

# bench runs every load scenario against siogo, Node socket.io, the
# zishang520 Go port and a bare gorilla/websocket floor, and writes a dated
# results file; bench-quick is the same, reduced to about a minute.
bench: deps
	$(GO) run ./cmd/siobench run --out bench/results/$$(date -u +%F).md

bench-quick: deps
	$(GO) run ./cmd/siobench run --quick --out bench/results/$$(date -u +%F)-quick.md

# bench-go runs the Go micro-benchmarks (codecs, dispatch, fan-out).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# fuzz runs every fuzz target for FUZZTIME each.
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# soak runs CLIENTS simulated users against the demo server for DURATION
# and writes RSS and goroutines over time (CSV, PNG, slopes) to
# bench/results/soak-DATE.*; not part of make test.
CLIENTS  ?= 1000
DURATION ?= 10m
soak: deps-npm
	$(GO) run ./cmd/siosoak -clients $(CLIENTS) -duration $(DURATION)

# fuzz-short runs every fuzz target briefly: make test keeps the fuzzers and
# their seed corpora working; make fuzz is the real search.
FUZZTIME_SHORT ?= 2s
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_SHORT)

# bench-cluster measures cross-node broadcast latency and throughput for two
# Go nodes and two Node nodes on one real Redis, in one run.
bench-cluster: deps
	$(GO) build -o $(FIXTURE) ./compat-tests/fixture
	SIOGO_FIXTURE=$(FIXTURE) node compat-tests/bench/cross-node.mjs

# Refreshes the client bundle socketio serves under /socket.io/ from the
# socket.io package in node_modules (bump clientdist.Version to match).
clientdist: deps-npm
	rm -f internal/clientdist/dist/*.gz
	for f in node_modules/socket.io/client-dist/*; do gzip -9 -n -c "$$f" > internal/clientdist/dist/$$(basename "$$f").gz; done
	cp node_modules/socket.io-client/LICENSE internal/clientdist/dist/LICENSE
	@grep -q "Version = \"$$(node -p 'require("socket.io/package.json").version')\"" internal/clientdist/clientdist.go || \
		{ echo "make: set clientdist.Version to $$(node -p 'require("socket.io/package.json").version')"; exit 1; }
