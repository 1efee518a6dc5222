#!/usr/bin/env bash
# `make demo`: build, make sure a single-node Kafka is up, and run the main
# job end to end with the kafkac CLI and the examples: name the broker's
# release, create a topic (admin client), produce to it with delivery
# reports (producer), consume it in a consumer group (consumer), show the
# group's committed offsets and lag, and delete the topic again.  A broker this script started is stopped again at the
# end (so the ports are free for `make check`, here or in another clone);
# one that was already running is left alone.  To keep a broker around:
# scripts/kafka.sh start.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh
make -j2 all

started=0
cleanup() { if [ $started = 1 ]; then scripts/kafka.sh stop single; fi; }
trap cleanup EXIT
# Without these a Ctrl-C or a closed pipe (make demo | head) would end the
# script without running the EXIT trap and leave the broker behind.
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE
if ! scripts/kafka.sh status single >/dev/null 2>&1; then
    started=1
    scripts/kafka.sh start single
fi
brokers=$(scripts/kafka.sh brokers single)

if [ ! -x build/bin/kafkac ]; then
    echo "demo: build/bin/kafkac was not built" >&2
    exit 1
fi
K=build/bin/kafkac
run() { echo; echo "+ $*"; "$@"; }

run $K probe -b "$brokers"

topic=demo-$(date +%s)
group=$topic-group
run $K topics create -b "$brokers" -t "$topic" --partitions 3 --replication-factor 1
run $K topics describe -b "$brokers" -t "$topic"

# Five synchronous sends: each line is a delivery report (partition, offset).
run build/examples/producer_sync "$brokers" "$topic" 5
# Five more, keyed, through the CLI: "key:value" lines on stdin.
echo
echo "+ printf 'alice:hello\\n...' | $K produce -b $brokers -t $topic -K :"
printf 'alice:hello\nbob:bonjour\ncarol:hola\nalice:again\nbob:encore\n' | $K produce -b "$brokers" -t "$topic" -K :

# All ten back, read as a member of a consumer group that commits them.
run $K consume -b "$brokers" -t "$topic" -G "$group" -o beginning -e \
    -f 'partition %p offset %o key %k: %s\n'
run $K groups describe -b "$brokers" -g "$group"
run $K topics delete -b "$brokers" -t "$topic"
