#!/usr/bin/env bash
# Vending over HTTP under load (docs/performance.md, "Vending over HTTP").
#
# Starts a throwaway PostgreSQL with its default durability (fsync and synchronous_commit on),
# seeds it with `restload --seed-agents 50 --seed-meters 200` (testkit/cmd/restload), starts `vendgate serve`
# against it and runs:
#   (a) 50 agents, closed loop            (c) open loop at 500 vends/s over 50 agents
#   (b) one agent (the hot agent), closed  (c1) open loop at 500 vends/s from the one agent
#   (e) ISO 8583: the seeded bank (one settlement account) on 4 connections, 16 purchases pipelined
#       on each; (f) the same as an open loop at 500 purchases/s (isoload, testkit/cmd/isoload)
#   (d) the embedded SQLite default, one agent, closed loop, 10 s
#   SMS (testkit/cmd/smsload plays the SMSC; a `vendgate serve` of its own binds to it per scenario;
#   customers text "BUY <meter> 50" to the seeded telco's short code 40404, each from a phone of
#   its own): (g) closed loop, 256 messages awaiting their reply; (h) open loop at 500 messages/s;
#   both with smpp_throughput=2000; (i) a backlog of 50,000 replies piled up while the SMSC
#   answers ESME_RTHROTTLED, then drained at smpp_throughput=500
# then, for context, PostgreSQL's own commit rates (pg_test_fsync, pgbench). Everything it starts
# is stopped on exit. Each scenario prints bench's summary line and the CPU seconds that the
# server, PostgreSQL and the load generator used: the three share this machine's cores.
#
# Environment: DURATION (20s), SQLITE_DURATION (10s), PG_PORT (55433), HTTP_PORT (18080), ISO_PORT (18583),
# SMPP_PORT (12775), SMS_DURATION (20s), SMS_RATE (500), SMS_THROUGHPUT (2000), BACKLOG (50000),
# SMS_INFLIGHT (256), DRAIN_THROUGHPUT (500), SMPP_WINDOW (10), REPLY_WORKERS (32), REDIS=1 (the SMS scenarios
# deliver replies through asynq on a throwaway redis-server at REDIS_PORT, 56390, not from the database),
# SCENARIOS (all: "a b c c1 e f g h i d") runs only the scenarios it names, PG_CONTEXT=0 skips pg_test_fsync and pgbench, PERF=1 records a CPU profile of the server during
# (b) with perf (if installed) and prints its top functions, PGSTAT=1 loads pg_stat_statements and
# prints the statements that took PostgreSQL's time in each SMS scenario.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
SQLITE_DURATION=${SQLITE_DURATION:-10s}
PG_PORT=${PG_PORT:-55433}
HTTP_PORT=${HTTP_PORT:-18080}
ISO_PORT=${ISO_PORT:-18583}
URL=http://127.0.0.1:$HTTP_PORT
PG_CONTEXT=${PG_CONTEXT:-1}
PERF=${PERF:-0}
REDIS=${REDIS:-0}           # 1: the SMS scenarios deliver replies through asynq on a throwaway Redis
REDIS_PORT=${REDIS_PORT:-56390}
redis_pid=
PGSTAT=${PGSTAT:-0}
SMPP_PORT=${SMPP_PORT:-12775}
SMS_DURATION=${SMS_DURATION:-20s}
SMS_RATE=${SMS_RATE:-500}
SMS_INFLIGHT=${SMS_INFLIGHT:-256}
SMS_THROUGHPUT=${SMS_THROUGHPUT:-2000}
BACKLOG=${BACKLOG:-50000}
DRAIN_THROUGHPUT=${DRAIN_THROUGHPUT:-500}
SMPP_WINDOW=${SMPP_WINDOW:-10}
REPLY_WORKERS=${REPLY_WORKERS:-32}
SCENARIOS=" ${SCENARIOS:-a b c c1 e f g h i d} "
HZ=$(getconf CLK_TCK)

work=$(mktemp -d /tmp/vendgate-load.XXXXXX)
server_pid=
load_pid=
PGBIN=
PGDATA=

cleanup() {
  set +e
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; fi
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  rm -rf "$work" "$PGDATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }

# CPU seconds (user + system) used so far by processes: their own, summed (all threads).
cpu_ticks() {
  local t=0 p f a
  for p in "$@"; do
    if f=$(cat "/proc/$p/stat" 2>/dev/null); then
      read -ra a <<<"${f##*) }"       # the fields after "pid (command) ": a[0] is field 3
      t=$((t + a[11] + a[12]))      # utime and stime, fields 14 and 15, in clock ticks
    fi
  done
  echo "$t"
}
# machine_ticks: the whole machine's iowait and steal so far, in clock ticks (/proc/stat).
machine_ticks() { awk '/^cpu / { print $6, $9 }' /proc/stat; }

pg_pids() { echo "$(head -1 "$PGDATA/postmaster.pid") $(pgrep -P "$(head -1 "$PGDATA/postmaster.pid")" | tr '\n' ' ')"; }

# run_scenario NAME ARGS...: bench against the running server, with the CPU each side used.
run_scenario() {
  local name=$1; shift
  local id=${name#(}; id=${id%%)*}
  [[ $SCENARIOS == *" $id "* ]] || return 0
  local s0 p0 s1 p1 wall pg_now
  pg_now=0
  s0=$(cpu_ticks "$server_pid")
  if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then p0=$(cpu_ticks $(pg_pids)); pg_now=1; fi
  local m0 m1
  m0=$(machine_ticks)
  step "$name"
  local cmd=(bin/restload --url "$URL")
  if [ "${1:-}" = --iso ]; then
    shift
    cmd=(bin/isoload --addr "127.0.0.1:$ISO_PORT" --agents-file "$work/agents.json")
  fi
  echo "${cmd[*]#bin/} $*"
  local TIMEFORMAT='%R %U %S'
  { time "${cmd[@]}" "$@" >"$work/out" 2>"$work/err"; } 2>"$work/time" || {
    cat "$work/out" "$work/err"; return 1; }
  cat "$work/out"
  s1=$(cpu_ticks "$server_pid")
  read -r wall bu bs <"$work/time"
  local line
  line=$(awk -v hz="$HZ" -v s=$((s1 - s0)) -v bu="$bu" -v bs="$bs" -v w="$wall" -v nproc="$(nproc)" \
    'BEGIN { printf "CPU seconds over %.1f s wall (%d cores = %.1f available): server %.1f, load generator %.1f", w, nproc, w*nproc, s/hz, bu+bs }')
  if [ "$pg_now" = 1 ]; then
    p1=$(cpu_ticks $(pg_pids))
    line="$line$(awk -v hz="$HZ" -v p=$((p1 - p0)) 'BEGIN { printf ", PostgreSQL %.1f", p/hz }')"
  fi
  m1=$(machine_ticks)
  # The CPU time the hypervisor gave other machines (steal) and the cores spent waiting on the disk.
  line="$line$(awk -v hz="$HZ" -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "; machine: iowait %.1f, steal %.1f", (y[1]-x[1])/hz, (y[2]-x[2])/hz }')"
  echo "$line"
}

wait_ready() {
  for _ in $(seq 100); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$1"; return 1; fi
    sleep 0.1
  done
  echo "the server did not answer /healthz in 10 s"; cat "$1"; return 1
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" || true; server_pid=
}

step "Machine"
echo "cores: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

step "Build bin/vendgate and the load commands (testkit/cmd)"
mkdir -p bin
go build -o bin/vendgate ./cmd/vendgate
go build -o bin/smsload ./testkit/cmd/smsload
go build -o bin/restload ./testkit/cmd/restload
go build -o bin/isoload ./testkit/cmd/isoload

step "PostgreSQL on 127.0.0.1:$PG_PORT, default durability (fsync=on, synchronous_commit=on)"
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=$(mktemp -d /tmp/pgdata-load.XXXXXX)
chown postgres:postgres "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGDATA$([ "$PGSTAT" = 1 ] && echo ' -c shared_preload_libraries=pg_stat_statements')" start >/dev/null
PSQL=(psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" -qAt)
"${PSQL[@]}" -c "CREATE DATABASE vendgate"
VPSQL=(psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=vendgate" -qAt -F ' ')
if [ "$PGSTAT" = 1 ]; then "${VPSQL[@]}" -c "CREATE EXTENSION pg_stat_statements"; fi
echo "$("${PSQL[@]}" -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'server_version')")"
DBURL="postgres://postgres@127.0.0.1:$PG_PORT/vendgate?sslmode=disable"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/master.key"
chmod 600 "$work/master.key"

step "Seed: 50 agents, 200 meters"
VENDGATE_DATABASE_URL=$DBURL VENDGATE_MASTER_KEY_FILE=$work/master.key \
  bin/restload --seed-agents 50 --seed-meters 200 --data-dir "$work/pg-data" --agents-file "$work/agents.json"

step "vendgate serve against PostgreSQL on $URL (log in a temporary file)"
VENDGATE_DATABASE_URL=$DBURL VENDGATE_MASTER_KEY_FILE=$work/master.key VENDGATE_HTTP_ADDR=127.0.0.1:$HTTP_PORT \
  VENDGATE_ISO8583_ADDR=127.0.0.1:$ISO_PORT VENDGATE_DATA_DIR=$work/pg-data bin/vendgate serve >"$work/serve-pg.log" 2>&1 &
server_pid=$!
wait_ready "$work/serve-pg.log"

run_scenario "(a) 50 agents, closed loop, $DURATION" \
  --agents-file "$work/agents.json" --concurrency 50 --duration "$DURATION"
if [ "$PERF" = 1 ] && command -v perf >/dev/null; then
  perf record -F 499 -g -o "$work/perf.data" -p "$server_pid" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
  perf_pid=$!
fi
run_scenario "(b) one agent (the hot agent), closed loop, $DURATION" \
  --agents-file "$work/agents.json" --agents 1 --concurrency 32 --duration "$DURATION"
if [ "$PERF" = 1 ] && [ -n "${perf_pid:-}" ]; then
  wait "$perf_pid" || true
  step "perf: the server's hottest functions during (b), self time"
  perf report -i "$work/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 || true
fi
run_scenario "(c) open loop at 500 vends/s over 50 agents, $DURATION" \
  --agents-file "$work/agents.json" --rate 500 --concurrency 64 --duration "$DURATION"
run_scenario "(c1) open loop at 500 vends/s from the one agent, $DURATION" \
  --agents-file "$work/agents.json" --agents 1 --rate 500 --concurrency 64 --duration "$DURATION"

run_scenario "(e) ISO 8583, the seeded bank, 4 connections x 16 pipelined, $DURATION" \
  --iso --conns 4 --inflight 16 --duration "$DURATION"
run_scenario "(f) ISO 8583, open loop at 500 purchases/s over 4 connections, $DURATION" \
  --iso --conns 4 --inflight 16 --rate 500 --duration "$DURATION"

step "Consistency after the runs"
psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=vendgate" -qAt -F ' ' -c \
  "SELECT 'vends committed: ' || count(*) FROM vends" -c \
  "SELECT 'agents whose balance differs from their ledger: ' || count(*) FROM agents a
     WHERE a.balance <> (SELECT COALESCE(sum(amount), 0) FROM ledger_entries e WHERE e.account = 'agent:' || a.id)" -c \
  "SELECT 'WAL flushes (fdatasync) since start: ' || wal_sync || ', WAL records: ' || wal_records FROM pg_stat_wal" \
  2>&1 || true
stop_server

# sms_scenario NAME THROUGHPUT SMSLOAD-ARGS...: smsload listens as the SMSC, then a `vendgate serve`
# of its own (smpp_throughput THROUGHPUT) binds to it; prints smsload's figures, the CPU seconds
# of each side and PostgreSQL's commits and WAL flushes per SMS vend.
sms_scenario() {
  local name=$1 throughput=$2; shift 2
  local id=${name#(}; id=${id%%)*}
  [[ $SCENARIOS == *" $id "* ]] || return 0
  step "$name"
  echo "smsload --listen 127.0.0.1:$SMPP_PORT --agents-file agents.json $*"
  local relay="database relay" redis_env=()
  if [ "$REDIS" = 1 ]; then
    relay="asynq on Redis 127.0.0.1:$REDIS_PORT"; redis_env=(VENDGATE_REDIS_ADDR=127.0.0.1:$REDIS_PORT)
    if [ -z "$redis_pid" ]; then
      redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
      redis_pid=$!
      for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
    fi
  fi
  echo "vendgate serve: VENDGATE_SMPP_THROUGHPUT=$throughput VENDGATE_SMPP_WINDOW=$SMPP_WINDOW VENDGATE_REPLY_WORKERS=$REPLY_WORKERS ($relay)"
  (
    TIMEFORMAT='%R %U %S'
    { time bin/smsload --listen "127.0.0.1:$SMPP_PORT" --agents-file "$work/agents.json" "$@" \
        >"$work/sms.out" 2>"$work/sms.err"; } 2>"$work/sms.time"
  ) &
  load_pid=$!
  local s0 p0 s1 p1 c0 c1 w0 w1 v0 v1 rc=0
  p0=$(cpu_ticks $(pg_pids))
  read -r c0 w0 v0 < <("${VPSQL[@]}" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = 'vendgate'),
    (SELECT wal_sync FROM pg_stat_wal), (SELECT count(*) FROM vends WHERE channel = 'sms')")
  if [ "$PGSTAT" = 1 ]; then "${VPSQL[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null; fi
  for _ in $(seq 100); do grep -q 'listens on' "$work/sms.err" 2>/dev/null && break; sleep 0.05; done
  VENDGATE_DATABASE_URL=$DBURL VENDGATE_MASTER_KEY_FILE=$work/master.key VENDGATE_HTTP_ADDR=127.0.0.1:$HTTP_PORT \
    VENDGATE_ISO8583_ADDR=off VENDGATE_DATA_DIR=$work/pg-data VENDGATE_SMPP_ADDR=127.0.0.1:$SMPP_PORT \
    VENDGATE_SMPP_SYSTEM_ID=vendgate VENDGATE_SMPP_PASSWORD=load VENDGATE_SMPP_THROUGHPUT=$throughput \
    VENDGATE_SMPP_WINDOW=$SMPP_WINDOW VENDGATE_REPLY_WORKERS=$REPLY_WORKERS env "${redis_env[@]}" \
    bin/vendgate serve >"$work/serve-sms-$id.log" 2>&1 &
  server_pid=$!
  s0=0 # the server is new: its CPU counts from its start (start-up included)
  wait_ready "$work/serve-sms-$id.log"
  wait "$load_pid" || rc=$?
  load_pid=
  s1=$(cpu_ticks "$server_pid"); p1=$(cpu_ticks $(pg_pids))
  read -r c1 w1 v1 < <("${VPSQL[@]}" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = 'vendgate'),
    (SELECT wal_sync FROM pg_stat_wal), (SELECT count(*) FROM vends WHERE channel = 'sms')")
  cat "$work/sms.out"
  if [ "$rc" != 0 ] || [ ! -s "$work/sms.out" ]; then echo "smsload exited $rc:"; tail -5 "$work/sms.err"; fi
  local wall bu bs
  read -r wall bu bs <"$work/sms.time"
  awk -v hz="$HZ" -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v bu="$bu" -v bs="$bs" -v w="$wall" -v nproc="$(nproc)" \
    'BEGIN { printf "CPU seconds over %.1f s wall (%d cores = %.1f available): server %.1f, PostgreSQL %.1f, smsload %.1f\n", w, nproc, w*nproc, s/hz, p/hz, bu+bs }'
  awk -v c=$((c1 - c0)) -v wl=$((w1 - w0)) -v v=$((v1 - v0)) \
    'BEGIN { printf "PostgreSQL: %d SMS vends committed, %d transactions (%.1f per vend), %d WAL flushes\n", v, c, (v ? c/v : 0), wl }'
  "${VPSQL[@]}" -c "SELECT 'outbox, all scenarios so far: ' || string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM replies GROUP BY status ORDER BY status) s"
  if [ "$PGSTAT" = 1 ]; then
    echo "pg_stat_statements, the 12 statements with the most execution time:"
    "${VPSQL[@]}" -F ' | ' -c "SELECT round(total_exec_time)::int || ' ms', calls, round(mean_exec_time::numeric, 3) || ' ms',
      left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'vendgate') ORDER BY total_exec_time DESC LIMIT 12"
  fi
  stop_server
}

sms_scenario "(g) SMS, closed loop, $SMS_INFLIGHT messages awaiting their reply, $SMS_DURATION" "$SMS_THROUGHPUT" \
  --inflight "$SMS_INFLIGHT" --duration "$SMS_DURATION"
sms_scenario "(h) SMS, open loop at $SMS_RATE messages/s, $SMS_DURATION" "$SMS_THROUGHPUT" \
  --rate "$SMS_RATE" --inflight 2000 --duration "$SMS_DURATION"
sms_scenario "(i) SMS backlog: $BACKLOG replies held by ESME_RTHROTTLED, then drained at $DRAIN_THROUGHPUT/s" "$DRAIN_THROUGHPUT" \
  --backlog "$BACKLOG" --inflight 64 --throttle "$DRAIN_THROUGHPUT"
if [[ $SCENARIOS == *" g "* || $SCENARIOS == *" h "* || $SCENARIOS == *" i "* ]]; then
  step "Consistency after the SMS runs"
  "${VPSQL[@]}" -c "SELECT 'SMS vends committed: ' || count(*) FROM vends WHERE channel = 'sms'" -c \
    "SELECT 'agents whose balance differs from their ledger: ' || count(*) FROM agents a
       WHERE a.balance <> (SELECT COALESCE(sum(amount), 0) FROM ledger_entries e WHERE e.account = 'agent:' || a.id)" 2>&1 || true
fi

if [ "$PG_CONTEXT" = 1 ]; then
  step "PostgreSQL context: fdatasync rate of this disk (pg_test_fsync, 1 s per test)"
  runuser -u postgres -- "$PGBIN/pg_test_fsync" -s 1 -f "$PGDATA/fsync.test" 2>&1 | grep -E 'fdatasync|open_datasync' | head -4 || true
  step "PostgreSQL context: pgbench, 10 s each (fsync on)"
  "${PSQL[@]}" -c "CREATE DATABASE pgb"
  PGB=(-h 127.0.0.1 -p "$PG_PORT" -U postgres)
  pgbench "${PGB[@]}" -i -q -s 4 pgb >/dev/null 2>&1
  psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=pgb" -qc \
    "CREATE TABLE hot (id int PRIMARY KEY, balance bigint); INSERT INTO hot VALUES (1, 0)"
  echo 'UPDATE hot SET balance = balance - 1 WHERE id = 1;' >"$work/hot.sql"
  chmod 644 "$work/hot.sql"
  for spec in "1 client, one UPDATE per commit (-N)|-c 1 -j 1 -N" \
              "16 clients, different rows (-N)|-c 16 -j 2 -N" \
              "16 clients, all on one row (the hot agent's shape)|-c 16 -j 2 -f $work/hot.sql"; do
    label=${spec%%|*}; opts=${spec#*|}
    # shellcheck disable=SC2086
    tps=$(pgbench "${PGB[@]}" -T 10 -n $opts pgb 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    printf '%-55s %s tps\n' "$label" "$tps"
  done
fi

if [[ $SCENARIOS == *" d "* ]]; then
step "(d) the embedded SQLite default, one agent, closed loop, $SQLITE_DURATION"
bin/restload --seed-agents 1 --seed-meters 200 --data-dir "$work/sqlite" --agents-file "$work/agents-sqlite.json"
VENDGATE_HTTP_ADDR=127.0.0.1:$HTTP_PORT VENDGATE_ISO8583_ADDR=off VENDGATE_DATA_DIR=$work/sqlite bin/vendgate serve >"$work/serve-sqlite.log" 2>&1 &
server_pid=$!
wait_ready "$work/serve-sqlite.log"
run_scenario "(d) SQLite, one agent, closed loop, $SQLITE_DURATION" \
  --agents-file "$work/agents-sqlite.json" --concurrency 32 --duration "$SQLITE_DURATION"
stop_server
fi
echo
echo "done: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
