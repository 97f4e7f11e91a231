#!/bin/sh
# pg-cluster.sh — private, throwaway PostgreSQL clusters for the tests.
#
#   scripts/pg-cluster.sh start DIR PORT          make a cluster in DIR, start it on
#                                                 127.0.0.1:PORT, create database trygg
#   scripts/pg-cluster.sh createdb DIR PORT NAME  create one more database NAME
#   scripts/pg-cluster.sh stop DIR                stop the cluster and remove DIR
#
# start and createdb print the database URL (postgresql://trygg@127.0.0.1:PORT/NAME)
# on stdout and nothing else; progress and errors go to stderr.
#
# The cluster uses the newest server under /usr/lib/postgresql/*/bin, trusts
# every connection (it listens only on 127.0.0.1 and on a socket inside DIR)
# and keeps fsync on: the crash tests need commits to be really durable.
# Its superuser is the role trygg. initdb refuses to run as root, so as root
# the server tools run as the postgres system user, which then owns DIR.
set -eu

ROLE=trygg
MARKER=.trygg-pg-cluster

die() {
	echo "pg-cluster: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 start DIR PORT | createdb DIR PORT NAME | stop DIR" >&2
	exit 2
}

# The bin folder of the newest PostgreSQL server installed.
find_bindir() {
	# shellcheck disable=SC2012 # the names are version numbers
	dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -n 1)
	if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
		die "no PostgreSQL server found under /usr/lib/postgresql (install the postgresql package: make deps)"
	fi
	echo "$dir"
}

# Runs a server tool, as the postgres user when we are root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

check_port() {
	case $1 in
	'' | *[!0-9]*) die "PORT must be a number, not '$1'" ;;
	esac
	if [ "$1" -lt 1024 ] || [ "$1" -gt 65535 ]; then
		die "PORT must be between 1024 and 65535"
	fi
}

# Makes DIR absolute; it must exist.
absolute() {
	(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
}

# Waits until the server answers on 127.0.0.1:PORT.
wait_ready() {
	tries=0
	until as_owner "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$2" -U "$ROLE" -d postgres; do
		tries=$((tries + 1))
		if [ "$tries" -ge 60 ]; then
			tail -n 20 "$1/postgres.log" >&2 2>/dev/null || true
			die "the server in $1 did not become ready on port $2 within 30 s (log above: $1/postgres.log)"
		fi
		sleep 0.5
	done
}

create_database() {
	case $3 in
	[a-z_]*) ;;
	*) die "database name must start with a lower-case letter or _: '$3'" ;;
	esac
	case $3 in
	*[!a-z0-9_]*) die "database name may hold only a-z, 0-9 and _: '$3'" ;;
	esac
	as_owner "$BINDIR/createdb" -h 127.0.0.1 -p "$2" -U "$ROLE" -O "$ROLE" "$3" ||
		die "cannot create database $3 in the cluster in $1 on port $2"
	echo "postgresql://$ROLE@127.0.0.1:$2/$3"
}

cmd_start() {
	dir=$1 port=$2
	check_port "$port"
	if [ -e "$dir/$MARKER" ]; then
		die "$dir already holds a cluster; run: $0 stop $dir"
	fi
	if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		die "$dir exists and is not empty"
	fi
	mkdir -p "$dir"
	dir=$(absolute "$dir")
	if [ "$(id -u)" = 0 ]; then
		getent passwd postgres >/dev/null ||
			die "running as root needs the postgres system user (install the postgresql package: make deps)"
		chown postgres: "$dir"
	fi
	chmod 700 "$dir"
	touch "$dir/$MARKER"
	as_owner test -w "$dir" ||
		die "the postgres user cannot write to $dir; choose a folder it can reach, e.g. under /tmp"
	# The tools complain when they cannot read the current directory (/root).
	cd "$dir"

	echo "pg-cluster: initdb in $dir (PostgreSQL $(basename "$(dirname "$BINDIR")"))" >&2
	as_owner "$BINDIR/initdb" -D "$dir/data" -U "$ROLE" -E UTF8 --locale=C.UTF-8 \
		--auth=trust >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		die "initdb failed in $dir"
	}
	cat >>"$dir/data/postgresql.conf" <<EOF

# Added by scripts/pg-cluster.sh: a private test cluster.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
logging_collector = off
EOF
	cat >"$dir/data/pg_hba.conf" <<EOF
# Added by scripts/pg-cluster.sh: trust, but only on loopback and the private socket.
local all all               trust
host  all all 127.0.0.1/32  trust
EOF
	as_owner "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null || {
		tail -n 20 "$dir/postgres.log" >&2 2>/dev/null || true
		die "the server in $dir did not start on port $port (is the port in use?)"
	}
	wait_ready "$dir" "$port"
	create_database "$dir" "$port" trygg
}

cmd_createdb() {
	dir=$(absolute "$1")
	check_port "$2"
	[ -e "$dir/$MARKER" ] || die "$dir holds no cluster made by $0"
	cd "$dir"
	wait_ready "$dir" "$2"
	create_database "$dir" "$2" "$3"
}

cmd_stop() {
	[ -d "$1" ] || return 0 # nothing to stop: fine for cleanup traps
	dir=$(absolute "$1")
	[ -e "$dir/$MARKER" ] || die "$dir holds no cluster made by $0; not removing it"
	cd "$dir"
	if as_owner "$BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
			die "cannot stop the server in $dir (see $dir/postgres.log)"
	fi
	cd /
	rm -rf "$dir"
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
start)
	[ $# -eq 2 ] || usage
	BINDIR=$(find_bindir)
	cmd_start "$1" "$2"
	;;
createdb)
	[ $# -eq 3 ] || usage
	BINDIR=$(find_bindir)
	cmd_createdb "$1" "$2" "$3"
	;;
stop)
	[ $# -eq 1 ] || usage
	BINDIR=$(find_bindir)
	cmd_stop "$1"
	;;
*)
	usage
	;;
esac
