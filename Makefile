# lambdad — see README.md. `make` builds, `make test` runs everything CI runs.
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build examples test vet staticcheck unit cgroup2 bench clean bin/runtime/nodejs-sdk

all: build

build: bin/lambdad bin/runtime/init bin/runtime/python bin/runtime/nodejs bin/runtime/nodejs-sdk

# The example functions' compiled code (the Go one; the Python ones are source).
examples: examples/functions/echo/bootstrap

examples/functions/echo/bootstrap: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -o $@ ./examples/go/echo

# urfave_cli_no_docs leaves out urfave/cli's man-page generator (and its
# markdown package), whose initialisation every sandbox start would pay:
# libcontainer re-executes lambdad as each sandbox's container init.
LAMBDAD_TAGS := urfave_cli_no_docs

bin/lambdad: FORCE
	$(GO) build -trimpath -tags $(LAMBDAD_TAGS) -ldflags "-X main.version=$(VERSION)" -o $@ ./cmd/lambdad

# The in-sandbox init is static: the provided base has no libc.
bin/runtime/init: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -o $@ ./runtime/init

# lambdad's Python runtime client, run inside python3.x sandboxes.
bin/runtime/python: FORCE
	rm -rf $@ && mkdir -p $@ && cp -r runtime/python/bootstrap.py runtime/python/lambda_runtime $@/
	find $@ -name '__pycache__' -prune -exec rm -rf {} +

# lambdad's Node.js runtime client, run inside nodejsN.x sandboxes.
bin/runtime/nodejs: FORCE
	rm -rf $@ && mkdir -p $@ && cp -r runtime/nodejs/index.mjs runtime/nodejs/lib $@/

# The AWS SDK for JavaScript v3 on nodejsN.x functions' NODE_PATH, as Lambda's
# Node.js runtimes ship it: the versions runtime/nodejs/sdk's lock file pins,
# installed again only when it changes.
bin/runtime/nodejs-sdk: bin/runtime/nodejs-sdk/node_modules/.package-lock.json
bin/runtime/nodejs-sdk/node_modules/.package-lock.json: runtime/nodejs/sdk/package.json runtime/nodejs/sdk/package-lock.json
	rm -rf bin/runtime/nodejs-sdk && mkdir -p bin/runtime/nodejs-sdk
	cp runtime/nodejs/sdk/package.json runtime/nodejs/sdk/package-lock.json bin/runtime/nodejs-sdk/
	cd bin/runtime/nodejs-sdk && npm ci --omit=dev --no-audit --no-fund --loglevel=error

# The whole suite: gofmt, vet, staticcheck, every test on this host, and the root
# tests again on cgroup v2 in a qemu guest. Root tests start real sandboxes;
# they skip loudly without root, and fail instead when LAMBDAD_REQUIRE_ROOT=1
# (CI sets it).
test: vet staticcheck check-hosts unit cgroup2

vet:
	@unformatted=$$($$($(GO) env GOROOT)/bin/gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "not gofmt-ed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# The Node.js tests load the AWS SDK for JavaScript from bin/runtime/nodejs-sdk.
unit: bin/runtime/nodejs-sdk
	$(GO) test -count=1 -timeout 30m ./...

# The root test packages on a pure cgroup v2 kernel (scripts/cgroup2-lane.sh).
cgroup2:
	./scripts/cgroup2-lane.sh ./sandbox/ ./network/ ./daemon/ ./cmd/lambdad/

# Every fuzz target for FUZZTIME each (default 2m; not in CI).
.PHONY: fuzz
fuzz:
	GO=$(GO) ./scripts/fuzz.sh

# Offline checks of the Vagrantfile, the sample CI workflow, the scripts and
# the systemd unit (scripts/check-hosts.sh).
.PHONY: check-hosts
check-hosts:
	./scripts/check-hosts.sh

# The benchmark (bench/, as root): sandbox lifecycle and cold invokes next to
# `runc run`, warm invokes next to a Go echo server, idle sandboxes' cost, the
# daemon's memory; one table with the targets. BENCHFLAGS=-quick for a smoke
# run. scripts/bench-sandbox.sh runs the sandbox lifecycle row alone.
BENCHFLAGS ?=
bench: build examples
	$(GO) run ./bench $(BENCHFLAGS)

clean:
	rm -rf bin

FORCE:
