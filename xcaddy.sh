#!/usr/bin/env bash
# Builds ./caddy: Caddy v2.11.9 with caddy-mautic from this working tree,
# with xcaddy v0.4.5 built from the pinned tool module in scripts/xcaddy (its
# go.mod and go.sum fix every module xcaddy needs), so nothing is installed,
# then lists the mautic modules.
#
#   ./xcaddy.sh                       build ./caddy
#   OUTPUT=/tmp/caddy ./xcaddy.sh     build elsewhere
#
# It works from an empty module cache: xcaddy, Caddy and their dependencies
# come through the environment's own GOPROXY and are checked against its
# GOSUMDB (xcaddy's own against scripts/xcaddy/go.sum), as any `go get`
# would. Once they are in the module cache it works offline too: go asks the
# network only about versions it does not hold. (Not `go run xcaddy@version`:
# that always asks the proxy for xcaddy's latest version, so it fails
# offline.)
set -euo pipefail
cd "$(dirname "$0")"

CADDY_VERSION=v2.11.9
MODULE=github.com/caddy-mautic/caddy-mautic
OUTPUT=${OUTPUT:-./caddy}

TOOLS=$(mktemp -d)
trap 'rm -rf "$TOOLS"' EXIT
# -mod=readonly: the tool module's go.mod and go.sum are used as committed.
GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly" \
	go -C scripts/xcaddy build -o "$TOOLS/xcaddy" github.com/caddyserver/xcaddy/cmd/xcaddy

# caddy-mautic is not published: --replace below points it at this working
# tree. Marked private, go never asks a proxy or the checksum database about
# it (a proxy would refuse the lookup rather than answer "not found", and go
# would stop there); every other module goes through GOPROXY and GOSUMDB.
# GOVCS off for it turns the direct lookup that private modules get (xcaddy's
# `go get` asks which module holds .../caddymodule) into "not found" without
# a git clone, so go settles on the replacement.
private() {
	local list=$1
	case ",$list," in *",$MODULE,"*) echo "$list" ;; *) echo "${list:+$list,}$MODULE" ;; esac
}
GONOPROXY=$(private "$(go env GONOPROXY)")
GONOSUMDB=$(private "$(go env GONOSUMDB)")
GOPRIVATE=$(private "$(go env GOPRIVATE)")
GOVCS=$MODULE:off$(v=$(go env GOVCS) && echo "${v:+,$v}")
export GONOPROXY GONOSUMDB GOPRIVATE GOVCS

# xcaddy writes the go.mod of its temporary build module itself: let go
# update it, whatever GOFLAGS the environment has.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

# The plugin is the package that registers the module (the repository's root
# holds no Go package); --replace points the whole module at this working
# tree.
"$TOOLS/xcaddy" build "$CADDY_VERSION" \
	--with "$MODULE/caddymodule" \
	--replace "$MODULE=$(pwd)" \
	--output "$OUTPUT"

"$OUTPUT" version
"$OUTPUT" list-modules | grep mautic
