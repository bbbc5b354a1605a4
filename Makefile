# The two commands: `make run` and `make test`. Each installs what it needs first.
.PHONY: run test check bench

run:
	scripts/ensure-tools.sh run
	PATH="$$HOME/.cargo/bin:$$PWD/node_modules/.bin:$$PATH" THROUGHLINE_DEMO=true cargo leptos serve

test:
	scripts/test.sh

check:
	cargo check --workspace

# Ingestion and list benchmarks against PostgreSQL, with pgbench for comparison (README: Benchmark).
bench:
	scripts/bench.sh
