#!/usr/bin/env bash
# Runs every test of caddy-mautic on a fresh machine: starts and installs what
# the tests need (MariaDB, PostgreSQL, Chromium, npm packages), vets the code,
# runs the Go tests with the race detector, then the example site's browser
# tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_mariadb
ensure_postgres
ensure_chromium

# Tests that need a database fail, rather than skip, when it is missing.
export CADDY_MAUTIC_REQUIRE_DB=1

step "go vet"
go vet ./...

step "gofmt"
unformatted=$(git ls-files -z '*.go' | xargs -0 gofmt -l)
if [ -n "$unformatted" ]; then
	printf 'gofmt would change:\n%s\n' "$unformatted" >&2
	exit 1
fi

step "go test -race"
go test -race -count=1 -timeout 30m ./...

step "example site: install, build, browser tests"
(
	cd examples/sveltekit
	npm install --no-audit --no-fund
	npm run build
	npm run test:e2e
)
