#!/usr/bin/env bash
# `make demo`: build, make sure a single-node Kafka is up, and talk to it
# with the kafkac CLI.  A broker this script started is stopped again at the
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
echo "+ build/bin/kafkac probe -b $brokers"
build/bin/kafkac probe -b "$brokers"
