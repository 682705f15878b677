#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for `make test`, on loopback, in a temp folder.
#   scripts/testenv.sh up        start them; print `export` lines for the tests (progress on stderr)
#   scripts/testenv.sh down DIR  stop them and remove DIR (safe to repeat)
# A variable the developer already exported (VENDGATE_TEST_DATABASE_URL, VENDGATE_TEST_REDIS_ADDR)
# is kept, and that server is not started. Missing servers are installed from Debian's packages
# when running as root. The PostgreSQL settings trade durability for speed: tests only.
set -euo pipefail

log() { echo "testenv: $*" >&2; }

free_port() {
	local p=$1
	while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}

ensure_packages() {
	local missing=()
	ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
	command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		log "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) or export VENDGATE_TEST_DATABASE_URL / VENDGATE_TEST_REDIS_ADDR"
		exit 1
	fi
	log "installing ${missing[*]} from Debian's packages"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

up() {
	local dir
	dir=$(mktemp -d /tmp/vendgate-testenv.XXXXXX)
	chmod 755 "$dir"
	trap 'down "$dir"' EXIT # undone on success below
	echo "export VENDGATE_TESTENV_DIR=$dir"
	if [ -z "${VENDGATE_TEST_DATABASE_URL:-}" ] || [ -z "${VENDGATE_TEST_REDIS_ADDR:-}" ]; then
		ensure_packages
	fi
	if [ -n "${VENDGATE_TEST_DATABASE_URL:-}" ]; then
		log "using PostgreSQL from VENDGATE_TEST_DATABASE_URL"
	else
		local pgbin port data
		pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
		port=$(free_port 55432)
		data="$dir/pg"
		mkdir "$data" && chown postgres:postgres "$data"
		runuser -u postgres -- "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		if ! runuser -u postgres -- "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null; then
			cat "$data/server.log" >&2
			exit 1
		fi
		echo "$pgbin" >"$dir/pgbin"
		psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -qc "CREATE DATABASE vendgate" >&2
		log "PostgreSQL on 127.0.0.1:$port"
		echo "export VENDGATE_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/vendgate?sslmode=disable'"
	fi
	if [ -n "${VENDGATE_TEST_REDIS_ADDR:-}" ]; then
		log "using Redis from VENDGATE_TEST_REDIS_ADDR"
	else
		local rport
		rport=$(free_port 56379)
		redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
			--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
		for _ in $(seq 50); do
			redis-cli -p "$rport" ping >/dev/null 2>&1 && break
			sleep 0.1
		done
		redis-cli -p "$rport" ping >/dev/null 2>&1 || { cat "$dir/redis.log" >&2; exit 1; }
		echo "$rport" >"$dir/redis.port"
		log "Redis on 127.0.0.1:$rport"
		echo "export VENDGATE_TEST_REDIS_ADDR=127.0.0.1:$rport"
	fi
	trap - EXIT
}

down() {
	local dir=${1:-}
	case "$dir" in /tmp/vendgate-testenv.*) ;; *) log "down: not a testenv folder: '$dir'"; return 0 ;; esac
	[ -d "$dir" ] || return 0
	if [ -f "$dir/pgbin" ] && [ -d "$dir/pg" ]; then
		runuser -u postgres -- "$(cat "$dir/pgbin")/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
	fi
	if [ -f "$dir/redis.port" ]; then
		redis-cli -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
up) up ;;
down) down "${2:-}" ;;
*) echo "usage: $0 up | down DIR" >&2; exit 2 ;;
esac
