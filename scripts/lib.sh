# Shared helpers for the scripts in this folder. Source it; do not run it.

step() { printf '\n==> %s\n' "$*"; }

# ensure_mariadb starts the local MariaDB server when nothing answers on
# 127.0.0.1:3306, and waits until it accepts root logins.
ensure_mariadb() {
	if mariadb_ok; then return 0; fi
	step "starting MariaDB"
	if [ -x /usr/sbin/mariadbd ]; then
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
	else
		echo "MariaDB is not running and /usr/sbin/mariadbd is missing: install mariadb-server" >&2
		return 1
	fi
	for _ in $(seq 1 60); do
		if mariadb_ok; then return 0; fi
		sleep 0.5
	done
	echo "MariaDB did not come up on 127.0.0.1:3306 within 30 s" >&2
	return 1
}

mariadb_ok() {
	mysql -uroot -h127.0.0.1 -P3306 -e 'SELECT 1' >/dev/null 2>&1
}
