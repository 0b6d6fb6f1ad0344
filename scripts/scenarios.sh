#!/usr/bin/env bash
# Runs the fleet and fault scenarios of internal/fleettest: several real
# Caddy processes with the module on one MariaDB (and PostgreSQL), in front
# of one simulated Mautic, and prints their figures as a markdown table.
#
#   scripts/scenarios.sh           full phases (about 10 minutes)
#   scripts/scenarios.sh --short   a few seconds per phase, for CI
#
# Set CADDY_BIN to test a given binary (./caddy of ./xcaddy.sh); by default
# the tests build Caddy from internal/fleettest/caddybin.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

short=0
case "${1:-}" in
--short) short=1 ;;
"") ;;
*)
	echo "usage: $0 [--short]" >&2
	exit 2
	;;
esac

ensure_mariadb >&2
ensure_postgres >&2

out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
FLEET_SCENARIOS=1 FLEET_SCENARIO_SHORT=$short CADDY_MAUTIC_REQUIRE_DB=1 \
	go test -count=1 -timeout 30m -v -run 'TestFleet|TestScenario' ./internal/fleettest/ >"$out" 2>&1 || status=$?

echo "| scenario | figure |"
echo "|---|---|"
sed -n 's/^SCENARIO| /| /p' "$out"
if [ "$status" -ne 0 ]; then
	echo >&2
	grep -E -- '^(--- FAIL|FAIL|panic|\s+\S+_test\.go:[0-9]+:)' "$out" >&2 || tail -n 40 "$out" >&2
	exit "$status"
fi
