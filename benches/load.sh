#!/usr/bin/env bash
# HTTP load test of the RELEASE build of wenzheng, over loopback only, with bounded duration.
#
# What is measured, and why:
#   intake_sqlite    POST /api/v1/messages (public intake, 201 once the case is durably stored) on
#                    the default SQLite store. This is the write path citizens hit: JSON parsing and
#                    validation, triage (segmentation + department classifier), and one transaction
#                    in SQLite (WAL). It shows how many messages/s one instance can durably accept.
#   intake_postgres  The same requests against PostgreSQL (a fresh database created for the run and
#                    dropped at the end), to compare the two stores. Skipped, with a message, when
#                    PostgreSQL is unreachable.
#   triage_department_only  the same with ?department_only=true (one model instead of three).
#   triage           POST /api/v1/triage with a staff token (stateless, no writes): the cost of the
#                    classifier + HTTP/auth overhead alone, so that intake minus triage ~ store cost.
#
# The request bodies are ~200 REAL messages (留言主题 as title, 留言详情 as body) taken evenly from
# training-data/tipdm2020/messages_unlabeled_test.csv, JSON-encoded by python3 into a Lua table;
# the wrk Lua script cycles through them (each wrk thread starting at a different offset), so the
# classifier sees varied text of realistic length instead of one cached string.
#
# Each scenario: a short warm-up run (WZ_WARMUP), then `wrk -t2 -cN -dD --latency`. Printed per
# scenario (one line):
#   scenario=NAME rps=... p50_ms=... p99_ms=... non2xx=...
# non2xx is wrk's "Non-2xx or 3xx responses" count (0 when absent). For the intake scenarios the
# number of stored cases (GET /api/v1/cases?per_page=1 -> total) is checked against the number of
# 2xx responses wrk saw (warm-up + run + 1 sanity request); it may exceed it by the requests still
# in flight when wrk stopped, but never fall short.
# The load average (uptime) is printed before and after: the machine has 2 cores and may be busy
# with other work (e.g. a compile), which lowers the figures; wrk itself also uses the same cores.
#
# Usage (from anywhere):  bash benches/load.sh
# Environment:
#   WZ_DURATION      duration of each measured run (default 10s)
#   WZ_CONNECTIONS   concurrent connections (default 32); wrk threads are fixed at 2
#   WZ_WARMUP        duration of the warm-up run before each scenario (default 2s)
#   WZ_TIMEOUT       wrk per-request timeout (default 5s; timed-out requests count as socket errors)
#   WZ_MESSAGES      number of real messages to cycle through (default 200)
#   WZ_PG_BASE       PostgreSQL base URL (default postgres://postgres@127.0.0.1:5432); the admin
#                    database used to CREATE/DROP the scratch database is WZ_PG_BASE/test
# Exit status: 0 when every scenario that ran answered only 2xx and the case counts matched.
# Runtime: about 3 x (WZ_WARMUP + WZ_DURATION) + a few seconds of start-up (~45 s by default).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BIN="$ROOT/target/release/wenzheng"
CSV="$ROOT/training-data/tipdm2020/messages_unlabeled_test.csv"
DURATION="${WZ_DURATION:-10s}"
CONNECTIONS="${WZ_CONNECTIONS:-32}"
WARMUP="${WZ_WARMUP:-2s}"
TIMEOUT="${WZ_TIMEOUT:-5s}"
N_MESSAGES="${WZ_MESSAGES:-200}"
THREADS=2
PG_BASE="${WZ_PG_BASE:-postgres://postgres@127.0.0.1:5432}"
PG_ADMIN_URL="$PG_BASE/test"

log() { echo "# $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

# --- scratch dir and cleanup --------------------------------------------------------------------
# Private scratch dir (never a fixed name under /tmp: other agents share it). The EXIT trap stops
# the servers this script started (by PID only), drops the scratch PostgreSQL database and removes
# the scratch dir.
SCRATCH="$(mktemp -d -t wz-load.XXXXXXXX)"
SERVER_PIDS=()
PG_DB=""

cleanup() {
    local rc=$?
    set +e
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    if [[ -n "$PG_DB" ]]; then
        PGCONNECT_TIMEOUT=5 psql "$PG_ADMIN_URL" -Atq -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
            || echo "warning: could not drop PostgreSQL database $PG_DB" >&2
    fi
    rm -rf "$SCRATCH"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (apt-get)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >"$SCRATCH/apt.log" 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$SCRATCH/apt.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >>"$SCRATCH/apt.log" 2>&1 \
            || { cat "$SCRATCH/apt.log" >&2; die "could not install wrk"; }
    fi
fi
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done
if [[ ! -x "$BIN" ]]; then
    log "building $BIN (release)"
    cargo build --release --bin wenzheng
fi
[[ -x "$BIN" ]] || die "$BIN does not exist"
[[ -f models/department.wzm ]] || die "models/department.wzm is missing (run: $BIN train)"
[[ -f "$CSV" ]] || die "$CSV is missing"

# Seconds in a wrk duration (10, 10s, 2m, 1h), to bound each wrk run with `timeout`.
duration_secs() {
    local d="$1"
    case "$d" in
        *h) echo $(( ${d%h} * 3600 )) ;;
        *m) echo $(( ${d%m} * 60 )) ;;
        *s) echo "${d%s}" ;;
        *)  echo "$d" ;;
    esac
}
[[ "$(duration_secs "$DURATION")" =~ ^[0-9]+$ ]] || die "WZ_DURATION must look like 10s, 2m (got '$DURATION')"
[[ "$(duration_secs "$WARMUP")" =~ ^[0-9]+$ ]] || die "WZ_WARMUP must look like 2s (got '$WARMUP')"
[[ "$CONNECTIONS" =~ ^[0-9]+$ && "$CONNECTIONS" -ge "$THREADS" ]] || die "WZ_CONNECTIONS must be an integer >= $THREADS"

# --- request bodies: real messages as a Lua table -----------------------------------------------
# Lua string literals are written byte by byte: printable ASCII as is, everything else (UTF-8
# bytes, quotes, backslashes, control characters) as 3-digit \ddd escapes, which Lua 5.1/LuaJIT
# read unambiguously. The server's limits (title <= 100 chars, body <= 10,000) are respected.
python3 - "$CSV" "$N_MESSAGES" "$SCRATCH/intake_bodies.lua" "$SCRATCH/triage_bodies.lua" <<'PY'
import csv, json, sys
src, n, intake_out, triage_out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(src, encoding="utf-8-sig", newline="") as f:
    rows = [(r["留言主题"], r["留言详情"]) for r in csv.DictReader(f)]
rows = [(t, b) for t, b in rows if 0 < len(t.strip()) <= 100 and 0 < len(b.strip()) <= 10_000]
if len(rows) < n:
    sys.exit(f"only {len(rows)} usable messages in {src}")
step = len(rows) / n
picked = [rows[int(i * step)] for i in range(n)]

def lua_str(s):
    out = []
    for b in s.encode("utf-8"):
        out.append(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\%03d" % b)
    return '"' + "".join(out) + '"'

def write(path, bodies):
    with open(path, "w", encoding="ascii") as f:
        f.write("-- generated by benches/load.sh: JSON request bodies\nreturn {\n")
        for b in bodies:
            f.write("  " + lua_str(b) + ",\n")
        f.write("}\n")

write(intake_out, [json.dumps({"title": t, "body": b, "channel": "web", "publish_consent": True},
                              ensure_ascii=False) for t, b in picked])
write(triage_out, [json.dumps({"title": t, "body": b}, ensure_ascii=False) for t, b in picked])
# the first body of each, as a file, for one sanity request with curl before each scenario
for path, body in ((intake_out, {"title": picked[0][0], "body": picked[0][1], "channel": "web", "publish_consent": True}),
                   (triage_out, {"title": picked[0][0], "body": picked[0][1]})):
    with open(path[:-len(".lua")] + ".first.json", "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False)
avg = sum(len(b) for _, b in picked) / n
print(f"# {n} real messages from {src.rsplit('/', 1)[-1]} (of {len(rows)} usable), avg body {avg:.0f} chars",
      file=sys.stderr)
PY

# wrk script: POST the bodies in turn. args: <bodies.lua> [bearer token]
cat >"$SCRATCH/post_bodies.lua" <<'LUA'
-- generated by benches/load.sh
local threads_started = 0
function setup(thread)
  thread:set("thread_index", threads_started)
  threads_started = threads_started + 1
end

local bodies, n, i = nil, 0, 0
function init(args)
  bodies = dofile(args[1])
  n = #bodies
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["authorization"] = "Bearer " .. args[2]
  end
  -- each thread starts at a different message
  i = ((thread_index or 0) * 97) % n
end

function request()
  i = i % n + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
LUA

# --- helpers ------------------------------------------------------------------------------------
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server NAME DATA_DIR [extra serve args...]; sets SERVER_URL and SERVER_NAME (its log name)
start_server() {
    local name="$1" data_dir="$2"; shift 2
    local port; port="$(free_port)"
    mkdir -p "$data_dir"
    # --messages-per-minute 0: the load comes from one address, which the per-address limit on
    # new messages would otherwise stop after its burst.
    "$BIN" serve --bind "127.0.0.1:$port" --data-dir "$data_dir" --no-demo-data --messages-per-minute 0 "$@" \
        >"$SCRATCH/$name.log" 2>&1 &
    local pid=$!
    SERVER_PIDS+=("$pid")
    local deadline=$(( SECONDS + 60 ))
    until grep -q "wenzheng listening on http://" "$SCRATCH/$name.log" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$SCRATCH/$name.log" >&2
            die "server $name exited during start-up"
        fi
        (( SECONDS < deadline )) || { tail -n 30 "$SCRATCH/$name.log" >&2; die "server $name not ready after 60 s"; }
        sleep 0.2
    done
    SERVER_URL="http://127.0.0.1:$port"
    SERVER_NAME="$name"
    curl -fsS --max-time 5 "$SERVER_URL/healthz" >/dev/null || die "server $name: /healthz failed"
    log "server $name (pid $pid) ready at $SERVER_URL"
}

stop_last_server() {
    local pid="${SERVER_PIDS[-1]}"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# run_wrk OUTFILE DURATION URL BODIES [TOKEN]
run_wrk() {
    local out="$1" dur="$2" url="$3" bodies="$4" token="${5:-}"
    local bound=$(( $(duration_secs "$dur") + 30 ))
    timeout --kill-after=5 "$bound" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$dur" --timeout "$TIMEOUT" --latency \
            -s "$SCRATCH/post_bodies.lua" "$url" -- "$bodies" "$token" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed ($url)"; }
}

# parse_wrk FILE -> "RPS P50_MS P99_MS NON2XX REQUESTS SOCKET_ERRORS"
parse_wrk() {
    awk '
        function ms(v,   num, unit) {
            num = v; sub(/[a-z]+$/, "", num)
            unit = v; sub(/^[0-9.]+/, "", unit)
            if (unit == "us") return num / 1000
            if (unit == "ms") return num
            if (unit == "s")  return num * 1000
            if (unit == "m")  return num * 60000
            if (unit == "h")  return num * 3600000
            return -1
        }
        /^Requests\/sec:/                { rps = $2 }
        /^ +50%/                         { p50 = ms($2) }
        /^ +99%/                         { p99 = ms($2) }
        /Non-2xx or 3xx responses:/      { non2xx = $NF }
        / requests in /                  { reqs = $1 }
        /Socket errors:/                 { s = $0; sub(/.*Socket errors: */, "", s); gsub(/[a-z]+ /, "", s); n = split(s, a, /, */); for (k = 1; k <= n; k++) serr += a[k] }
        END {
            if (rps == "" || p50 == "" || p99 == "") exit 1
            printf "%s %.2f %.2f %d %d %d\n", rps, p50, p99, non2xx + 0, reqs + 0, serr + 0
        }' "$1"
}

cases_total() {  # cases_total URL TOKEN
    curl -fsS --max-time 10 -H "authorization: Bearer $2" "$1/api/v1/cases?per_page=1" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'
}

FAILED=0
SUMMARY=()
SERVER_NAME=""

# run_scenario NAME URL PATH BODIES TOKEN EXPECTED_STATUS VERIFY_CASES(0|1)
run_scenario() {
    local name="$1" url="$2" path="$3" bodies="$4" token="$5" expect="$6" verify="$7"
    # One sanity request first, so that a wrong body or token fails loudly instead of producing
    # 10 s of 4xx.
    local status
    local auth=(); [[ -n "$token" ]] && auth=(-H "authorization: Bearer $token")
    status="$(curl -sS --max-time 10 -o "$SCRATCH/$name.sanity.json" -w '%{http_code}' \
        -H 'content-type: application/json' "${auth[@]}" --data-binary "@${bodies%.lua}.first.json" "$url$path")"
    if [[ "$status" != "$expect" ]]; then
        cat "$SCRATCH/$name.sanity.json" >&2; echo >&2
        die "$name: sanity POST $path answered $status, expected $expect"
    fi

    log "$name: warm-up $WARMUP, then $DURATION with $THREADS threads x $CONNECTIONS connections"
    run_wrk "$SCRATCH/$name.warmup.txt" "$WARMUP" "$url$path" "$bodies" "$token"
    run_wrk "$SCRATCH/$name.txt" "$DURATION" "$url$path" "$bodies" "$token"
    sed 's/^/#   /' "$SCRATCH/$name.txt" >&2

    local rps p50 p99 non2xx reqs serr w_rps w_p50 w_p99 w_non2xx w_reqs w_serr
    read -r rps p50 p99 non2xx reqs serr < <(parse_wrk "$SCRATCH/$name.txt") || die "$name: cannot parse wrk output"
    read -r w_rps w_p50 w_p99 w_non2xx w_reqs w_serr < <(parse_wrk "$SCRATCH/$name.warmup.txt") || die "$name: cannot parse warm-up output"
    local line="scenario=$name rps=$rps p50_ms=$p50 p99_ms=$p99 non2xx=$non2xx"
    echo "$line"
    SUMMARY+=("$line")
    if (( non2xx > 0 || w_non2xx > 0 )); then
        echo "  FAIL: $name had $non2xx non-2xx responses ($w_non2xx in warm-up); last server log lines:"
        tail -n 5 "$SCRATCH/${SERVER_NAME}.log" | sed 's/^/    /'
        FAILED=1
    fi
    if (( serr > 0 || w_serr > 0 )); then
        echo "  note: $name had $serr socket errors/timeouts ($w_serr in warm-up)"
    fi
    if [[ "$verify" == 1 ]]; then
        local expected=$(( 1 + w_reqs - w_non2xx + reqs - non2xx )) total
        total="$(cases_total "$url" "$token")" || die "$name: GET /api/v1/cases failed"
        # Requests in flight when wrk stopped (or that wrk timed out) may be stored without wrk
        # counting them: allow up to 2 x connections (warm-up + run) + socket errors more.
        if (( total >= expected && total <= expected + 2 * CONNECTIONS + serr + w_serr )); then
            echo "  verify: $total cases stored; wrk saw $expected x 201 (incl. warm-up and 1 sanity request) -> ok"
        else
            echo "  verify: FAIL: $total cases stored, but wrk saw $expected successful POSTs"
            FAILED=1
        fi
    fi
}

# --- run ----------------------------------------------------------------------------------------
echo "# wenzheng load test: $(date -u +%FT%TZ), $(nproc) cores, wrk $(wrk -v 2>&1 | head -n1 | awk '{print $2}' || true), binary $BIN"
echo "# load average before: $(uptime)"

# 1. intake on SQLite. The token is created BEFORE the server starts, in the same data dir.
SQLITE_DATA="$SCRATCH/data"
mkdir -p "$SQLITE_DATA"
TOKEN="$("$BIN" token add --name bench --role dispatcher --data-dir "$SQLITE_DATA" 2>"$SCRATCH/token.log" | tail -n1)"
[[ -n "$TOKEN" ]] || { cat "$SCRATCH/token.log" >&2; die "token add printed no token"; }
start_server sqlite "$SQLITE_DATA"
SQLITE_URL="$SERVER_URL"
run_scenario intake_sqlite "$SQLITE_URL" /api/v1/messages "$SCRATCH/intake_bodies.lua" "$TOKEN" 201 1

# 2. intake on PostgreSQL (fresh database, dropped on exit).
if command -v psql >/dev/null 2>&1 && PGCONNECT_TIMEOUT=3 psql "$PG_ADMIN_URL" -Atqc 'select 1' >/dev/null 2>&1; then
    # Stop the SQLite server while PostgreSQL is measured, so the two do not share the CPUs;
    # the triage scenario starts a fresh one on the same data dir.
    stop_last_server
    PG_DB="wz_bench_$$_${RANDOM}"
    psql "$PG_ADMIN_URL" -Atq -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
    PG_URL="$PG_BASE/$PG_DB"
    start_server postgres "$SCRATCH/data-pg" --database-url "$PG_URL"
    # Token created against the same database, after the server has created the schema.
    PG_TOKEN="$("$BIN" token add --name bench --role dispatcher --database-url "$PG_URL" \
        --data-dir "$SCRATCH/data-pg" 2>"$SCRATCH/token-pg.log" | tail -n1)"
    [[ -n "$PG_TOKEN" ]] || { cat "$SCRATCH/token-pg.log" >&2; die "token add (PostgreSQL) printed no token"; }
    run_scenario intake_postgres "$SERVER_URL" /api/v1/messages "$SCRATCH/intake_bodies.lua" "$PG_TOKEN" 201 1
    stop_last_server
    start_server sqlite-triage "$SQLITE_DATA"
    SQLITE_URL="$SERVER_URL"
else
    line="scenario=intake_postgres skipped: PostgreSQL unreachable at $PG_ADMIN_URL"
    echo "$line"
    SUMMARY+=("$line")
fi

# 3. triage only (stateless, staff token), on the SQLite server.
run_scenario triage "$SQLITE_URL" /api/v1/triage "$SCRATCH/triage_bodies.lua" "$TOKEN" 200 0
# 4. the same with the department model only (what a routing-only client asks for).
run_scenario triage_department_only "$SQLITE_URL" "/api/v1/triage?department_only=true" "$SCRATCH/triage_bodies.lua" "$TOKEN" 200 0

echo "# load average after: $(uptime)"
echo "# summary (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, after a $WARMUP warm-up; loopback, release build):"
printf '%s\n' "${SUMMARY[@]}"
if (( FAILED )); then
    echo "# RESULT: FAILED (non-2xx responses or case count mismatch, see above)"
    exit 1
fi
echo "# RESULT: ok"
