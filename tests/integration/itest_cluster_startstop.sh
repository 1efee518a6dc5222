#!/usr/bin/env bash
# The 3-node cluster that scripts/kafka.sh starts is really three brokers,
# and a node killed with SIGKILL comes back with its data through
# `scripts/kafka.sh start-node`.  Checked from outside with kcat, the way a
# user would.  Needs the cluster running (tests/run.sh starts it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
K=scripts/kafka.sh
fail() { echo "itest_cluster_startstop: FAIL: $*" >&2; $K status cluster >&2 || true; exit 1; }
brokers=${KAFKAC_TEST_CLUSTER_BROKERS:-$($K brokers cluster)}
IFS=, read -r b1 b2 b3 <<< "$brokers"
[ -n "$b3" ] || fail "expected three brokers, got '$brokers'"

# Waits up to $1 s for `kcat -L` via broker $2 to report exactly $3 brokers.
wait_brokers() {
    local deadline=$((SECONDS + $1)) got=""
    while [ $SECONDS -lt $deadline ]; do
        got=$(kcat -m 5 -b "$2" -L 2>/dev/null | sed -n 's/^ \([0-9]*\) brokers:$/\1/p' || true)
        [ "$got" = "$3" ] && return 0
        sleep 0.5
    done
    fail "metadata from $2 shows '${got:-nothing}' brokers after $1 s, expected $3"
}

$K status cluster || fail "cluster not fully up"
[ "$($K status cluster | grep -c 'pid [0-9]*, port [0-9]* open')" = 3 ] || fail "not 3 live PIDs with open ports"
wait_brokers 30 "$b1" 3

# A topic with replication factor 3 (the cluster default) and some data.
topic=kc-startstop-$$-$RANDOM
for i in 1 2 3 4 5; do echo "before-$i"; done |
    kcat -b "$brokers" -P -t "$topic" -X request.required.acks=-1 || fail "produce before kill"
kcat -b "$b1" -L -t "$topic" | grep 'replicas: [0-9],[0-9],[0-9]' >/dev/null || fail "$topic is not replicated 3 ways"

$K kill 2
if $K status cluster >/dev/null; then fail "status still says all up after kill 2"; fi
# broker.session.timeout.ms=6000: the controller fences node 2 within seconds.
wait_brokers 30 "$b1" 2
# min.insync.replicas=2 with 2 of 3 alive: acks=all writes still succeed.
echo "during" | kcat -b "$b1,$b3" -P -t "$topic" -X request.required.acks=-1 -X message.timeout.ms=20000 ||
    fail "acks=all produce with one node down"

$K start-node 2 || fail "start-node 2"
$K status cluster || fail "not all up after start-node 2"
wait_brokers 30 "$b2" 3
# Node 2 was not reformatted: it still holds the topic and, once caught up,
# all six records are readable.
kcat -b "$b2" -L -t "$topic" | grep "topic \"$topic\"" >/dev/null || fail "node 2 lost $topic"
n=$(kcat -b "$brokers" -C -t "$topic" -o beginning -e -q 2>/dev/null | wc -l)
[ "$n" = 6 ] || fail "read $n records back, expected 6"
echo "itest_cluster_startstop: ok"
