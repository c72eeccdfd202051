# Thin wrappers over `cargo xtask`, for contributors who live in Python land.
# Every target is one xtask call, so `make X` locally and CI can never disagree.

CARGO ?= cargo

.PHONY: help test lint release-dry release-live bump bench

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

test: ## Run the Rust and Python test suites (bootstraps .venv on first use)
	$(CARGO) xtask test

lint: ## Run rustfmt, clippy, ruff check, ruff format, stubtest, zizmor, check-jsonschema
	$(CARGO) xtask lint

release-dry: ## Rehearse the whole release: build, verify, rehearse uploads (no credentials)
	$(CARGO) xtask release --dry-run

release-live: ## Publish for real (refuses unless every guard passes; see RELEASING.md)
	$(CARGO) xtask release --live

bump: ## Bump the version: make bump TO=patch (major, minor, alpha, beta, rc, release, auto, X.Y.Z)
	$(CARGO) xtask bump $(TO)

bench: ## Run the criterion benches and the Python comparison
	$(CARGO) xtask bench
