# Shared helpers for the scripts in this folder. Source it; do not run it.

step() { printf '\n==> %s\n' "$*"; }

# require_tools NAME... stops with one line naming every missing command:
# the tools a fresh machine needs before the scripts can install the rest.
require_tools() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "missing: ${missing[*]}: install Go (as go.mod says), Node.js 20.19+ with npm, git, curl, MariaDB and PostgreSQL (server and client) first" >&2
		return 1
	fi
}

# with_lock NAME CMD... runs CMD, holding flock on $CADDY_MAUTIC_LOCKS/NAME.lock
# when CADDY_MAUTIC_LOCKS names a folder: several checkouts on one machine
# then take turns for what cannot run twice at once (the caddymodule tests
# bind the fixed admin address localhost:2999) or should not (Caddy builds).
with_lock() {
	local name=$1
	shift
	if [ -n "${CADDY_MAUTIC_LOCKS:-}" ]; then
		flock "$CADDY_MAUTIC_LOCKS/$name.lock" "$@"
	else
		"$@"
	fi
}

# ensure_mariadb starts the local MariaDB server when nothing answers on
# 127.0.0.1:3306, and waits until it accepts root logins.
ensure_mariadb() {
	if mariadb_ok; then return 0; fi
	step "starting MariaDB"
	if [ ! -x /usr/sbin/mariadbd ]; then
		echo "MariaDB is not running and /usr/sbin/mariadbd is missing: install mariadb-server" >&2
		return 1
	fi
	start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
	wait_for "MariaDB on 127.0.0.1:3306" mariadb_ok
}

mariadb_ok() {
	mysql -uroot -h127.0.0.1 -P3306 -e 'SELECT 1' >/dev/null 2>&1
}

# ensure_postgres starts the local PostgreSQL cluster when it is down. The
# userdb tests run on PostgreSQL too.
ensure_postgres() {
	if postgres_ok; then return 0; fi
	step "starting PostgreSQL"
	if ! command -v pg_ctlcluster >/dev/null 2>&1; then
		echo "PostgreSQL is not running and pg_ctlcluster is missing: install postgresql" >&2
		return 1
	fi
	pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
	wait_for "PostgreSQL on 127.0.0.1:5432" postgres_ok
}

postgres_ok() {
	psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1
}

# ensure_chromium installs Debian's Chromium for the browser tests; npm's
# browser downloads cannot reach their hosts from this network.
ensure_chromium() {
	if [ -x /usr/bin/chromium ]; then return 0; fi
	step "installing Chromium"
	export DEBIAN_FRONTEND=noninteractive
	# Wait for another apt or dpkg run to finish instead of failing at once.
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
}

# wait_for polls a check for up to 30 s.
wait_for() {
	local what=$1 check=$2
	for _ in $(seq 1 60); do
		if "$check"; then return 0; fi
		sleep 0.5
	done
	echo "$what did not come up within 30 s" >&2
	return 1
}
