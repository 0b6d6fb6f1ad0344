#!/usr/bin/env bash
# The demo: Caddy with caddy-mautic in front of the example SvelteKit app,
# with a simulated Mautic, on one machine, with one command.
#
#   ./scripts/demo.sh           build what is missing, start everything, run until Ctrl-C
#   ./scripts/demo.sh --check   the same, then check the whole integration with curl; exit 0 or 1
#
# It builds ./caddy (./xcaddy.sh) and bin/mautic-sim when their sources
# changed, installs and builds examples/sveltekit when needed, creates and
# migrates the database, and starts:
#   the Mautic simulator  127.0.0.1:8081 (its contact store as JSON on 127.0.0.1:8082)
#   the app               127.0.0.1:3000 (node build)
#   Caddy                 :8080 (./caddy run --config Caddyfile.example; admin API 127.0.0.1:2019)
# With MAUTIC_BASEURL set, that Mautic is used instead of the simulator;
# then MAUTIC_USERNAME and MAUTIC_PASSWORD are needed too, and
# MAUTIC_WEBHOOK_SECRET must be the secret of Mautic's webhook, whose URL is
# http://<this machine>:8080/api/webhooks/mautic.
#
# The variables of Caddyfile.example that are not set are chosen here:
# secrets are random for each run and never printed. DATABASE_URL defaults
# to mysql://root@127.0.0.1:3306/caddy_mautic_demo. The simulator forgets
# every contact when it stops, so with it the demo database keeps its users
# but not their links: mauticId is cleared at start and at exit, and users
# are linked again to contacts of the new simulator.
# Logs go to a new folder under /tmp, printed at start.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
. scripts/lib.sh

readonly SITE=http://127.0.0.1:8080
readonly APP_ADDR=127.0.0.1:3000
readonly SIM_ADDR=127.0.0.1:8081
readonly INSPECT_ADDR=127.0.0.1:8082
readonly ADMIN=http://127.0.0.1:2019
readonly DEMO_DB=caddy_mautic_demo
readonly APP_DIR=examples/sveltekit
# Mautic ignores hits from bots, curl among them.
readonly BROWSER_UA='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
	echo "demo: $*" >&2
	exit 1
}

CHECK=0
case "${1:-}" in
"") ;;
--check) CHECK=1 ;;
-h | --help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac

# ---------------------------------------------------------------- processes

# The processes this script started, by name; stopped in reverse order.
declare -A PIDS=()
STARTED=()

# start NAME CMD... runs CMD in the background with its output in
# $RUN_DIR/NAME.log. Only this script's own children are ever signalled.
start() {
	local name=$1
	shift
	# A session of its own: a Ctrl-C in the terminal reaches only this
	# script, which then stops the processes in order.
	setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
	PIDS[$name]=$!
	STARTED+=("$name")
}

alive() {
	local pid=${PIDS[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_all sends SIGTERM to every started process, newest first, and
# SIGKILL to any still running 10 s later.
stop_all() {
	local i name pid
	for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
		name=${STARTED[$i]}
		pid=${PIDS[$name]}
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "demo: $name did not stop within 10 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	STARTED=()
}

on_exit() {
	local status=$?
	trap - EXIT INT TERM HUP
	if [ ${#STARTED[@]} -gt 0 ]; then
		step "stopping"
		stop_all
	fi
	if [ "${DB_READY:-0}" = 1 ] && [ "${SIMULATED:-0}" = 1 ] && [ "${OWN_DATABASE:-0}" = 1 ]; then
		unlink_users || true
	fi
	if [ -n "${RUN_DIR:-}" ]; then echo "logs: $RUN_DIR"; fi
	exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# port_free HOST:PORT succeeds when nothing accepts connections there.
port_free() {
	! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

# ------------------------------------------------------------------ builds

# newer_than_all FILE DIR... succeeds when FILE exists and no file under the
# DIRs matching the find(1) tests after "--" is newer.
newer_than_all() {
	local file=$1
	shift
	local dirs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		dirs+=("$1")
		shift
	done
	shift
	[ -e "$file" ] || return 1
	[ -z "$(find "${dirs[@]}" \( -name node_modules -o -name .git \) -prune -o \( "$@" \) -newer "$file" -print -quit)" ]
}

build_caddy() {
	if newer_than_all ./caddy . -- -name '*.go' -o -path ./go.mod -o -path ./go.sum; then
		step "./caddy is up to date"
		return
	fi
	step "building ./caddy (./xcaddy.sh)"
	with_lock xcaddy ./xcaddy.sh
}

build_simulator() {
	step "building bin/mautic-sim"
	mkdir -p bin
	go build -o bin/mautic-sim ./mautic/mautictest/cmd/mautic-sim
}

build_app() {
	local stamp=$APP_DIR/node_modules/.package-lock.json
	if [ -e "$stamp" ] && [ "$stamp" -nt $APP_DIR/package.json ] && [ "$stamp" -nt $APP_DIR/package-lock.json ]; then
		step "the example app's packages are installed"
	else
		step "installing the example app's packages"
		# Not `npm ci`: see examples/sveltekit/README.md.
		(cd $APP_DIR && npm install --no-audit --no-fund)
		touch "$stamp"
	fi
	if newer_than_all $APP_DIR/build/index.js $APP_DIR/src $APP_DIR/messages $APP_DIR/prisma $APP_DIR/static \
		$APP_DIR/project.inlang/settings.json $APP_DIR/package.json $APP_DIR/package-lock.json \
		$APP_DIR/svelte.config.js $APP_DIR/vite.config.js $APP_DIR/prisma.config.mjs "$stamp" \
		-- -type f ! -path '*/generated/*' ! -path '*/paraglide/*'; then
		step "the example app's build is up to date"
		return
	fi
	step "building the example app"
	(cd $APP_DIR && npm run build)
}

# ----------------------------------------------------------- configuration

# GENERATED holds the secrets this script chose, to check that no log
# shows them.
GENERATED=()

# new_secret NAME sets the variable NAME to a random secret unless it has a
# value already.
new_secret() {
	if [ -n "${!1:-}" ]; then return; fi
	printf -v "$1" '%s' "$(openssl rand -hex 32)"
	GENERATED+=("${!1}")
}

# configure sets the seven variables of Caddyfile.example, choosing what
# was not given.
configure() {
	if [ -n "${MAUTIC_BASEURL:-}" ]; then
		SIMULATED=0
		if [ -z "${MAUTIC_USERNAME:-}" ] || [ -z "${MAUTIC_PASSWORD:-}" ]; then
			die "MAUTIC_BASEURL is set: set MAUTIC_USERNAME and MAUTIC_PASSWORD to a Mautic user with API access too"
		fi
		if [ -z "${MAUTIC_WEBHOOK_SECRET:-}" ]; then
			echo "demo: MAUTIC_WEBHOOK_SECRET is not set: webhooks from Mautic will be refused (set it to the secret of Mautic's webhook)" >&2
			new_secret MAUTIC_WEBHOOK_SECRET
		fi
	else
		SIMULATED=1
		MAUTIC_BASEURL=http://$SIM_ADDR
		MAUTIC_USERNAME=demo
		MAUTIC_PASSWORD=
		new_secret MAUTIC_PASSWORD
		new_secret MAUTIC_WEBHOOK_SECRET
	fi
	PUBLIC_MAUTIC_URL=${PUBLIC_MAUTIC_URL:-$MAUTIC_BASEURL}
	new_secret BETTER_AUTH_SECRET
	OWN_DATABASE=0
	if [ -z "${DATABASE_URL:-}" ]; then
		OWN_DATABASE=1
		DATABASE_URL=mysql://root@127.0.0.1:3306/$DEMO_DB
	elif [ "$SIMULATED" = 1 ]; then
		echo "demo: DATABASE_URL is set: users of that database get contacts of the simulator, which forgets them when it stops" >&2
	fi
	export MAUTIC_BASEURL MAUTIC_USERNAME MAUTIC_PASSWORD PUBLIC_MAUTIC_URL \
		BETTER_AUTH_SECRET DATABASE_URL MAUTIC_WEBHOOK_SECRET
	# The app's own parser, so that the script reads the database the app uses.
	IFS=$'\t' read -r DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME < <(
		cd $APP_DIR && node --input-type=module -e '
			import { parseDatabaseURL } from "./src/lib/server/database-url.js";
			const d = parseDatabaseURL(process.env.DATABASE_URL);
			console.log([d.host, d.port, d.user, d.password || "-", d.database].join("\t"));'
	) || die "DATABASE_URL does not parse"
	[ "$DB_PASSWORD" = - ] && DB_PASSWORD=
}

# sql runs SQL statements in the app's database.
sql() {
	MYSQL_PWD=$DB_PASSWORD mysql -h"$DB_HOST" -P"$DB_PORT" -u"$DB_USER" -N -B "$DB_NAME" -e "$1"
}

prepare_database() {
	step "creating and migrating the database $DB_NAME"
	(cd $APP_DIR && npm run --silent db:apply)
	DB_READY=1
	if [ "$SIMULATED" = 1 ] && [ "$OWN_DATABASE" = 1 ]; then
		unlink_users
	fi
}

# unlink_users clears every mauticId of the demo database: with the
# simulator, the contacts they name are gone (or not made yet), and a stale
# id would link a user to someone else's contact. Users are linked again
# when they come back.
unlink_users() {
	local n
	# shellcheck disable=SC2016 # backquotes quote the table name for MariaDB
	n=$(sql 'UPDATE `user` SET mauticId = NULL WHERE mauticId IS NOT NULL; SELECT ROW_COUNT()')
	if [ "$n" != 0 ]; then echo "demo: unlinked $n users of $DB_NAME from the simulator's contacts"; fi
}

# ------------------------------------------------------------------ start

check_ports() {
	local addrs=(127.0.0.1:8080 "$APP_ADDR" 127.0.0.1:2019)
	if [ "$SIMULATED" = 1 ]; then addrs+=("$SIM_ADDR" "$INSPECT_ADDR"); fi
	for a in "${addrs[@]}"; do
		port_free "$a" || die "$a is in use (a demo still running?): stop what listens there first"
	done
}

# up NAME URL succeeds when URL answers 2xx; it ends the script when the
# process NAME has exited.
up() {
	alive "$1" || die "$1 exited; its log: $RUN_DIR/$1.log"$'\n'"$(tail -n 20 "$RUN_DIR/$1.log")"
	curl -fsS -o /dev/null --max-time 2 "$2" 2>/dev/null
}
simulator_up() { up mautic-sim "http://$SIM_ADDR/mtc.js" && up mautic-sim "http://$INSPECT_ADDR/contacts"; }
app_up() { up app "http://$APP_ADDR/api/health"; }
caddy_up() { up caddy "$SITE/api/health" && up caddy "$ADMIN/config/"; }

start_simulator() {
	step "starting the Mautic simulator on $SIM_ADDR"
	MAUTIC_SIM_PASSWORD=$MAUTIC_PASSWORD MAUTIC_SIM_WEBHOOK_SECRET=$MAUTIC_WEBHOOK_SECRET \
		start mautic-sim bin/mautic-sim -addr "$SIM_ADDR" -inspect "$INSPECT_ADDR" \
		-user "$MAUTIC_USERNAME" -webhook-url "$SITE/api/webhooks/mautic"
	wait_for "the Mautic simulator" simulator_up
}

start_app() {
	step "starting the example app on $APP_ADDR"
	start app env -C "$APP_DIR" NODE_ENV=production HOST="${APP_ADDR%:*}" PORT="${APP_ADDR##*:}" \
		BETTER_AUTH_URL="$SITE" ORIGIN="$SITE" node build
	wait_for "the example app" app_up
}

start_caddy() {
	step "starting Caddy on :8080"
	if [ "$SIMULATED" = 1 ]; then
		# The simulator's contacts die with it, so do the webhook events
		# Caddy keeps in its data folder.
		start caddy env XDG_DATA_HOME="$RUN_DIR/caddy-data" XDG_CONFIG_HOME="$RUN_DIR/caddy-config" \
			./caddy run --config Caddyfile.example
	else
		start caddy ./caddy run --config Caddyfile.example
	fi
	wait_for "Caddy" caddy_up
}

print_urls() {
	cat <<EOF

caddy-mautic demo is running:
  the site            $SITE/
  sign up             $SITE/signup
  your account        $SITE/account   (shows mauticId, read from the database)
EOF
	if [ "$SIMULATED" = 1 ]; then
		cat <<EOF
  Mautic's contacts   http://$INSPECT_ADDR/contacts   (the simulator's store; calls: /calls)
EOF
	else
		echo "  Mautic              $MAUTIC_BASEURL"
	fi
	cat <<EOF
  health              $ADMIN/mautic/health
logs: $RUN_DIR
EOF
}

# ------------------------------------------------------------------ check

FAILED=0
pass() { printf '  ok    %s\n' "$*"; }
fail() {
	printf '  FAIL  %s\n' "$*" >&2
	FAILED=1
}

# json EXPR evaluates a JavaScript expression over the JSON on stdin (as x).
json() {
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const x=JSON.parse(s);const v=('"$1"');process.stdout.write(v===undefined||v===null?"":typeof v==="object"?JSON.stringify(v):String(v))})'
}

# poll SECONDS CMD... retries CMD every 200 ms until it succeeds.
poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# contacts_with_email EMAIL prints the ids of Mautic's contacts with EMAIL,
# one a line, oldest first.
contacts_with_email() {
	if [ "$SIMULATED" = 1 ]; then
		curl -fsS "http://$INSPECT_ADDR/contacts" |
			json "x.filter(c => (c.Fields.email||'').toLowerCase() === '$1').map(c => c.ID).sort((a,b)=>a-b).join('\n')"
	else
		curl -fsS -u "$MAUTIC_USERNAME:$MAUTIC_PASSWORD" -G "$MAUTIC_BASEURL/api/contacts" \
			--data-urlencode 'where[0][col]=email' --data-urlencode 'where[0][expr]=eq' \
			--data-urlencode "where[0][val]=$1" --data-urlencode 'orderBy=id' |
			json "Object.keys(x.contacts||{}).map(Number).sort((a,b)=>a-b).join('\n')"
	fi
}

# contact_json ID prints what Mautic knows of a contact: {email, hits}.
contact_json() {
	if [ "$SIMULATED" = 1 ]; then
		curl -fsS "http://$INSPECT_ADDR/contacts" |
			json "(c => c && { email: c.Fields.email || '', hits: c.Hits })(x.find(c => c.ID === $1))"
	else
		curl -fsS -u "$MAUTIC_USERNAME:$MAUTIC_PASSWORD" "$MAUTIC_BASEURL/api/contacts/$1" |
			json "({ email: x.contact.fields.all.email || '', hits: null })"
	fi
}

db_mautic_id() {
	sql "SELECT IFNULL(mauticId, '') FROM \`user\` WHERE email = '$1'"
}

# cookie JAR NAME prints a cookie's value from a curl cookie jar.
cookie() {
	awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"
}

# set_cookie_value HEADERS NAME prints the values a response's Set-Cookie
# headers give the cookie NAME, one a line.
set_cookie_value() {
	tr -d '\r' <"$1" | awk -v n="$2" 'tolower($1) == "set-cookie:" && index($2, n "=") == 1 { sub("^" n "=", "", $2); sub(";.*", "", $2); print $2 }'
}

is_id() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

run_check() {
	step "checking the integration end to end"
	local d=$RUN_DIR/check jar email body id contact ids mid
	mkdir -p "$d"
	jar=$d/cookies.txt
	email="demo-check-$(date +%s)-$RANDOM@example.com"
	local get=(curl -sS --max-time 10 -A "$BROWSER_UA" -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8')

	# 1. The loader in HTML pages, pointing at the site's own prefix,
	# root-relative (no request header ever reaches the URL).
	body=$("${get[@]}" "$SITE/")
	if [ "$(grep -o MauticTrackingObject <<<"$body" | wc -l)" = 1 ] && grep -q '"/mtc-proxy/mtc.js"' <<<"$body"; then
		pass "the home page has one loader, for /mtc-proxy/mtc.js"
	else
		fail "the home page has no loader for /mtc-proxy/mtc.js (or more than one)"
	fi

	# 2. JSON is left alone.
	body=$("${get[@]}" -D "$d/health.h" "$SITE/api/health")
	if [ "$body" = '{"ok":true}' ] && grep -qi '^content-type: application/json' "$d/health.h"; then
		pass "/api/health is JSON without the loader"
	else
		fail "/api/health answered: $body"
	fi

	# 3. mtc.js through the prefix, its endpoints rewritten.
	body=$("${get[@]}" -D "$d/mtcjs.h" "$SITE/mtc-proxy/mtc.js")
	# Only the tracking routes move to the prefix; dynamic content and forms
	# stay with Mautic.
	if head -n 1 "$d/mtcjs.h" | grep -q ' 200' && grep -q "'/mtc-proxy/mtc/event'" <<<"$body" &&
		! grep -q "//${MAUTIC_BASEURL#*://}/mtc/event" <<<"$body"; then
		pass "/mtc-proxy/mtc.js is served, sending tracking to /mtc-proxy"
	else
		fail "/mtc-proxy/mtc.js is missing or still sends tracking to Mautic's own host (headers in $d/mtcjs.h)"
	fi

	# 4. An anonymous tracking hit through the prefix.
	body=$(curl -sS --max-time 10 -A "$BROWSER_UA" -c "$jar" -b "$jar" -D "$d/hit.h" \
		-H 'X-Requested-With: XMLHttpRequest' -H "Referer: $SITE/" \
		--data-urlencode "page_url=$SITE/" --data-urlencode 'page_title=Welcome' \
		--data-urlencode 'counter=0' "$SITE/mtc-proxy/mtc/event")
	id=$(cookie "$jar" mtc_id)
	if is_id "$id" && [ -n "$(cookie "$jar" mautic_device_id)" ]; then
		pass "a tracking hit set mtc_id=$id and mautic_device_id"
	else
		fail "a tracking hit set no mtc_id/mautic_device_id cookies: $body"
		return
	fi
	contact=$(contact_json "$id")
	if [ "$SIMULATED" = 1 ]; then
		if [ -n "$contact" ] && [ "$(json 'x.email' <<<"$contact")" = "" ] && [ "$(json 'x.hits' <<<"$contact")" -ge 1 ]; then
			pass "Mautic holds anonymous contact $id with the hit"
		else
			fail "Mautic has no anonymous contact $id with a hit: $contact"
		fi
	elif [ -n "$contact" ]; then
		pass "Mautic holds contact $id"
	else
		fail "Mautic has no contact $id"
	fi

	# 5. Sign-up through Caddy, then a page view with that session.
	body=$(curl -sS --max-time 10 -A "$BROWSER_UA" -c "$jar" -b "$jar" -H "Origin: $SITE" \
		-H 'Content-Type: application/json' \
		--data "{\"name\":\"Demo Check\",\"email\":\"$email\",\"password\":\"demo-check-$RANDOM-$RANDOM\"}" \
		"$SITE/api/auth/sign-up/email")
	if [ -n "$(cookie "$jar" better-auth.session_token)" ]; then
		pass "signed up $email through Caddy"
	else
		fail "sign-up failed: $body"
		return
	fi
	CHECK_EMAIL=$email
	"${get[@]}" -o /dev/null -c "$jar" -b "$jar" "$SITE/account"
	if poll 15 contact_is_single "$email"; then
		ids=$(contacts_with_email "$email")
		pass "Mautic has exactly one contact with $email: $ids"
	else
		fail "Mautic has not exactly one contact with $email after 15 s: [$(contacts_with_email "$email" | tr '\n' ' ')]"
		return
	fi
	CHECK_CONTACTS="$id $ids"
	if [ "$ids" = "$id" ]; then
		pass "it is the anonymous contact $id: the visitor's history became the user's"
	else
		fail "it is contact $ids, not the browser's anonymous contact $id (rule 3 of the linking rules)"
	fi
	if poll 10 db_has_mautic_id "$email" "$ids"; then
		pass "the user's row holds mauticId $ids"
	else
		fail "the user's row holds mauticId '$(db_mautic_id "$email")', not $ids"
	fi

	# 6. A signed-in page view from a browser whose mtc_id names another
	#    contact gets mtc_id set to the user's.
	grep -v $'\tmtc_id\t' "$jar" >"$d/other.txt"
	printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tmtc_id\t999999\n' >>"$d/other.txt"
	"${get[@]}" -o /dev/null -D "$d/page.h" -b "$d/other.txt" "$SITE/"
	mid=$(set_cookie_value "$d/page.h" mtc_id)
	if [ "$mid" = "$ids" ]; then
		pass "a signed-in page view sets mtc_id=$mid"
	else
		fail "a signed-in page view set mtc_id to '$mid', not $ids (headers in $d/page.h)"
	fi

	# 7. The health route on the admin API.
	body=$(curl -sS --max-time 10 "$ADMIN/mautic/health")
	if [ "$(json 'x.ok' <<<"$body")" = true ]; then
		pass "$ADMIN/mautic/health says ok"
	else
		fail "$ADMIN/mautic/health: $body"
	fi

	# 8. No secret this script chose in any log (given ones may be common words).
	local s leaked=0
	for s in "${GENERATED[@]}"; do
		if grep -qF -- "$s" "$RUN_DIR"/*.log; then leaked=1; fi
	done
	if [ $leaked = 0 ]; then pass "none of the ${#GENERATED[@]} generated secrets appears in the logs"; else fail "a secret appears in $RUN_DIR/*.log"; fi
}

contact_is_single() { [ "$(contacts_with_email "$1" | grep -c .)" = 1 ]; }
db_has_mautic_id() { [ "$(db_mautic_id "$1")" = "$2" ]; }

# forget_check removes the check's user from the database and, from a real
# Mautic, its contacts. The user goes first, so that Mautic's delete webhook
# finds no one to provision again.
forget_check() {
	[ -n "${CHECK_EMAIL:-}" ] || return 0
	sql "DELETE s FROM \`session\` s JOIN \`user\` u ON u.id = s.userId WHERE u.email = '$CHECK_EMAIL';
		DELETE a FROM \`account\` a JOIN \`user\` u ON u.id = a.userId WHERE u.email = '$CHECK_EMAIL';
		DELETE FROM \`user\` WHERE email = '$CHECK_EMAIL'" || echo "demo: could not remove the check's user $CHECK_EMAIL" >&2
	[ "$SIMULATED" = 0 ] || return 0
	local c
	for c in $(tr ' ' '\n' <<<"${CHECK_CONTACTS:-}" | sort -u); do
		curl -fsS -o /dev/null -u "$MAUTIC_USERNAME:$MAUTIC_PASSWORD" -X DELETE "$MAUTIC_BASEURL/api/contacts/$c/delete" ||
			echo "demo: could not delete the check's contact $c from Mautic" >&2
	done
}

# ------------------------------------------------------------------- main

main() {
	local tool
	for tool in go node npm mysql curl openssl setsid; do
		command -v $tool >/dev/null || die "$tool is missing: install it (Go as go.mod says, Node.js 20 with npm, the MariaDB client, curl, openssl, util-linux)"
	done
	configure
	RUN_DIR=$(mktemp -d /tmp/caddy-mautic-demo.XXXXXX)
	echo "logs: $RUN_DIR"
	case $DB_HOST in 127.0.0.1 | localhost) ensure_mariadb ;; esac
	build_caddy
	if [ "$SIMULATED" = 1 ]; then build_simulator; fi
	build_app
	check_ports
	prepare_database
	if [ "$SIMULATED" = 1 ]; then start_simulator; fi
	start_app
	start_caddy
	print_urls

	if [ $CHECK = 1 ]; then
		run_check
		forget_check
		if [ $FAILED = 0 ]; then
			step "check passed"
			exit 0
		fi
		step "check FAILED"
		exit 1
	fi

	echo
	echo "Press Ctrl-C to stop."
	local status=0
	wait -n "${PIDS[@]}" || status=$?
	for name in "${STARTED[@]}"; do
		alive "$name" || die "$name exited ($status); its log: $RUN_DIR/$name.log"
	done
}

main
