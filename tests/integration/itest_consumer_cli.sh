#!/usr/bin/env bash
# `kafkac consume` against the single-node broker, with data written by
# kafka-python (keys, headers, timestamps, a value holding every byte
# 0..255): formats, -p, -o beginning/OFFSET/@TIMESTAMP/end, -c, -e, values
# written byte for byte, bad arguments; and -G (a group) reading every
# record once and then, with the offsets it committed, nothing again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${KAFKAC_TEST_BROKERS:-$(scripts/kafka.sh brokers single)}
K=build/bin/kafkac
T=cli-consume-$$-$(date +%s%N)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "itest_consumer_cli: FAIL: $*" >&2; exit 1; }

$K topics create -b "$B" -t "$T" --partitions 2 > /dev/null || fail "topic create"

# Partition 0: r0..r4 at timestamps 1700000000000 + i s, key k<i>, header
# n=<i>; partition 1: one record whose value is every byte 0..255.
/usr/bin/python3 - "$B" "$T" <<'EOF' || fail "kafka-python producer"
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1].split(","), acks="all")
for i in range(5):
    p.send(sys.argv[2], partition=0, key=b"k%d" % i, value=b"r%d" % i,
           headers=[("n", b"%d" % i)], timestamp_ms=1700000000000 + i * 1000)
p.send(sys.argv[2], partition=1, key=None, value=bytes(range(256)), timestamp_ms=1700000000000)
p.flush()
p.close()
EOF

out=$($K consume -b "$B" -t "$T" -p 0 -o beginning -e -f '%t|%p|%o|%k|%s|%T|%h\n')
want=""
for i in 0 1 2 3 4; do
    want+="$T|0|$i|k$i|r$i|$((1700000000000 + i * 1000))|n=$i"$'\n'
done
[ "$out"$'\n' = "$want" ] || fail "-f output was:
$out
expected:
$want"

# -o OFFSET, -c COUNT, the default format (value and newline).
out=$($K consume -b "$B" -t "$T" -p 0 -o 2 -c 2)
[ "$out" = $'r2\nr3' ] || fail "-o 2 -c 2 gave '$out'"

# -o @TIMESTAMP: the first record at or after it.
out=$($K consume -b "$B" -t "$T" -p 0 -o @1700000002500 -e -f '%o ')
[ "$out" = "3 4 " ] || fail "-o @ts gave '$out'"

# -o end with -e: nothing, and it exits.
out=$(timeout 20 $K consume -b "$B" -t "$T" -o end -e) || fail "-o end -e did not exit 0"
[ -z "$out" ] || fail "-o end -e printed '$out'"

# Values byte for byte (all partitions, -p omitted).
$K consume -b "$B" -t "$T" -p 1 -o beginning -e -f '%s' > "$TMP/bytes"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' > "$TMP/want"
cmp "$TMP/bytes" "$TMP/want" || fail "binary value not written byte for byte"
n=$($K consume -b "$B" -t "$T" -o beginning -e -f 'x\n' | wc -l)
[ "$n" -eq 6 ] || fail "whole topic gave $n records, expected 6"

# Errors: a bad property, a bad -o, a topic that does not exist.
if $K consume -b "$B" -t "$T" -X fetch.max.wait.ms=abc -e 2> "$TMP/err"; then fail "bad -X accepted"; fi
grep -q "fetch.max.wait.ms" "$TMP/err" || fail "bad -X error does not name the key: $(cat "$TMP/err")"
if $K consume -b "$B" -t "$T" -o sideways -e 2> /dev/null; then fail "bad -o accepted"; fi
if timeout 30 $K consume -b "$B" -t "$T-missing" -X allow.auto.create.topics=false -e 2> "$TMP/err"; then
    fail "missing topic accepted"
fi

# Bad numbers for -p and -c are refused, naming the option (issue 13).
for bad in "-p abc" "-p -5" "-c abc" "-c -3"; do
    # shellcheck disable=SC2086
    if timeout 20 $K consume -b "$B" -t "$T" $bad -e 2> "$TMP/err"; then fail "consume $bad accepted"; fi
    grep -q -- "${bad%% *}" "$TMP/err" || fail "consume $bad: the error does not name the option: $(cat "$TMP/err")"
done

# -G where nothing can succeed: an invalid topic name fails at once, and no
# broker fails once default.api.timeout.ms has passed -- each with the
# reason on stderr, instead of waiting in silence for ever.
t0=$(date +%s)
if timeout 20 $K consume -b "$B" -t "bad topic!" -G "cli-bad-$$" 2> "$TMP/err"; then fail "-G with 'bad topic!' exited 0"; fi
grep -q "bad topic!" "$TMP/err" || fail "-G with 'bad topic!': stderr does not name it: $(cat "$TMP/err")"
set +e
timeout 20 $K consume -b 127.0.0.1:1 -t "$T" -G "cli-nobroker-$$" -X default.api.timeout.ms=2000 2> "$TMP/err"
st=$?
set -e
[ "$st" -ne 0 ] || fail "-G with no broker exited 0"
[ "$st" -ne 124 ] || fail "-G with no broker did not exit within 20 s (default.api.timeout.ms=2000)"
grep -q "127.0.0.1:1" "$TMP/err" || fail "-G with no broker: stderr does not say what failed: $(cat "$TMP/err")"
[ $(( $(date +%s) - t0 )) -le 15 ] || fail "-G errors took $(( $(date +%s) - t0 )) s"

# -G: a group reads everything once from the beginning and commits; the
# next run of the same group starts after what was committed.
if $K consume -h | grep -- '-G' >/dev/null; then
    G=cli-group-$$
    n=$(timeout 60 $K consume -b "$B" -t "$T" -G "$G" -o beginning -c 6 -f '%p/%o\n' | sort -u | wc -l)
    [ "$n" -eq 6 ] || fail "-G read $n distinct records, expected 6"
    /usr/bin/python3 - "$B" "$T" <<'EOF' || fail "kafka-python producer (2)"
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1].split(","), acks="all")
p.send(sys.argv[2], partition=0, value=b"after")
p.flush()
p.close()
EOF
    out=$(timeout 60 $K consume -b "$B" -t "$T" -G "$G" -o beginning -c 1)
    [ "$out" = "after" ] || fail "second -G run read '$out', expected only the new record"
    # A regex subscription (a new group): every record of the topic.
    n=$(timeout 60 $K consume -b "$B" -t "^$T\$" -G "$G-re" -o beginning -c 7 -f '%t\n' | grep -c "^$T\$")
    [ "$n" -eq 7 ] || fail "-G with a regex read $n records, expected 7"
fi
echo "itest_consumer_cli: ok"
