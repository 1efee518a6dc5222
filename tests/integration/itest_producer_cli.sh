#!/usr/bin/env bash
# `kafkac produce` as a user runs it: lines from stdin and from files,
# keys with -K, a fixed partition with -p, every codec with -z, settings
# with -X; checked with kcat.  Failures must say so and exit non-zero.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${KAFKAC_TEST_BROKERS:-$(scripts/kafka.sh brokers single)}
K=build/bin/kafkac
fail() { echo "itest_producer_cli: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=kc-produce-cli-$$-$RANDOM

# Keyed lines from stdin, lz4; a line without the delimiter has a null key.
printf 'k1:v1\nk2:v2:with:colons\nnokey\n' | $K produce -b "$B" -t "$t" -K : -z lz4 -X linger.ms=1 2>"$tmp/err" ||
    fail "produce from stdin: $(cat "$tmp/err")"
grep -qx 'delivered 3, failed 0' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
got=$(kcat -C -q -b "$B" -t "$t" -o beginning -e -f '%k|%s\n')
[ "$got" = $'k1|v1\nk2|v2:with:colons\n|nokey' ] || fail "read back: $got"

# Files, every codec, fixed partition 0, in order.
for z in none gzip snappy lz4 zstd; do
    seq 1 100 | sed "s/^/$z-/" > "$tmp/$z.txt"
done
$K produce -b "$B" -t "$t-2" -p 0 -z zstd "$tmp/none.txt" "$tmp/gzip.txt" 2>"$tmp/err" || fail "files: $(cat "$tmp/err")"
for z in snappy lz4 zstd; do
    $K produce -b "$B" -t "$t-2" -p 0 -z $z "$tmp/$z.txt" 2>"$tmp/err" || fail "-z $z: $(cat "$tmp/err")"
    grep -qx 'delivered 100, failed 0' "$tmp/err" || fail "-z $z summary: $(cat "$tmp/err")"
done
cat "$tmp/none.txt" "$tmp/gzip.txt" "$tmp/snappy.txt" "$tmp/lz4.txt" "$tmp/zstd.txt" > "$tmp/all.txt"
kcat -C -q -b "$B" -t "$t-2" -p 0 -o beginning -e -f '%s\n' > "$tmp/got.txt"
cmp -s "$tmp/all.txt" "$tmp/got.txt" || fail "files read back differ ($(wc -l < "$tmp/got.txt") lines)"

# Errors: a bad setting names the key; a refused record counts as failed.
if $K produce -b "$B" -t "$t" -X lingr.ms=5 </dev/null 2>"$tmp/err"; then fail "bad -X accepted"; fi
grep -q "linger.ms" "$tmp/err" || fail "bad -X message: $(cat "$tmp/err")"
if echo toolong | $K produce -b "$B" -t "$t" -X max.request.size=1 2>"$tmp/err"; then fail "refused record exit 0"; fi
grep -qx 'delivered 0, failed 1' "$tmp/err" || fail "refused summary: $(cat "$tmp/err")"
# A refused line in the middle does not stop the input: the lines after
# it are delivered, the refused one is counted, the exit status is 1.
big=$(head -c 600 /dev/zero | tr '\0' x)
if printf 'm1\n%s\nm3\nm4\n' "$big" | $K produce -b "$B" -t "$t-mid" -p 0 -X max.request.size=300 2>"$tmp/err"; then
    fail "refused line in the middle: exit 0"
fi
grep -qx 'delivered 3, failed 1' "$tmp/err" || fail "refused line in the middle, summary: $(cat "$tmp/err")"
grep -q 'line 2 refused: MSG_SIZE_TOO_LARGE' "$tmp/err" || fail "refused line not named: $(cat "$tmp/err")"
got=$(kcat -C -q -b "$B" -t "$t-mid" -o beginning -e -f '%s\n')
[ "$got" = $'m1\nm3\nm4' ] || fail "lines after the refused one, read back: $got"
# No broker reachable: every line is counted as failed, with the reason,
# and the command ends within max.block.ms instead of once per line.
start=$SECONDS
if printf 'a\nb\nc\n' | $K produce -b 127.0.0.1:1 -t "$t" -X max.block.ms=1000 -X delivery.timeout.ms=1500 \
    -X request.timeout.ms=1000 2>"$tmp/err"; then
    fail "unreachable broker: exit 0"
fi
grep -qx 'delivered 0, failed 3' "$tmp/err" || fail "unreachable broker, summary: $(cat "$tmp/err")"
grep -q 'ALL_BROKERS_DOWN' "$tmp/err" || fail "unreachable broker, reason: $(cat "$tmp/err")"
[ $((SECONDS - start)) -le 5 ] || fail "unreachable broker: took $((SECONDS - start)) s"
# Partition that does not exist: the record fails, exit status 1.
if echo x | $K produce -b "$B" -t "$t" -p 99 2>"$tmp/err"; then fail "partition 99 exit 0"; fi
grep -q 'failed 1' "$tmp/err" || fail "partition 99 summary: $(cat "$tmp/err")"
# The examples do what they say.
build/examples/producer_sync "$B" "$t-ex" 3 > "$tmp/sync.txt" || fail "producer_sync"
[ "$(grep -c '^key-[0-2] -> partition 0 offset [0-2]$' "$tmp/sync.txt")" = 3 ] || fail "producer_sync: $(cat "$tmp/sync.txt")"
build/examples/producer_async "$B" "$t-ex" 5000 > "$tmp/async.txt" || fail "producer_async"
grep -q '^delivered 5000, failed 0;' "$tmp/async.txt" || fail "producer_async: $(cat "$tmp/async.txt")"
build/examples/producer_json "$B" "$t-json" > "$tmp/json.txt" || fail "producer_json"
[ "$(wc -l < "$tmp/json.txt")" = 3 ] || fail "producer_json: $(cat "$tmp/json.txt")"
kcat -C -q -b "$B" -t "$t-json" -o beginning -e -f '%k\t%s\n' |
    /usr/bin/python3 -c '
import sys, json
n = 0
for line in sys.stdin:
    k, v = line.rstrip("\n").split("\t", 1)
    assert json.loads(v)["customer"] == k, line
    n += 1
assert n == 3, n' || fail "producer_json values are not the JSON of their orders"
echo "itest_producer_cli: ok"
