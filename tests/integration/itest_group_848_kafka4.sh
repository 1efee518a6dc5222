#!/usr/bin/env bash
# group.protocol=consumer (KIP-848) on Kafka 4.4.0, whatever release make
# check pinned: starts a 4.4.0 broker of its own (instance "kip848", ports
# above the pinned broker's), runs itest_group_848 against it, then puts a
# Java consumer (kafka-clients' KafkaConsumer, group.protocol=consumer) and
# `kafkac consume -G` in one group: they split the partitions, hand them
# over when the libkafkac member joins, is fenced (SIGSTOP past the
# session timeout) and rejoins, and leaves; every record is processed
# exactly once across the two.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
K=scripts/kafka.sh
V=4.4.0
fail() { echo "itest_group_848_kafka4: FAIL: $*" >&2; exit 1; }

export KAFKAC_KAFKA_INSTANCE=kip848
export KAFKAC_KAFKA_PORT_BASE=$(( ${KAFKAC_KAFKA_PORT_BASE:-31092} + 400 ))
# Heartbeats every second (the broker's default is 5 s) keep hand-overs,
# which move at heartbeat pace, quick.
export KAFKAC_KAFKA_EXTRA_PROPS=$'group.consumer.heartbeat.interval.ms=1000\ngroup.consumer.min.heartbeat.interval.ms=500\ngroup.consumer.min.session.timeout.ms=6000\ngroup.consumer.session.timeout.ms=10000'
W=build/itest-848
JAVA_PID= KC_PID=
cleanup() {
    [ -n "$KC_PID" ] && { kill -CONT "$KC_PID"; kill "$KC_PID"; } 2>/dev/null || true
    [ -n "$JAVA_PID" ] && kill "$JAVA_PID" 2>/dev/null || true
    KAFKA_VERSION=$V $K stop single >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$W"; mkdir -p "$W"
KAFKA_VERSION=$V $K start single > "$W/broker.log" 2>&1 || { tail -5 "$W/broker.log"; fail "could not start Kafka $V"; }
B=$(KAFKA_VERSION=$V $K brokers single)
LIB=$(KAFKA_VERSION=$V $K jars $V)

KAFKA_VERSION=$V KAFKAC_TEST_BROKERS=$B timeout 240 build/tests/integration/itest_group_848 \
    || fail "itest_group_848 failed against Kafka $V at $B"

# ---- a Java member and a libkafkac member in one group
javac -d "$W" -cp "$LIB/*" tests/integration/java/Kip848Member.java || fail "javac Kip848Member.java"
T=k848java-$$-$RANDOM
G=g$T
NP=6
build/bin/kafkac topics create -b "$B" -t "$T" --partitions $NP > /dev/null || fail "create topic $T"
produce() { # first count
    local p
    for p in $(seq 0 $((NP - 1))); do
        seq "$1" $(($1 + $2 - 1)) | build/bin/kafkac produce -b "$B" -t "$T" -p "$p" > /dev/null 2>&1 \
            || fail "produce into $T [$p]"
    done
}
lines() { cat "$@" 2>/dev/null | wc -l; }
have_lines() { [ "$(lines "${@:2}")" -ge "$1" ]; }  # count files...
wait_for() { # seconds description command...
    local s=$1 what=$2; shift 2
    for _ in $(seq $((s * 10))); do "$@" && return 0; sleep 0.1; done
    fail "$what (waited $s s)"
}
N=20
produce 1 $N
java -cp "$LIB/*:$W" Kip848Member "$B" "$G" "$T" "$W/stop" > "$W/java.out" 2> "$W/java.err" &
JAVA_PID=$!
wait_for 60 "the Java member read the first $((NP * N)) records" have_lines $((NP * N)) "$W/java.out"

# Line-buffered: the script counts its output lines while it runs.
stdbuf -oL build/bin/kafkac consume -b "$B" -t "$T" -G "$G" -o beginning -f '%p %o\n' -X group.protocol=consumer \
    > "$W/kc.out" 2> "$W/kc.err" &
KC_PID=$!
wait_for 30 "the Java member gave partitions up to the libkafkac member" grep -q '^revoked' "$W/java.err"
sleep 3  # the assignment settles at heartbeat pace
produce $((N + 1)) $N
wait_for 60 "both members read the second $((NP * N)) records" \
    have_lines $((2 * NP * N)) "$W/java.out" "$W/kc.out"
[ "$(lines "$W/kc.out")" -gt 0 ] || fail "the libkafkac member read nothing: $(cat "$W/kc.err")"

count() { grep -c "^$1" "$W/java.err" || true; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }

# Fencing: the libkafkac member stops (SIGSTOP) for longer than the
# broker's session timeout (10 s): the broker fences it and gives its
# partitions to the Java member.  Resumed, it learns it was fenced
# (UNKNOWN_MEMBER_ID or FENCED_MEMBER_EPOCH), drops its partitions as lost,
# joins again with epoch 0 and gets a share back.  It committed what it
# had read before it stopped (auto commit, every 5 s), so nothing is read
# twice.
sleep 6
a0=$(count assigned) r0=$(count revoked)
kill -STOP "$KC_PID"
wait_for 40 "the Java member took over the partitions of the stopped (fenced) libkafkac member" \
    at_least assigned $((a0 + 1))
kill -CONT "$KC_PID"
wait_for 40 "the Java member gave partitions back to the libkafkac member after it rejoined" \
    at_least revoked $((r0 + 1))
sleep 3
kc_before=$(lines "$W/kc.out")
produce $((2 * N + 1)) $N
wait_for 60 "both members read the third $((NP * N)) records" \
    have_lines $((3 * NP * N)) "$W/java.out" "$W/kc.out"
[ "$(lines "$W/kc.out")" -gt "$kc_before" ] || fail "the rejoined libkafkac member read none of the third batch"

# The libkafkac member leaves (close: epoch -1): Java gets everything back.
a1=$(count assigned)
kill -TERM "$KC_PID"; wait "$KC_PID" || fail "kafkac consume exited with $? on SIGTERM: $(cat "$W/kc.err")"
KC_PID=
wait_for 30 "the Java member got the partitions back after the libkafkac member left" at_least assigned $((a1 + 1))
produce $((3 * N + 1)) $N
wait_for 60 "the Java member read the fourth $((NP * N)) records" \
    have_lines $((4 * NP * N)) "$W/java.out" "$W/kc.out"
touch "$W/stop"; wait "$JAVA_PID" || fail "the Java member exited with $?: $(tail -5 "$W/java.err")"
JAVA_PID=

# Every record exactly once across the two members.
dups=$(cat "$W/java.out" "$W/kc.out" | sort | uniq -d | head -5)
[ -z "$dups" ] || fail "records processed twice (partition offset): $dups"
total=$(cat "$W/java.out" "$W/kc.out" | sort -u | wc -l)
[ "$total" -eq $((4 * NP * N)) ] || fail "$total distinct records processed, want $((4 * NP * N))"
echo "itest_group_848_kafka4: ok (Java read $(lines "$W/java.out"), libkafkac $(lines "$W/kc.out") of $total)"
