#!/usr/bin/env bash
# `make bench`: libkafkac, librdkafka and kafka-python side by side on the
# same broker and the same data, in one run, with ratios.  bench/README.md
# says how to read the output; the short version:
#
#   make bench                                   everything, BENCH_N=1000000
#   make bench SECTIONS=producer,codecs BENCH_N=200000
#
# Sections (SECTIONS, comma-separated, default all):
#   producer  N messages per run to a fresh 6-partition topic, sizes
#             BENCH_SIZES, acks 1 and all, compression none and lz4
#   consumer  the same messages read from the beginning, no group
#   e2e       end-to-end latency at BENCH_E2E_RATE msgs/s, linger.ms=0
#   tls       producer (acks 1) and consumer again over TLS, on an SSL
#             listener of a broker of its own (instance bench-tls, port base
#             20592, SSL at 20594; certificates made with openssl in
#             build/bench/tls), libkafkac and librdkafka only
#   mock      producer and consumer again against librdkafka's mock cluster
#             (bench_rdkafka_mock, a process of its own)
#   codecs    bench_codecs and bench_records (no network)
#
# Environment: BENCH_N (1000000), BENCH_ROUNDS (3), BENCH_SIZES (100,1000),
# BENCH_PY_DIV (10: kafka-python sends/reads N/10 messages; its figures are
# per message, so they compare), BENCH_E2E_N (50000), BENCH_E2E_RATE (5000),
# BENCH_CLIENTS (libkafkac,librdkafka,kafka-python), BENCH_BROKERS (use this
# broker instead of starting one), BENCH_KEEP_BROKER=1 (leave ours running),
# BENCH_BASELINE (an older build's bench_libkafkac; add "baseline" to
# BENCH_CLIENTS to run it beside today's, e.g. before and after a change).
#
# The broker is the project's (scripts/kafka.sh), as its own instance on its
# own ports (KAFKAC_KAFKA_INSTANCE=bench, port base 20092), so that a
# `make check` starting and stopping its brokers meanwhile does not touch
# it.  Every run's output is kept in build/bench/logs/; the raw rows are
# build/bench/results/raw.csv and each section's table is also written as
# build/bench/results/<section>.csv.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

SECTIONS=${SECTIONS:-producer,consumer,e2e,tls,mock,codecs}
N=${BENCH_N:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
SIZES=${BENCH_SIZES:-100,1000}
PY_DIV=${BENCH_PY_DIV:-10}
E2E_N=${BENCH_E2E_N:-50000}
E2E_RATE=${BENCH_E2E_RATE:-5000}
CLIENTS=${BENCH_CLIENTS:-libkafkac,librdkafka,kafka-python}
PARTS=6
LINGER=5
BATCH=1048576
PY=/usr/bin/python3

RES=build/bench/results
LOGS=build/bench/logs
RAW=$RES/raw.csv
RUNID=$(date +%H%M%S)-$$
CLIENT_ENV=   # extra VAR=value words for the measured client's environment
mkdir -p "$RES" "$LOGS"
# One run at a time in this tree: a second one would wipe and interleave
# the first one's results (and compete with it for the CPUs).
exec 9> build/bench/.lock
if ! flock -n 9; then
    echo "== another make bench is running in this tree; waiting for it to finish"
    flock 9
fi
rm -f "$RES"/*.csv "$LOGS"/*.log
echo "section,config,client,round,count,size,seconds,msgs_per_s,mb_per_s,cpu_s,cpu_s_per_M,p50_us,p99_us,p999_us,status" > "$RAW"

say() { echo "== $*"; }
has_section() { case ",$SECTIONS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# ---- clients ------------------------------------------------------------

# A client that cannot run is still listed in the tables, as "not available"
# with the reason, never with made-up figures.
declare -A CMD WHY
for c in ${CLIENTS//,/ }; do
    case "$c" in
        libkafkac)
            if [ -x build/bench/bench_libkafkac ] && make -q build/bench/bench_libkafkac 2>/dev/null; then
                CMD[$c]="build/bench/bench_libkafkac"
            else
                WHY[$c]="build/bench/bench_libkafkac did not build"
            fi ;;
        librdkafka)
            if [ -x build/bench/bench_rdkafka ]; then CMD[$c]="build/bench/bench_rdkafka"
            else WHY[$c]="build/bench/bench_rdkafka did not build"; fi ;;
        baseline)
            if [ -n "${BENCH_BASELINE:-}" ] && [ -x "$BENCH_BASELINE" ]; then CMD[$c]="$BENCH_BASELINE"
            else WHY[$c]="BENCH_BASELINE does not name an executable bench_libkafkac"; fi ;;
        kafka-python)
            if $PY -c 'import kafka' 2>/dev/null; then CMD[$c]="$PY bench/bench_kafka_python.py"
            else WHY[$c]="python3-kafka is not installed"; fi ;;
        *) echo "unknown client '$c' in BENCH_CLIENTS" >&2; exit 2 ;;
    esac
done
HAVE_PY_LZ4=0
$PY -c 'import lz4.frame' 2>/dev/null && HAVE_PY_LZ4=1
if [ "$HAVE_PY_LZ4" = 0 ] && [ -n "${CMD[kafka-python]:-}" ] && [ "$(id -u)" -eq 0 ]; then
    say "installing python3-lz4 (kafka-python needs it for lz4)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-lz4 >/dev/null 2>&1 \
        && $PY -c 'import lz4.frame' 2>/dev/null && HAVE_PY_LZ4=1
fi
RDK=build/bench/bench_rdkafka   # also the topic helper (create/delete/available)
if [ ! -x "$RDK" ]; then echo "build/bench/bench_rdkafka is needed to prepare topics" >&2; exit 1; fi

# The order of clients rotates each round, so that none always runs first
# (cold page cache, broker warm-up) or last.
clients_for_round() {  # round
    local list=(${CLIENTS//,/ }) n i out=()
    n=${#list[@]}
    for ((i = 0; i < n; i++)); do out+=("${list[$(((i + $1 - 1) % n))]}"); done
    echo "${out[@]}"
}

# Appends one row to raw.csv from a run's RESULT line (or a failure row).
record() {  # section config client round status logfile
    local line
    line=$(grep -m1 '^RESULT ' "$6" 2>/dev/null)
    $PY - "$1" "$2" "$3" "$4" "$5" "$line" >> "$RAW" <<'EOF'
import sys
sec, cfg, client, rnd, status, line = sys.argv[1:7]
kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
cols = ["count", "size", "seconds", "msgs_per_s", "mb_per_s", "cpu_s", "cpu_s_per_M",
        "p50_us", "p99_us", "p999_us"]
print(",".join([sec, cfg, client, rnd] + [kv.get(c, "") for c in cols] + [status]))
EOF
}

# Runs one client once; its output goes to a log, its result to raw.csv.
run_client() {  # section config client round timeout args...
    local sec=$1 cfg=$2 c=$3 rnd=$4 tmo=$5; shift 5
    local log="$LOGS/$sec-$cfg-$c-r$rnd.log" st=ok
    if [ -z "${CMD[$c]:-}" ]; then
        echo "$sec,$cfg,$c,$rnd,,,,,,,,,,,not available: ${WHY[$c]}" >> "$RAW"
        return
    fi
    # shellcheck disable=SC2086
    if ! env $CLIENT_ENV timeout -k 5 "$tmo" ${CMD[$c]} "$@" > "$log" 2>&1 < /dev/null; then st=failed; fi
    grep -q '^RESULT ' "$log" || st=failed
    record "$sec" "$cfg" "$c" "$rnd" "$st" "$log"
    printf '   %-12s %-22s round %d: %s\n' "$c" "$cfg" "$rnd" \
        "$(grep -m1 '^RESULT ' "$log" | sed 's/^RESULT client=[^ ]* mode=[^ ]* //; s/ mb_per_s=.*cpu_s_per_M=/ cpu_s_per_M=/' || true)${st/ok/}"
    [ "$st" = ok ] || echo "      (failed: see $log)"
}

# kafka-python sends and reads fewer messages (its rates are per message).
count_for() {  # client n
    if [ "$1" = kafka-python ]; then echo $(($2 / PY_DIV > 0 ? $2 / PY_DIV : 1)); else echo "$2"; fi
}

topic_op() {  # mode brokers topic
    "$RDK" --mode "$1" --brokers "$2" --topic "$3" --partitions "$PARTS" > "$LOGS/topic-ops.log.tmp" 2>&1
    local rc=$?
    cat "$LOGS/topic-ops.log.tmp" >> "$LOGS/topic-ops.log"
    rm -f "$LOGS/topic-ops.log.tmp"
    return $rc
}

# ---- broker -------------------------------------------------------------

STARTED_BROKER=0
MOCK_PID=
cleanup() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; fi
    if [ "$STARTED_BROKER" = 1 ] && [ "${BENCH_KEEP_BROKER:-0}" != 1 ]; then
        KAFKAC_KAFKA_INSTANCE=bench KAFKAC_KAFKA_PORT_BASE=20092 scripts/kafka.sh stop single >/dev/null 2>&1
    fi
    if [ "${STARTED_TLS_BROKER:-0}" = 1 ] && [ "${BENCH_KEEP_BROKER:-0}" != 1 ]; then
        KAFKAC_KAFKA_INSTANCE=bench-tls KAFKAC_KAFKA_PORT_BASE=20592 scripts/kafka.sh stop single >/dev/null 2>&1
    fi
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

need_broker=0
for s in producer consumer e2e; do has_section $s && need_broker=1; done
BROKERS=${BENCH_BROKERS:-}
if [ "$need_broker" = 1 ] && [ -z "$BROKERS" ]; then
    export KAFKAC_KAFKA_INSTANCE=bench KAFKAC_KAFKA_PORT_BASE=20092
    BROKERS=$(scripts/kafka.sh brokers single)
    if scripts/kafka.sh status single >/dev/null 2>&1; then
        say "using the bench broker already running at $BROKERS"
    else
        say "starting the bench broker (scripts/kafka.sh, instance 'bench') at $BROKERS"
        STARTED_BROKER=1
        scripts/kafka.sh start single || { echo "broker did not start" >&2; exit 1; }
    fi
    unset KAFKAC_KAFKA_INSTANCE KAFKAC_KAFKA_PORT_BASE
fi
if [ "$need_broker" = 1 ]; then
    # A broker fresh from start-up answers slowly for a while (JIT, page
    # cache); let that happen before anything is measured.
    wt="bench-warmup-$RUNID"
    if topic_op create "$BROKERS" "$wt" && topic_op create "$BROKERS" "$wt-e2e"; then
        for _ in 1 2; do
            "$RDK" --mode produce --brokers "$BROKERS" --topic "$wt" --count 200000 --size 1000 --acks 1 \
                >> "$LOGS/warmup.log" 2>&1
            "$RDK" --mode e2e --brokers "$BROKERS" --topic "$wt-e2e" --count 5000 --warmup-ms 500 \
                >> "$LOGS/warmup.log" 2>&1
        done
        topic_op delete "$BROKERS" "$wt"
        topic_op delete "$BROKERS" "$wt-e2e"
    fi
fi

say "libkafkac bench: sections $SECTIONS, N=$N (kafka-python N/$PY_DIV), sizes $SIZES, rounds $ROUNDS"
say "clients: $(for c in ${CLIENTS//,/ }; do printf '%s%s ' "$c" "${WHY[$c]:+ (not available: ${WHY[$c]})}"; done)"
[ "$HAVE_PY_LZ4" = 1 ] || say "python3-lz4 missing: kafka-python lz4 runs will fail"
say "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- producer and consumer runs -----------------------------------------

# Producer runs: every size x acks x compression, each client on a fresh
# topic made and deleted through admin_brokers (plaintext, also for TLS).
produce_runs() {  # section brokers admin_brokers clients_fn acks_list
    local sec=$1 b=$2 ab=$3 fn=$4 acks_list=$5 r size acks comp cfg c t
    for ((r = 1; r <= ROUNDS; r++)); do
        for size in ${SIZES//,/ }; do
            for acks in $acks_list; do
                for comp in none lz4; do
                    cfg="${size}B-acks${acks}-${comp}"
                    for c in $($fn "$r"); do
                        t="bench-$sec-$RUNID-$cfg-$c-r$r"
                        topic_op create "$ab" "$t" || { echo "   cannot create $t"; continue; }
                        run_client "$sec" "$cfg" "$c" "$r" 900 --mode produce --brokers "$b" \
                            --topic "$t" --count "$(count_for "$c" "$N")" --size "$size" --acks "$acks" \
                            --compression "$comp" --linger-ms "$LINGER" --batch-size "$BATCH" \
                            --partitions "$PARTS"
                        topic_op delete "$ab" "$t"
                    done
                done
            done
        done
    done
}

# Consumer runs: the same messages from the beginning, no group, loaded
# once per size and compression by librdkafka through admin_brokers.
consume_runs() {  # section brokers admin_brokers clients_fn
    local sec=$1 b=$2 ab=$3 fn=$4 r size comp c t topics=()
    for size in ${SIZES//,/ }; do
        for comp in none lz4; do
            t="bench-$sec-$RUNID-${size}B-$comp"
            topics+=("$t")
            topic_op create "$ab" "$t" &&
                "$RDK" --mode produce --brokers "$ab" --topic "$t" --count "$N" --size "$size" \
                    --acks 1 --compression "$comp" --linger-ms "$LINGER" --batch-size "$BATCH" \
                    >> "$LOGS/$sec-load.log" 2>&1 || echo "   loading $t failed (see $LOGS/$sec-load.log)"
        done
    done
    for ((r = 1; r <= ROUNDS; r++)); do
        for size in ${SIZES//,/ }; do
            for comp in none lz4; do
                t="bench-$sec-$RUNID-${size}B-$comp"
                for c in $($fn "$r"); do
                    run_client "$sec" "${size}B-$comp" "$c" "$r" 900 --mode consume --brokers "$b" \
                        --topic "$t" --count "$(count_for "$c" "$N")" --size "$size" --partitions "$PARTS"
                done
            done
        done
    done
    for t in "${topics[@]}"; do topic_op delete "$ab" "$t"; done
}

if has_section producer; then
    say "producer: $N messages per run, $PARTS partitions, linger.ms=$LINGER, batch.size=$BATCH"
    produce_runs producer "$BROKERS" "$BROKERS" clients_for_round "1 all"
fi

if has_section consumer; then
    say "consumer: the same messages from the beginning, no group (loaded once by librdkafka)"
    consume_runs consumer "$BROKERS" "$BROKERS" clients_for_round
fi

# ---- end-to-end latency -------------------------------------------------

if has_section e2e; then
    say "e2e: $E2E_N messages of 100 B at $E2E_RATE/s, linger.ms=0, acks=1, consumer in the same process"
    for ((r = 1; r <= ROUNDS; r++)); do
        for c in $(clients_for_round "$r"); do
            t="bench-e-$RUNID-$c-r$r"
            topic_op create "$BROKERS" "$t" || continue
            run_client e2e "100B-${E2E_RATE}ps" "$c" "$r" 600 --mode e2e --brokers "$BROKERS" --topic "$t" \
                --count "$E2E_N" --rate "$E2E_RATE" --size 100 --acks 1 --linger-ms 0 --partitions "$PARTS"
            topic_op delete "$BROKERS" "$t"
        done
    done
fi

# ---- TLS ----------------------------------------------------------------

# A CA and a broker certificate for 127.0.0.1, made here with openssl.
make_tls_certs() {  # dir
    local d=$1
    mkdir -p "$d"
    [ -f "$d/broker.p12" ] && [ -f "$d/ca.pem" ] && return 0
    (
        cd "$d" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj "/CN=bench CA" -days 30 -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
        openssl req -newkey rsa:2048 -nodes -keyout broker.key -subj "/CN=127.0.0.1" -out broker.csr &&
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > broker.ext &&
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile broker.ext \
            -out broker.pem &&
        openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -out broker.p12 \
            -passout pass:benchpass
    ) > "$LOGS/tls-certs.log" 2>&1
}

if has_section tls; then
    TLS_DIR=$ROOT/build/bench/tls
    TLS_PLAIN=127.0.0.1:20592
    TLS_SSL=127.0.0.1:20594
    if ! make_tls_certs "$TLS_DIR"; then
        echo "   cannot make certificates (see $LOGS/tls-certs.log)"
    else
        # The same listener for both clients: SSL at base+2, plaintext (for
        # topic set-up) at base, controller at base+1.
        TLS_PROPS="listeners=PLAINTEXT://$TLS_PLAIN,CONTROLLER://127.0.0.1:20593,SSL://$TLS_SSL
advertised.listeners=PLAINTEXT://$TLS_PLAIN,SSL://$TLS_SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=benchpass
ssl.key.password=benchpass"
        if KAFKAC_KAFKA_INSTANCE=bench-tls KAFKAC_KAFKA_PORT_BASE=20592 scripts/kafka.sh status single \
                >/dev/null 2>&1; then
            say "using the TLS bench broker already running at $TLS_SSL"
        else
            say "starting the TLS bench broker (instance 'bench-tls'): SSL at $TLS_SSL"
            STARTED_TLS_BROKER=1
            KAFKAC_KAFKA_INSTANCE=bench-tls KAFKAC_KAFKA_PORT_BASE=20592 KAFKAC_KAFKA_EXTRA_PROPS="$TLS_PROPS" \
                scripts/kafka.sh start single || echo "   TLS broker did not start"
        fi
        TLS_CLIENTS=""
        for c in libkafkac librdkafka baseline; do case ",$CLIENTS," in *",$c,"*) TLS_CLIENTS="$TLS_CLIENTS $c" ;; esac; done
        tls_round_clients() {  # round
            local list=($TLS_CLIENTS) n i out=()
            n=${#list[@]}
            for ((i = 0; i < n; i++)); do out+=("${list[$(((i + $1 - 1) % n))]}"); done
            echo "${out[@]}"
        }
        say "tls: producer (acks 1) and consumer over TLS at $TLS_SSL: $N messages, sizes $SIZES, none and lz4"
        # Only the measured clients talk TLS; topic set-up stays plaintext.
        CLIENT_ENV="BENCH_SSL_CA=$TLS_DIR/ca.pem"
        produce_runs tls-producer "$TLS_SSL" "$TLS_PLAIN" tls_round_clients 1
        consume_runs tls-consumer "$TLS_SSL" "$TLS_PLAIN" tls_round_clients
        CLIENT_ENV=
    fi
fi

# ---- mock cluster -------------------------------------------------------

start_mock() {  # topics
    local out="$LOGS/mock.out"
    build/bench/bench_rdkafka_mock --brokers-count 3 --partitions "$PARTS" --topic "$1" > "$out" 2>&1 &
    MOCK_PID=$!
    for _ in $(seq 50); do
        MOCK=$(sed -n 's/^BOOTSTRAP //p' "$out")
        [ -n "$MOCK" ] && return 0
        sleep 0.1
    done
    echo "   mock cluster did not start (see $out)"
    return 1
}
stop_mock() { kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; MOCK_PID=; }

if has_section mock; then
    say "mock: librdkafka's mock cluster (3 brokers, own process), acks=1, no compression"
    for ((r = 1; r <= ROUNDS; r++)); do
        for size in ${SIZES//,/ }; do
            # A fresh mock per size and round: it keeps records in memory.
            list="bench-mc-$size"
            for c in ${CLIENTS//,/ }; do list="$list,bench-mp-$size-$c"; done
            start_mock "$list" || break
            for c in $(clients_for_round "$r"); do
                run_client mock-producer "${size}B-acks1-none" "$c" "$r" 600 --mode produce --brokers "$MOCK" \
                    --topic "bench-mp-$size-$c" --count "$(count_for "$c" "$N")" --size "$size" --acks 1 \
                    --compression none --linger-ms "$LINGER" --batch-size "$BATCH" --partitions "$PARTS"
            done
            # The mock drops a partition's oldest records past a few MB, so
            # the consumers read what it still holds, all the same records.
            "$RDK" --mode produce --brokers "$MOCK" --topic "bench-mc-$size" --count "$N" --size "$size" \
                --acks 1 --linger-ms "$LINGER" --batch-size "$BATCH" >> "$LOGS/mock-load.log" 2>&1
            wm=$("$RDK" --mode available --brokers "$MOCK" --topic "bench-mc-$size" --partitions "$PARTS" \
                    2>>"$LOGS/mock-load.log")
            avail=$(sed -n 's/^AVAILABLE //p' <<< "$wm")
            low=$(sed -n 's/^LOW //p' <<< "$wm")
            # Explicit start offsets for every client: the mock's ListOffsets
            # v4+ answer carries 4 stray bytes, which libkafkac rejects.
            for c in $(clients_for_round "$r"); do
                n=$(count_for "$c" "${avail:-0}")
                run_client mock-consumer "${size}B-none" "$c" "$r" 600 --mode consume --brokers "$MOCK" \
                    --topic "bench-mc-$size" --count "$n" --size "$size" --partitions "$PARTS" --offsets "$low"
            done
            stop_mock
        done
    done
fi

# ---- codecs -------------------------------------------------------------

if has_section codecs; then
    say "codecs: CRC32C, compression codecs (bench_codecs), record batch v2 (bench_records)"
    if [ -x build/bench/bench_codecs ]; then
        build/bench/bench_codecs --csv "$RES/codecs.csv" 2>&1 | tee "$LOGS/codecs.log" | sed 's/^/   /'
    else
        echo "   build/bench/bench_codecs did not build"
    fi
    if [ -x build/bench/bench_records ]; then
        build/bench/bench_records --csv "$RES/records.csv" 2>&1 | tee "$LOGS/records.log" | sed 's/^/   /'
    else
        echo "   build/bench/bench_records did not build"
    fi
fi

# ---- tables -------------------------------------------------------------

echo
$PY bench/report.py "$RAW" "$RES"
