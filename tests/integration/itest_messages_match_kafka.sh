#!/bin/sh
# Every src/protocol/messages/*.def must match Apache Kafka's own message
# definitions (the JSON inside kafka-clients) of the oldest and newest
# releases we support.  Uses the jars `scripts/kafka.sh jars VERSION`
# provides (as in CI); falls back to JSON extracted under /tmp/kafka-json
# when that script is missing or cannot fetch them.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-python3}
OLD=${KAFKAC_KAFKA_OLDEST:-3.9.1}
NEW=${KAFKAC_KAFKA_NEWEST:-4.1.1}

release() {
    v=$1
    lib=""
    if [ -x "$ROOT/scripts/kafka.sh" ]; then
        lib=$("$ROOT/scripts/kafka.sh" jars "$v" 2>/dev/null) || lib=""
    fi
    if [ -n "$lib" ] && ls "$lib"/kafka-clients-"$v".jar >/dev/null 2>&1; then
        echo "$v=$lib/kafka-clients-$v.jar"
    elif [ -d "/tmp/kafka-json/$v/common/message" ]; then
        echo "$v=/tmp/kafka-json/$v/common/message"
    else
        echo "itest_messages_match_kafka: no kafka-clients $v jar nor /tmp/kafka-json/$v" >&2
        exit 2
    fi
}

A=$(release "$OLD")
B=$(release "$NEW")
echo "itest_messages_match_kafka: checking against $A and $B"
exec "$PYTHON" "$ROOT/scripts/check_messages.py" --kafka "$A" --kafka "$B"
