#!/usr/bin/env bash
# examples/transactions as a user runs it: consume-transform-produce from
# one topic to another with kcat-written input; the output, read with
# kcat at read_committed, is each input line upper-cased exactly once,
# and a second run with the same group finds nothing left to do (the
# offsets were committed by the transactions).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${KAFKAC_TEST_BROKERS:-$(scripts/kafka.sh brokers single)}
X=build/examples/transactions
fail() { echo "itest_transactions_example: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=kc-txn-example-$$-$RANDOM

/usr/bin/python3 -c "from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers='$B'.split(','))
a.create_topics([NewTopic('$t-in', 3, 1), NewTopic('$t-out', 3, 1)])
a.close()" >/dev/null 2>&1 || fail "create topics"
seq 1 300 | sed 's/^/line-/' > "$tmp/in.txt"
kcat -P -b "$B" -t "$t-in" -l "$tmp/in.txt" || fail "kcat input"

$X "$B" "$t-in" "$t-out" "$t-g" "$t-tx" 3000 > "$tmp/run1.txt" 2>"$tmp/err1" || fail "run 1: $(cat "$tmp/err1")"
grep -q '^processed 300 records in [0-9]* transactions (0 aborted)$' "$tmp/run1.txt" || fail "run 1 said: $(cat "$tmp/run1.txt")"

tr a-z A-Z < "$tmp/in.txt" | sort > "$tmp/want.txt"
got=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
    kcat -C -q -b "$B" -t "$t-out" -o beginning -e -X isolation.level=read_committed -f '%s\n' | sort > "$tmp/got.txt"
    got=$(wc -l < "$tmp/got.txt")
    [ "$got" -ge 300 ] && break
    sleep 0.5
done
cmp -s "$tmp/want.txt" "$tmp/got.txt" || fail "output differs from the upper-cased input ($got lines)"

# Same group again: everything was committed with the transactions.
$X "$B" "$t-in" "$t-out" "$t-g" "$t-tx" 2000 > "$tmp/run2.txt" 2>"$tmp/err2" || fail "run 2: $(cat "$tmp/err2")"
grep -qx 'processed 0 records in 0 transactions (0 aborted)' "$tmp/run2.txt" || fail "run 2 said: $(cat "$tmp/run2.txt")"
echo "itest_transactions_example: OK"
