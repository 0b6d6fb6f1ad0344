#!/usr/bin/env bash
# Builds ./caddy: Caddy v2.11.9 with caddy-mautic from this working tree,
# using a pinned xcaddy run through `go run`, so nothing is installed, then
# lists the mautic modules. Once the modules are in Go's module cache it
# works offline.
#
#   ./xcaddy.sh                       build ./caddy
#   OUTPUT=/tmp/caddy ./xcaddy.sh     build elsewhere
set -euo pipefail
cd "$(dirname "$0")"

XCADDY_VERSION=v0.4.5
CADDY_VERSION=v2.11.9
MODULE=github.com/caddy-mautic/caddy-mautic
OUTPUT=${OUTPUT:-./caddy}

# xcaddy writes the go.mod of its temporary build module itself: let go
# update it, whatever GOFLAGS the environment has.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

# Go's module cache doubles as a module proxy. The build reads only from
# it, so that it works offline, and so that go never asks a network proxy
# about caddy-mautic, which is not published (proxy.golang.org refuses
# the lookup instead of answering "not found", and go would stop there).
# When a module is missing from the cache, it is fetched once through the
# environment's own GOPROXY, and the build runs again from the cache.
CACHE_PROXY="file://$(go env GOMODCACHE)/cache/download"

build() {
	# The plugin is the package that registers the module (the repository's
	# root holds no Go package); --replace points the whole module at this
	# working tree.
	GOPROXY="$CACHE_PROXY" go run "github.com/caddyserver/xcaddy/cmd/xcaddy@${XCADDY_VERSION}" build "$CADDY_VERSION" \
		--with "$MODULE/caddymodule" \
		--replace "$MODULE=$(pwd)" \
		--output "$OUTPUT"
}

# fill_cache downloads xcaddy, Caddy and their dependencies through the
# environment's GOPROXY.
fill_cache() {
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	(
		cd "$tmp"
		go mod init xcaddy-cache >/dev/null 2>&1
		go get "github.com/caddyserver/xcaddy@${XCADDY_VERSION}" "github.com/caddyserver/caddy/v2@${CADDY_VERSION}"
		go mod download all
	)
	# This module's own dependencies; readonly: its go.mod is never touched.
	GOFLAGS=-mod=readonly go mod download
}

if ! build; then
	echo "xcaddy.sh: some modules are not in the module cache yet; fetching them once" >&2
	fill_cache
	build
fi

"$OUTPUT" version
"$OUTPUT" list-modules | grep mautic
