# fnhost: poehali.dev-style cloud functions on your own machine.
#   make run     install what is missing, build, start PostgreSQL, the host and nginx on 127.0.0.1:$(PORT)
#                (PROJECT=DIR: a poehali.dev export's backend/, db_migrations/ and .env instead of functions/)
#   make test    unit and integration tests (real nginx, real PostgreSQL, real libcurl)
#   make bench   benchmarks, written to reports/bench-results.md
#   make profile instructions per status and start request (callgrind), in reports/profile-*.txt
#   make fuzz    libFuzzer targets, FUZZ_RUNS runs each (scripts/fuzz; summary in .run/fuzz/summary.json)
#   make chaos   reliability scenarios against the real stack, written to reports/RELIABILITY.md
#   make cluster three `serve --cluster` hosts, a front and PostgreSQL in network namespaces (as root), under
#                page load and faults (a host crashed, the leader cut off or crashed, a rolling restart);
#                written to reports/RELIABILITY.md's cluster section (cluster/run; docs/cluster.md)
#   make fd-stress  the stand-in and HTTP client suites 50 times in one process under CPU load
#                (scripts/fd-stress; RUNS=N for another count): prints "N runs, M failures"
PORT ?= 8080
RUN_DIR ?= .run
SWIFT ?= swift
SWIFT_FLAGS ?=
# Release builds link the Swift runtime statically: a warm worker process then maps only the parts
# of the runtime it touches (about 3 MiB less RSS per worker than with the shared libswiftCore).
RELEASE_FLAGS ?= --static-swift-stdlib

FUZZ_RUNS ?= 200000

.PHONY: run test bench profile fuzz chaos cluster fd-stress deps build build-release clean stop-db

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

build-release: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS) $(SWIFT_FLAGS)

run: build-release
	@scripts/run-stack --port $(PORT) --run-dir $(RUN_DIR) $(if $(PROJECT),--project "$(PROJECT)")

test: deps
	@scripts/run-tests

bench: build-release
	@bench/run

# Instructions per status and start request in their workers (valgrind's callgrind).
profile: build-release
	@scripts/install-deps valgrind
	@bench/profile --function status
	@bench/profile --function start

fuzz: deps
	@scripts/fuzz --runs $(FUZZ_RUNS) --summary $(RUN_DIR)/fuzz/summary.json

chaos: build-release
	@chaos/run --fuzz-runs $(FUZZ_RUNS)

# Network namespaces, veths, a bridge and nftables rules: root only; nft comes from Debian's nftables.
cluster: build-release
	@scripts/install-deps nftables
	@cluster/run

# Descriptors closed once and close-on-exec, under load (several minutes: not part of `make test`).
fd-stress: deps
	@scripts/install-deps stress-ng
	@scripts/fd-stress --runs $(or $(RUNS),50)

stop-db:
	@scripts/pg stop $(RUN_DIR)/pg

# Clusters and nginx-facing folders that live outside the run folder (as root, when postgres or nginx's
# workers cannot reach it) are recorded by symlinks in it: scripts/pg destroy removes each cluster, and each
# nginx-facing folder is removed when it is one fnhost makes (/var/lib/fnhost/run/<hash>, /tmp/fnhost-<uid>-<hash>).
clean:
	@if [ -d "$(RUN_DIR)" ]; then \
	    find "$(RUN_DIR)" -type l -name cluster -printf '%h\n' | while read -r dir; do scripts/pg destroy "$$dir" || true; done; \
	    find "$(RUN_DIR)" -type l -name nginx-facing | while read -r link; do \
	        target=$$(readlink "$$link"); \
	        case "$$target" in /var/lib/fnhost/run/????????????????|/tmp/fnhost-*-????????????????) rm -rf -- "$$target" ;; esac; \
	    done; \
	fi
	rm -rf .build $(RUN_DIR)
