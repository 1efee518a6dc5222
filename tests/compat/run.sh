#!/usr/bin/env bash
# `make check-compat`: libkafkac against old ZooKeeper-mode Kafka releases.
#
# For each release (KAFKAC_COMPAT_VERSIONS, default "2.8.2 1.1.1 0.10.2.2
# 0.10.0.1")
# it starts a single broker with scripts/kafka.sh (jars from Maven Central,
# cached), then checks with the kafkac CLI:
#   probe     `kafkac probe` names the release (before 2.4 this needs the
#             ApiVersions v0 retry);  0.10.0 also needs ListOffsets v0;
#   produce   N keyed records, plain and with each codec the release has
#             (0.10: Produce v2, message format v1);
#   consume   them back, byte for byte, from partition 0 (0.10: Fetch v2/v3);
#   group     the same through a consumer group, and nothing more on a
#             second run (the offsets were committed);
#   idempotence  explicit enable.idempotence=true fails on 0.10 (no
#             InitProducerId) and works on later releases; the default
#             (on) falls back on 0.10, which the produce checks show;
#   kcat      (if installed) reads what kafkac wrote, and kafkac reads what
#             kcat wrote.
# Prints one line per check and a summary; exits non-zero if any failed.
#
# Environment: KAFKAC_KAFKA_PORT_BASE (see scripts/kafka.sh),
# KAFKAC_COMPAT_RECORDS (default 1000), KAFKAC_COMPAT_KEEP=1 leaves the
# brokers running.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAFKAC="$ROOT/build/bin/kafkac"
KAFKA="$ROOT/scripts/kafka.sh"
VERSIONS=${KAFKAC_COMPAT_VERSIONS:-2.8.2 1.1.1 0.10.2.2 0.10.0.1}
N=${KAFKAC_COMPAT_RECORDS:-1000}
export KAFKAC_KAFKA_INSTANCE=${KAFKAC_KAFKA_INSTANCE:-compat}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafkac-compat.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

[ -x "$KAFKAC" ] || { echo "check-compat: $KAFKAC missing (make build/bin/kafkac)" >&2; exit 2; }
HAVE_KCAT=0
command -v kcat >/dev/null && HAVE_KCAT=1

passed=0 failed=0 failures=""
ok()  { passed=$((passed + 1)); printf '  PASS %-28s %s\n' "$1" "${2:-}"; }
bad() { failed=$((failed + 1)); failures="$failures $V:$1"; printf '  FAIL %-28s %s\n' "$1" "${2:-}"; }

# N records "key-i<TAB>value i ..." with varied lengths; the last line has
# an empty value.
make_input() {
    awk -v n="$N" -v tag="$1" 'BEGIN { for (i = 0; i < n - 1; i++) {
        v = sprintf("%s value %d", tag, i); for (j = 0; j < i % 7; j++) v = v " padding";
        printf "key-%d\t%s\n", i, v }
        printf "key-%d\t\n", n - 1 }'
}

# Reads topic $1 from the beginning to its end with kafkac, as key<TAB>value.
kc_read() {
    timeout 60 "$KAFKAC" consume -b "$B" -t "$1" -p 0 -o beginning -e -f '%k\t%s\n' 2>"$WORK/consume.err"
}

# Compares what was read ($2) with what was written ($1).
same() {
    if cmp -s "$1" "$2"; then return 0; fi
    echo "    expected $(wc -l < "$1") lines, got $(wc -l < "$2"); first difference:" >&2
    diff "$1" "$2" | head -n 4 | sed 's/^/    /' >&2
    return 1
}

codecs_of() {  # version: what message format v1 (0.10) or v2 can carry
    case "$1" in
        0.*|1.*|2.0.*) echo "none gzip snappy lz4" ;;
        *) echo "none gzip snappy lz4 zstd" ;;
    esac
}

for V in $VERSIONS; do
    echo "== Kafka $V"
    t0=$SECONDS
    if ! KAFKA_VERSION=$V "$KAFKA" start single > "$WORK/start.log" 2>&1; then
        cat "$WORK/start.log" >&2
        bad start "scripts/kafka.sh start failed"
        KAFKA_VERSION=$V "$KAFKA" stop single >/dev/null 2>&1
        continue
    fi
    B=$(KAFKA_VERSION=$V "$KAFKA" brokers single)
    ok start "$B in $((SECONDS - t0)) s"

    # probe: the release, by name
    if out=$(timeout 30 "$KAFKAC" probe -b "$B" 2>&1); then
        rel=$(sed -n 's/^release: //p' <<< "$out" | head -n 1)
        case "$V." in
            "$rel".*) ok probe "release $rel" ;;
            *) bad probe "release '$rel' does not name $V" ;;
        esac
    else
        bad probe "$(head -n 2 <<< "$out" | tr '\n' ' ')"
    fi

    # produce + consume, each codec
    for z in $(codecs_of "$V"); do
        topic="compat-$z"
        make_input "$z" > "$WORK/in.$z"
        if ! timeout 60 "$KAFKAC" produce -b "$B" -t "$topic" -p 0 -K $'\t' -z "$z" "$WORK/in.$z" \
                > "$WORK/produce.out" 2>&1; then
            bad "produce $z" "$(tail -n 2 "$WORK/produce.out" | tr '\n' ' ')"
            continue
        fi
        ok "produce $z" "$(tail -n 1 "$WORK/produce.out")"
        if kc_read "$topic" > "$WORK/out.$z" && same "$WORK/in.$z" "$WORK/out.$z"; then
            ok "consume $z" "$N records back"
        else
            bad "consume $z" "$(head -n 2 "$WORK/consume.err" | tr '\n' ' ')"
        fi
        if [ "$HAVE_KCAT" = 1 ]; then
            if timeout 60 kcat -C -q -b "$B" -t "$topic" -p 0 -o beginning -e -f '%k\t%s\n' > "$WORK/kcat.$z" 2>/dev/null &&
               same "$WORK/in.$z" "$WORK/kcat.$z"; then
                ok "kcat reads kafkac's $z" "$N records"
            else
                bad "kcat reads kafkac's $z"
            fi
        fi
    done

    # idempotence: on by default, it falls back where the broker lacks
    # InitProducerId (before 0.11); asked for explicitly, that is an error
    printf 'k\tv\n' > "$WORK/one"
    timeout 60 "$KAFKAC" produce -b "$B" -t compat-idem -X enable.idempotence=true "$WORK/one" -K $'\t' \
        > "$WORK/idem.out" 2>&1
    rc=$?
    case "$V" in
        0.10.*)
            if [ $rc -ne 0 ] && grep -q UNSUPPORTED_FEATURE "$WORK/idem.out"; then
                ok "explicit idempotence refused" "$(grep -m1 UNSUPPORTED_FEATURE "$WORK/idem.out")"
            else
                bad "explicit idempotence refused" "exit $rc: $(tail -n 1 "$WORK/idem.out")"
            fi ;;
        *)
            if [ $rc -eq 0 ]; then ok "explicit idempotence" "$(tail -n 1 "$WORK/idem.out")"
            else bad "explicit idempotence" "exit $rc: $(tail -n 2 "$WORK/idem.out" | tr '\n' ' ')"; fi ;;
    esac

    # consumer group: everything once, then nothing (offsets committed)
    g="compat-group-$$"
    if timeout 60 "$KAFKAC" consume -b "$B" -t compat-none -G "$g" -o beginning -c "$N" -f '%k\t%s\n' \
            > "$WORK/group.1" 2>"$WORK/group.err" && same "$WORK/in.none" "$WORK/group.1"; then
        ok "group consume" "$N records"
    else
        bad "group consume" "$(head -n 2 "$WORK/group.err" | tr '\n' ' ')"
    fi
    if timeout 60 "$KAFKAC" consume -b "$B" -t compat-none -G "$g" -e -f '%k\t%s\n' \
            > "$WORK/group.2" 2>"$WORK/group.err" && [ ! -s "$WORK/group.2" ]; then
        ok "group resumes at commit" "0 records on the second run"
    else
        bad "group resumes at commit" "$(wc -l < "$WORK/group.2") records again $(head -n 1 "$WORK/group.err")"
    fi

    # kafkac reads what kcat (librdkafka) wrote
    if [ "$HAVE_KCAT" = 1 ]; then
        make_input kcat > "$WORK/in.kcat"
        if timeout 60 kcat -P -q -b "$B" -t compat-kcat -p 0 -K $'\t' -z gzip < "$WORK/in.kcat" 2>/dev/null &&
           kc_read compat-kcat > "$WORK/out.kcat" && same "$WORK/in.kcat" "$WORK/out.kcat"; then
            ok "kafkac reads kcat's gzip" "$N records"
        else
            bad "kafkac reads kcat's gzip" "$(head -n 2 "$WORK/consume.err" | tr '\n' ' ')"
        fi
    fi

    if [ "${KAFKAC_COMPAT_KEEP:-0}" != 1 ]; then
        KAFKA_VERSION=$V "$KAFKA" stop single >/dev/null 2>&1
    fi
    echo "   ($((SECONDS - t0)) s)"
done

echo "check-compat: $passed passed, $failed failed${failures:+ (failed:$failures)}"
[ "$failed" -eq 0 ]
