# The two commands: `make run` and `make test`. Each installs what it needs first.
.PHONY: run test check

run:
	scripts/ensure-tools.sh run
	PATH="$$HOME/.cargo/bin:$$PWD/node_modules/.bin:$$PATH" cargo leptos serve

test:
	scripts/test.sh

check:
	cargo check --workspace
