#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for `make test`, on loopback, in a temp folder.
#   scripts/testenv.sh up        start them; print `export` lines for the tests (progress on stderr)
#   scripts/testenv.sh down DIR  stop them and remove DIR (safe to repeat; DIR defaults to
#                                $VENDGATE_TESTENV_DIR)
# A variable the developer already exported (VENDGATE_TEST_DATABASE_URL, VENDGATE_TEST_REDIS_ADDR)
# is printed back and that server is not started. Missing servers are installed from Debian's
# packages when running as root. Ports: 55432 and 56379, or the next free ones. The PostgreSQL
# settings (fsync off and friends) trade durability for speed: tests only, never benchmarks.
set -euo pipefail

TIMEOUT=${VENDGATE_TESTENV_TIMEOUT:-30} # seconds each server gets to answer
PORT_TRIES=20                          # ports tried past the preferred one, when a start loses a race

log() { echo "testenv: $*" >&2; }
die() { log "$*"; exit 1; }

# listening PORT: true when something accepts connections on 127.0.0.1:PORT.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port FROM: the first port from FROM on that nothing listens on.
free_port() {
	local p=$1 last=$(($1 + 200))
	while listening "$p"; do
		p=$((p + 1))
		[ "$p" -le "$last" ] || die "no free port in $1-$last on 127.0.0.1"
	done
	echo "$p"
}

# as_pg CMD...: PostgreSQL refuses to run as root, so root runs its tools as the postgres user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# redis_pid PORT: the process id of the Redis answering on 127.0.0.1:PORT, if any.
redis_pid() {
	local info
	info=$(redis-cli -p "$1" info server 2>/dev/null | tr -d '\r') || true
	sed -n 's/^process_id://p' <<<"$info"
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# ensure_packages NEED_PG NEED_REDIS: install what is missing (root), or say what to install.
ensure_packages() {
	local need_pg=$1 need_redis=$2 missing=() pgbin
	if [ "$need_pg" = 1 ]; then
		pgbin=$(pg_bindir)
		if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/psql" ] || [ ! -x "$pgbin/pg_isready" ]; then
			missing+=(postgresql)
		fi
	fi
	if [ "$need_redis" = 1 ]; then
		command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		die "missing ${missing[*]}: install it (Debian/Ubuntu: sudo apt-get install ${missing[*]}), or export" \
			"VENDGATE_TEST_DATABASE_URL / VENDGATE_TEST_REDIS_ADDR to use servers of your own"
	fi
	command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them by hand"
	log "installing ${missing[*]} from Debian's packages (once; takes a minute)"
	# The packages' scripts would start system-wide servers (5432, 6379) where an init system
	# exists; a policy-rc.d that says no keeps the machine as it was. Only ours is removed.
	local policy=/usr/sbin/policy-rc.d ours=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
	fi
	local rc=0
	{
		apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	} </dev/null >&2 || rc=$?
	[ "$ours" = 1 ] && rm -f "$policy"
	[ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing ${missing[*]}"
	if [ "$need_pg" = 1 ] && [ ! -x "$(pg_bindir)/initdb" ]; then
		die "postgresql installed but no initdb in /usr/lib/postgresql/*/bin"
	fi
	if [ "$need_redis" = 1 ] && ! command -v redis-server >/dev/null 2>&1; then
		die "redis-server installed but not on PATH ($PATH)"
	fi
}

# start_postgres DIR: initdb in DIR/pg, start on a free port, create database vendgate;
# prints the port.
start_postgres() {
	local dir=$1 pgbin data port try
	pgbin=$(pg_bindir)
	data="$dir/pg"
	mkdir -m 700 "$data"
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres user (the postgresql package creates it)"
		chown postgres:postgres "$data"
	fi
	echo "$pgbin" >"$dir/pgbin"
	log "initdb ($pgbin)"
	as_pg "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	port=55432
	for try in $(seq 0 "$PORT_TRIES"); do
		port=$(free_port "$port")
		rm -f "$data/server.log" # judge each attempt by its own log
		# pg_ctl -w waits for this postmaster (its own postmaster.pid) to accept connections,
		# so a port taken meanwhile by someone else shows as a failed start, not a false success.
		if as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t "$TIMEOUT" -o "-c listen_addresses=127.0.0.1 \
-p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >"$dir/pg_ctl.log" 2>&1; then
			break
		fi
		if grep -qE 'could not bind|Address already in use|could not create any TCP/IP sockets' "$data/server.log" 2>/dev/null &&
			[ "$try" -lt "$PORT_TRIES" ]; then
			log "port $port was taken meanwhile; trying the next one"
			port=$((port + 1))
			continue
		fi
		cat "$dir/pg_ctl.log" "$data/server.log" >&2 2>/dev/null || true
		die "PostgreSQL did not start"
	done
	echo "$port" >"$dir/pg.port"
	"$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" -t "$TIMEOUT" ||
		{ cat "$data/server.log" >&2; die "PostgreSQL on 127.0.0.1:$port does not answer after ${TIMEOUT}s"; }
	"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=postgres" \
		-c "CREATE DATABASE vendgate" </dev/null >&2 ||
		{ cat "$data/server.log" >&2; die "could not create database vendgate"; }
	echo "$port"
}

# start_redis DIR: a Redis without persistence on a free port; prints the port.
start_redis() {
	local dir=$1 port=56379 try pid i
	for try in $(seq 0 "$PORT_TRIES"); do
		port=$(free_port "$port")
		rm -f "$dir/redis.pid" "$dir/redis.log"
		echo "$port" >"$dir/redis.port"
		redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
			--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" </dev/null >&2 ||
			{ cat "$dir/redis.log" >&2 2>/dev/null || true; die "redis-server did not start"; }
		# Ready when the server answering on the port is this one: Redis writes its pid file after
		# binding, and another Redis that won a race for the port would report another pid.
		for ((i = 0; i < TIMEOUT * 10; i++)); do
			pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
			if [ -n "$pid" ] && [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] &&
				[ "$(redis_pid "$port")" = "$pid" ]; then
				echo "$port"
				return 0
			fi
			grep -q 'Address already in use\|Could not create server TCP listening socket' "$dir/redis.log" 2>/dev/null && break
			sleep 0.1
		done
		if grep -q 'Address already in use\|Could not create server TCP listening socket' "$dir/redis.log" 2>/dev/null &&
			[ "$try" -lt "$PORT_TRIES" ]; then
			log "port $port was taken meanwhile; trying the next one"
			port=$((port + 1))
			continue
		fi
		cat "$dir/redis.log" >&2 2>/dev/null || true
		die "Redis on 127.0.0.1:$port does not answer after ${TIMEOUT}s"
	done
}

up() {
	local dir need_pg=0 need_redis=0 port
	[ -n "${VENDGATE_TEST_DATABASE_URL:-}" ] || need_pg=1
	[ -n "${VENDGATE_TEST_REDIS_ADDR:-}" ] || need_redis=1
	dir=$(mktemp -d /tmp/vendgate-testenv.XXXXXX)
	chmod 755 "$dir" # the postgres user reaches its data dir inside
	UP_DIR=$dir
	trap 'down "$UP_DIR"' EXIT # a failed start leaves nothing running; undone on success below
	echo "export VENDGATE_TESTENV_DIR=$dir"
	if [ "$need_pg" = 1 ] || [ "$need_redis" = 1 ]; then
		ensure_packages "$need_pg" "$need_redis"
	fi
	if [ "$need_pg" = 1 ]; then
		port=$(start_postgres "$dir")
		log "PostgreSQL on 127.0.0.1:$port (data in $dir/pg)"
		echo "export VENDGATE_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/vendgate?sslmode=disable'"
	else
		log "using PostgreSQL from VENDGATE_TEST_DATABASE_URL (not starting one)"
		printf 'export VENDGATE_TEST_DATABASE_URL=%q\n' "$VENDGATE_TEST_DATABASE_URL"
	fi
	if [ "$need_redis" = 1 ]; then
		port=$(start_redis "$dir")
		log "Redis on 127.0.0.1:$port"
		echo "export VENDGATE_TEST_REDIS_ADDR=127.0.0.1:$port"
	else
		log "using Redis from VENDGATE_TEST_REDIS_ADDR (not starting one)"
		printf 'export VENDGATE_TEST_REDIS_ADDR=%q\n' "$VENDGATE_TEST_REDIS_ADDR"
	fi
	trap - EXIT
}

# alive PID: the process exists and is not a zombie.
alive() { [ -n "$1" ] && [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# wait_gone PID: up to 10 s for PID to exit; false if it is still there.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do alive "$1" || return 0; sleep 0.1; done
	return 1
}

down() {
	local dir=${1:-} pid port
	case "$dir" in /tmp/vendgate-testenv.*) ;; *) log "down: not a testenv folder: '$dir'"; return 0 ;; esac
	[ -d "$dir" ] || return 0
	if [ -f "$dir/pgbin" ] && [ -f "$dir/pg/postmaster.pid" ]; then
		pid=$(head -1 "$dir/pg/postmaster.pid" 2>/dev/null || true)
		as_pg "$(cat "$dir/pgbin")/pg_ctl" -D "$dir/pg" -m fast -w -t 20 stop >/dev/null 2>&1 || true
		if alive "$pid" && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
			kill -QUIT "$pid" 2>/dev/null || true # immediate shutdown
			wait_gone "$pid" || log "down: PostgreSQL (pid $pid) did not stop"
		fi
	fi
	if [ -f "$dir/redis.pid" ]; then
		pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
		port=$(cat "$dir/redis.port" 2>/dev/null || true)
		# Shut down only the Redis this folder started (the port may belong to another by now).
		if [ -n "$port" ] && [ -n "$pid" ] && [ "$(redis_pid "$port")" = "$pid" ]; then
			redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		fi
		if alive "$pid" && grep -q redis-server "/proc/$pid/comm" 2>/dev/null; then
			wait_gone "$pid" || { kill -TERM "$pid" 2>/dev/null || true; wait_gone "$pid" || log "down: Redis (pid $pid) did not stop"; }
		fi
	fi
	rm -rf "$dir"
	log "stopped and removed $dir"
}

case "${1:-}" in
up) up ;;
down) down "${2:-${VENDGATE_TESTENV_DIR:-}}" ;;
*) echo "usage: $0 up | down DIR" >&2; exit 2 ;;
esac
