# fnhost: poehali.dev-style cloud functions on your own machine.
#   make run     install what is missing, build, start PostgreSQL, the host and nginx on 127.0.0.1:$(PORT)
#   make test    unit and integration tests (real nginx, real PostgreSQL, real libcurl)
#   make bench   benchmarks, written to bench/results.md
#   make chaos   reliability scenarios against the real stack, written to RELIABILITY.md
PORT ?= 8080
RUN_DIR ?= .run
SWIFT ?= swift
SWIFT_FLAGS ?=

.PHONY: run test bench chaos deps build build-release clean stop-db

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

build-release: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

run: build-release
	@scripts/run-stack --port $(PORT) --run-dir $(RUN_DIR)

test: deps
	@scripts/run-tests

bench: build-release
	@bench/run

chaos: build-release
	@chaos/run

stop-db:
	@scripts/pg stop $(RUN_DIR)/pg

clean:
	rm -rf .build $(RUN_DIR)
