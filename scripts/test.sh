#!/usr/bin/env bash
# Runs every test of caddy-mautic on a fresh machine: starts and installs what
# the tests need (MariaDB, PostgreSQL, Chromium, Go modules, npm packages),
# vets the code, runs the Go tests with the race detector, builds ./caddy
# with ./xcaddy.sh, then runs the example site's browser tests through it.
# Needs first: Go (as go.mod says), Node.js 20.19+ with npm, git, curl, and
# MariaDB and PostgreSQL servers installed (they are started when down).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

require_tools go node npm git curl mysql psql
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

step "README: no section twice"
dups=$(grep -E '^#{2,3} ' README.md | sort | uniq -d)
if [ -n "$dups" ]; then
	printf 'README.md has these sections twice:\n%s\n' "$dups" >&2
	exit 1
fi

step "go test -race"
# The caddymodule tests run on their own, under with_lock (scripts/lib.sh).
all=$(go list ./...)
mapfile -t packages < <(grep -v '/caddymodule\(/\|$\)' <<<"$all")
go test -race -count=1 -timeout 30m "${packages[@]}"
with_lock caddymodule-tests go test -race -count=1 -timeout 30m ./caddymodule/...

step "./caddy: Caddy with caddy-mautic (./xcaddy.sh)"
with_lock xcaddy ./xcaddy.sh

step "example site: install, build, browser tests"
(
	cd examples/sveltekit
	# Not `npm ci`: see examples/sveltekit/README.md.
	npm install --no-audit --no-fund
	npm run build
	npm run test:e2e
)

# ---------------------------------------------------------------------------
# More suites go here, each one command that exits non-zero on a failure,
# e.g. a short benchmark or scenario run:
#   step "benchmarks (short)"; ./scripts/bench.sh --short
# ---------------------------------------------------------------------------

step "all tests passed"
