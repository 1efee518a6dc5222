#!/usr/bin/env bash
# The admin commands of the kafkac CLI and examples/admin against the
# single-node broker: each command's effect is read back with another
# command, and a failing operation exits non-zero naming the Kafka error.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${KAFKAC_TEST_BROKERS:-127.0.0.1:31092}
K="build/bin/kafkac"
T=cli-admin-$$-$(date +%s%N)
G=cli-group-$$-$(date +%s%N)
fail() { echo "itest_admin_cli: FAIL: $*" >&2; exit 1; }
# KRaft applies a config change on the broker a moment after the controller
# accepted it: read it back until it shows (5 s at most).
eventually() { # pattern command...
    local pat=$1 i; shift
    for i in $(seq 1 50); do
        OUT=$("$@" 2>&1) && grep -q -- "$pat" <<<"$OUT" && return 0
        sleep 0.1
    done
    fail "'$*' never showed '$pat': $OUT"
}
run() { # expected-status command... ; output in $OUT
    local want=$1; shift
    OUT=$("$@" 2>&1); local rc=$?
    [ $rc -eq "$want" ] || fail "'$*' exited $rc (wanted $want): $OUT"
}

run 0 $K topics create -b "$B" -t "$T" --partitions 3 --replication-factor 1 --config retention.ms=86400000
run 1 $K topics create -b "$B" -t "$T" --partitions 3 --replication-factor 1
grep -q "TOPIC_ALREADY_EXISTS" <<<"$OUT" || fail "second create did not say TOPIC_ALREADY_EXISTS: $OUT"
run 1 $K topics create -b "$B" -t "$T-rf" --partitions 1 --replication-factor 9
grep -q "INVALID_REPLICATION_FACTOR" <<<"$OUT" || fail "rf 9: $OUT"
run 1 $K topics create -b "$B" -t "$T-cfg" --config no.such.config=1
grep -q "INVALID_CONFIG" <<<"$OUT" || fail "unknown config: $OUT"

# describe: kafka-topics.sh's layout.
run 0 $K topics describe -b "$B" -t "$T"
grep -Eq "^Topic: $T	TopicId: [A-Za-z0-9_-]{22}	PartitionCount: 3	ReplicationFactor: 1	Configs: retention.ms=86400000$" <<<"$OUT" \
    || fail "describe header: $OUT"
[ "$(grep -c "	Topic: $T	Partition: [0-2]	Leader: 1	Replicas: 1	Isr: 1$" <<<"$OUT")" = 3 ] || fail "describe partitions: $OUT"
run 0 $K topics list -b "$B"
grep -qx "$T" <<<"$OUT" || fail "list does not show $T"

run 0 $K topics add-partitions -b "$B" -t "$T" --partitions 4
eventually "PartitionCount: 4" $K topics describe -b "$B" -t "$T"
run 1 $K topics add-partitions -b "$B" -t "$T" --partitions 2
grep -q "INVALID_PARTITIONS" <<<"$OUT" || fail "shrink: $OUT"

# configs: alter then read back with its source; delete reverts.
run 0 $K configs alter -b "$B" --entity-type topics --entity-name "$T" --add-config cleanup.policy=compact
eventually "cleanup.policy=compact	source=DYNAMIC_TOPIC_CONFIG" \
    $K configs describe -b "$B" --entity-type topics --entity-name "$T"
run 0 $K topics alter -b "$B" -t "$T" --delete-config cleanup.policy
eventually "cleanup.policy=delete	source=DEFAULT_CONFIG default" \
    $K configs describe -b "$B" --entity-type topics --entity-name "$T" --all
run 1 $K configs alter -b "$B" --entity-type topics --entity-name "$T" --add-config no.such=1
grep -q "INVALID_CONFIG" <<<"$OUT" || fail "configs alter unknown: $OUT"
run 0 $K configs describe -b "$B" --entity-type brokers --entity-name 1
grep -q "source=STATIC_BROKER_CONFIG" <<<"$OUT" || fail "broker configs: $OUT"

# groups: a committed group via kcat, its offsets and lag, reset, delete.
printf 'a\nb\nc\nd\ne\n' | kcat -P -b "$B" -t "$T" -p 0 || fail "kcat produce"
timeout 60 kcat -b "$B" -G "$G" -X auto.offset.reset=earliest -X enable.auto.commit=true \
    -X auto.commit.interval.ms=100 -e -q "$T" >/dev/null 2>&1 || true
run 0 $K groups list -b "$B"
grep -q "^$G " <<<"$OUT" || fail "groups list: $OUT"
run 0 $K groups describe -b "$B" -g "$G"
grep -Eq "^$G +$T +0 +5 +5 +0 " <<<"$OUT" || fail "groups describe offsets: $OUT"
run 0 $K groups reset-offsets -b "$B" -g "$G" -t "$T" --to-earliest
run 0 $K groups describe -b "$B" -g "$G"
grep -Eq "^$G +$T +0 +0 +5 +5 " <<<"$OUT" || fail "reset to earliest: $OUT"
run 0 $K groups reset-offsets -b "$B" -g "$G" -t "$T:0" --to-offset 3
run 0 $K groups describe -b "$B" -g "$G"
grep -Eq "^$G +$T +0 +3 +5 +2 " <<<"$OUT" || fail "reset to offset 3: $OUT"
run 0 $K groups delete -b "$B" -g "$G"
run 1 $K groups delete -b "$B" -g "$G"
grep -q "GROUP_ID_NOT_FOUND" <<<"$OUT" || fail "second group delete: $OUT"

run 0 $K metadata -b "$B" -t "$T"
grep -q "^Controller: 1$" <<<"$OUT" || fail "metadata controller: $OUT"
grep -q "topic \"$T\" with 4 partition(s)" <<<"$OUT" || fail "metadata topic: $OUT"

run 0 $K topics delete -b "$B" -t "$T"
run 1 $K topics delete -b "$B" -t "$T"
grep -q "UNKNOWN_TOPIC_OR_PARTITION" <<<"$OUT" || fail "second delete: $OUT"
run 1 $K topics describe -b "$B" -t "$T"

# The example's walk-through.
run 0 build/examples/admin "$B"
grep -q "created topic bankbranch with 2 partitions" <<<"$OUT" || fail "example: $OUT"
grep -q "deleted topic bankbranch" <<<"$OUT" || fail "example: $OUT"
echo "itest_admin_cli: ok"
