#!/usr/bin/env bash
# Runs every test of caddy-mautic on a fresh machine: starts what the tests
# need (MariaDB), then vets and runs the Go tests with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_mariadb

# Tests that need a database fail, rather than skip, when it is missing.
export CADDY_MAUTIC_REQUIRE_DB=1

step "go vet"
go vet ./...
step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './examples/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
step "go test -race"
go test -race -count=1 -timeout 20m ./...
