#!/usr/bin/env bash
# The three consumer examples do what their comments promise, against the
# single-node broker, on records written by kcat (librdkafka):
#   consumer_partition      reads the listed partitions to their end and exits;
#   consumer_manual_commit  processes COUNT records and commits after them, so
#                           a second run in the same group sees only new ones;
#   consumer_group          joins, prints every record once, and on SIGINT
#                           closes: commits, revokes, leaves, exits 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${KAFKAC_TEST_BROKERS:-$(scripts/kafka.sh brokers single)}
K=build/bin/kafkac
E=build/examples
T=ex-consume-$$-$(date +%s%N)
TMP=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$TMP"' EXIT
fail() { echo "itest_consumer_examples: FAIL: $*" >&2; exit 1; }

$K topics create -b "$B" -t "$T" --partitions 2 > /dev/null || fail "topic create"
put() { # partition first last: values "p<P>-<i>"
    for i in $(seq "$2" "$3"); do echo "p$1-$i"; done |
        kcat -P -q -b "$B" -t "$T" -p "$1" -X acks=all || fail "kcat -P into partition $1"
}
put 0 1 5
put 1 1 5

# consumer_partition: "partition offset: value", ten lines, then it exits.
timeout 30 "$E/consumer_partition" "$B" "$T" 0,1 beginning > "$TMP/part.out" || fail "consumer_partition exited with $?"
want=$(for p in 0 1; do for i in 1 2 3 4 5; do echo "$p $((i - 1)): p$p-$i"; done; done | sort)
got=$(sort "$TMP/part.out")
[ "$got" = "$want" ] || fail "consumer_partition printed:
$got
expected:
$want"
# From an offset: only what follows it.
timeout 30 "$E/consumer_partition" "$B" "$T" 1 3 > "$TMP/part3.out" || fail "consumer_partition from 3"
[ "$(cat "$TMP/part3.out")" = $'1 3: p1-4\n1 4: p1-5' ] || fail "consumer_partition from offset 3 printed: $(cat "$TMP/part3.out")"

# consumer_manual_commit: 10 records of 4 bytes; a second run in the same
# group after 3 more records processes those 3 only (the first run's
# commits held).  It needs auto.offset.reset=earliest for the first run:
# the example sets it.
G=$T-manual
out=$(timeout 60 "$E/consumer_manual_commit" "$B" "$G" "$T" 10 2>"$TMP/manual.err") ||
    fail "consumer_manual_commit exited with $?: $(cat "$TMP/manual.err")"
[ "$out" = "processed 10 records, 40 value bytes" ] || fail "consumer_manual_commit said: $out"
put 0 6 7
put 1 6 6
out=$(timeout 60 "$E/consumer_manual_commit" "$B" "$G" "$T" 3 2>"$TMP/manual2.err") ||
    fail "second consumer_manual_commit exited with $?: $(cat "$TMP/manual2.err")"
[ "$out" = "processed 3 records, 12 value bytes" ] || fail "second consumer_manual_commit said: $out"
lag=$($K groups describe -b "$B" -g "$G" | awk -v t="$T" '$2 == t {s += $6} END {print s + 0}')
[ "$lag" = 0 ] || fail "group $G has lag $lag after processing everything"

# consumer_group: every record once, then SIGINT closes it cleanly.  Its
# stdout is a file (fully buffered), so progress is watched through the
# rebalance callback (stderr) and the group's committed offsets.
G=$T-iter
group_lag() {
    $K groups describe -b "$B" -g "$G" 2>/dev/null | awk -v t="$T" '$2 == t {s += $6; n++} END {print n ? s : -1}'
}
"$E/consumer_group" "$B" "$G" "$T" -X auto.offset.reset=earliest -X auto.commit.interval.ms=300 \
    > "$TMP/group.out" 2> "$TMP/group.err" &
pid=$!
for _ in $(seq 1 300); do grep -q "^% assigned" "$TMP/group.err" && break; sleep 0.1; done
grep -q "^% assigned" "$TMP/group.err" || fail "consumer_group got no assignment in 30 s: $(cat "$TMP/group.err")"
for _ in $(seq 1 100); do [ "$(group_lag)" = 0 ] && break; sleep 0.2; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || fail "consumer_group exited with $rc after SIGINT: $(cat "$TMP/group.err")"
n=$(grep -c "^$T\[" "$TMP/group.out" || true)
uniq_n=$(grep "^$T\[" "$TMP/group.out" | sort -u | wc -l)
[ "$n" = 13 ] && [ "$uniq_n" = 13 ] || fail "consumer_group printed $n records ($uniq_n distinct), expected the 13 once each:
$(cat "$TMP/group.out")"
grep -q "^% assigned: .*$T\[0\]" "$TMP/group.err" && grep -q "^% revoked:" "$TMP/group.err" ||
    fail "consumer_group's rebalance callback did not report assigned and revoked: $(cat "$TMP/group.err")"
lag=$(group_lag)
[ "$lag" = 0 ] || fail "group $G has lag $lag after consumer_group closed"
echo "itest_consumer_examples: consumer_partition, consumer_manual_commit and consumer_group behave as documented"
