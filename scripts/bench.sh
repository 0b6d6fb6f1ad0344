#!/usr/bin/env bash
# The load comparison for the README: builds Caddy with ./xcaddy.sh, then
# runs internal/loadbench (a go test behind the "bench" tag, so nothing
# needs installing): a 100 KiB SvelteKit-like page, JSON and Better Auth
# cookies through plain reverse_proxy and through the mautic handler, with
# and without encode gzip, in interleaved ABBA rounds, measured by the
# proxy's CPU time per request from /proc/<pid>/stat, req/s and p50/p99.
# It prints a markdown table (machine and date stated), then the fleet
# scenarios of scripts/scenarios.sh when that script exists.
#
#   scripts/bench.sh           full run (6 rounds of 5 s per case, ~10 min)
#   scripts/bench.sh --short   2 rounds of 1 s per case, for CI
#
# Needs MariaDB on 127.0.0.1:3306 as root (or CADDY_MAUTIC_TEST_MYSQL, a
# go-sql-driver DSN); the Mautic simulator and the upstream run in the
# test process. Linux only (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."

short=0
case "${1:-}" in
	--short) short=1 ;;
	"") ;;
	*) echo "usage: scripts/bench.sh [--short]" >&2; exit 2 ;;
esac

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
ensure_mariadb >&2
with_lock xcaddy ./xcaddy.sh >&2

out=$(mktemp)
trap 'rm -f "$out"' EXIT
CADDY_MAUTIC_BENCH_CADDY="$PWD/caddy" CADDY_MAUTIC_BENCH_OUT="$out" CADDY_MAUTIC_BENCH_SHORT="$short" \
	go test -tags bench -count=1 -timeout 60m -run '^TestLoadComparison$' ./internal/loadbench >&2
cat "$out"

if [[ -x scripts/scenarios.sh ]]; then
	echo
	if [[ $short == 1 ]]; then
		scripts/scenarios.sh --short
	else
		scripts/scenarios.sh
	fi
fi
