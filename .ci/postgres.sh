#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback for the store/pgstore tests and
# prints the one line that points the tests at it:
#
#	eval "$(.ci/postgres.sh)"
#	go test -race ./store/...
#
# It installs PostgreSQL with apt-get when no server binaries are found
# (Debian/Ubuntu), starts a server on 127.0.0.1:${QPAY_PG_PORT:-5432}, creates
# the role qpay (password qpay) and the database qpay_test, and waits until
# the server accepts connections. Running it again is harmless: what already
# exists is reused. Everything but the export line goes to stderr, so the
# eval above sees nothing else.
#
# It needs root for apt-get and for Debian's cluster tools; as another user
# it runs those through sudo. Where apt-get is not available (macOS), any
# PostgreSQL will do, e.g.
#
#	docker run -d -p 127.0.0.1:5432:5432 -e POSTGRES_USER=qpay \
#	  -e POSTGRES_PASSWORD=qpay -e POSTGRES_DB=qpay_test postgres:16
#	export QPAY_TEST_DATABASE_URL='postgres://qpay:qpay@127.0.0.1:5432/qpay_test?sslmode=disable'
set -euo pipefail

host=127.0.0.1
port=${QPAY_PG_PORT:-5432}
user=qpay
password=qpay
database=qpay_test
url="postgres://$user:$password@$host:$port/$database?sslmode=disable"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# as_root and as_postgres keep stdout clean: every command's output goes to
# stderr unless the caller captures it.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -u postgres "$@"
	fi
}

# bindir finds the newest installed server's binaries (Debian keeps them
# out of PATH, under /usr/lib/postgresql/<version>/bin).
bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/postgres" ]; then
		echo "$d"
		return
	fi
	if command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
		dirname "$(command -v pg_ctl)"
	fi
}

ready() { "$bin/pg_isready" -q -h "$host" -p "$port" -t 2 >/dev/null 2>&1; }

wait_ready() {
	local i
	for i in $(seq 1 60); do
		if ready; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

bin=$(bindir)
if [ -z "$bin" ]; then
	command -v apt-get >/dev/null || die "no PostgreSQL found and no apt-get to install it; see the docker command at the top of this script"
	log "installing PostgreSQL with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >&2
	as_root apt-get install -y -qq postgresql >&2
	bin=$(bindir)
	[ -n "$bin" ] || die "apt-get installed postgresql but no server binaries were found"
fi
log "server binaries in $bin"

if ready; then
	log "a server already accepts connections on $host:$port"
fi

if command -v pg_lsclusters >/dev/null && command -v pg_ctlcluster >/dev/null; then
	# Debian's cluster tools: use (or create) the cluster configured for
	# this port. Its default configuration listens on localhost only.
	mode=debian
	version=$(basename "$(dirname "$bin")")
	cluster=$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p { print $1 " " $2; exit }')
	if [ -z "$cluster" ]; then
		log "creating cluster $version/qpay on port $port"
		as_root pg_createcluster "$version" qpay --port "$port" >&2
		cluster="$version qpay"
	fi
	if ! ready; then
		log "starting cluster $cluster"
		# shellcheck disable=SC2086 # "version name" splits on purpose
		as_root pg_ctlcluster $cluster start >&2 || true
	fi
	socket=/var/run/postgresql
else
	# Any other installation: a private cluster in a directory of ours,
	# listening on loopback only, with its socket next to its data.
	mode=private
	dir=${QPAY_PG_DIR:-${TMPDIR:-/tmp}/qpay-postgres}
	socket=$dir/socket
	run=()
	if [ "$(id -u)" -eq 0 ]; then
		# The server refuses to run as root.
		run=(runuser -u postgres --)
		mkdir -p "$dir"
		chown postgres: "$dir"
	fi
	"${run[@]}" mkdir -p "$dir/socket"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		log "initializing a cluster in $dir/data"
		"${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >&2
	fi
	if ! ready; then
		log "starting the cluster in $dir/data"
		"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
			-o "-c listen_addresses=$host -p $port -c unix_socket_directories=$socket" start >&2
	fi
fi

wait_ready || die "the server on $host:$port did not accept connections within 30s"

# superuser_psql runs SQL as the server's superuser over the Unix socket, so
# no superuser password is ever needed.
superuser_psql() {
	if [ "$mode" = debian ]; then
		as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$port" -d postgres "$@"
	else
		"${run[@]}" psql -X -q -v ON_ERROR_STOP=1 -U postgres -h "$socket" -p "$port" -d postgres "$@"
	fi
}

log "ensuring role $user and database $database"
superuser_psql >&2 <<SQL
DO \$\$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
		CREATE ROLE $user LOGIN PASSWORD '$password';
	ELSE
		ALTER ROLE $user LOGIN PASSWORD '$password';
	END IF;
END
\$\$;
SQL
if [ "$(superuser_psql -tA -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
	superuser_psql -c "CREATE DATABASE $database OWNER $user" >&2
fi

# Prove the URL works with a password over TCP, as the tests will use it.
PGPASSWORD=$password psql -X -q -tA -h "$host" -p "$port" -U "$user" -d "$database" -c 'SELECT 1' >/dev/null ||
	die "connecting as $user to $database on $host:$port failed"

log "ready: $url"
printf "export QPAY_TEST_DATABASE_URL='%s'\n" "$url"
