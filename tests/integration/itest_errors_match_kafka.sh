#!/usr/bin/env bash
# libkafkac's error table against Apache Kafka's own (the Errors enum of the
# newest kafka-clients we support): every Kafka error code has the same name
# in kafkac_err_name() and the same retriable flag in kafkac_err_retriable()
# as the Java client's exception for it.  Kafka's codes are wire codes
# (UNKNOWN_SERVER_ERROR is -1): kafkac_err_from_wire maps them to ours.
# A code Kafka added that we do not know fails the test, so a new
# release's errors cannot go unnoticed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
NEW=${KAFKAC_KAFKA_NEWEST:-4.4.0}
fail() { echo "itest_errors_match_kafka: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d /tmp/kafkac-errors.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

lib=$(scripts/kafka.sh jars "$NEW") || fail "no kafka-clients $NEW jars (scripts/kafka.sh jars $NEW)"
javac -nowarn -d "$tmp" -cp "$lib/*" tests/vectors/KafkaErrors.java || fail "javac KafkaErrors.java"
java -cp "$tmp:$lib/*" KafkaErrors > "$tmp/kafka.txt" || fail "java KafkaErrors"
[ "$(wc -l < "$tmp/kafka.txt")" -gt 100 ] || fail "Kafka $NEW listed only $(wc -l < "$tmp/kafka.txt") errors"

# The same lines from our side, for the same codes.
cat > "$tmp/ours.c" <<'C'
#include <stdio.h>
#include <kafkac/kafkac.h>
int main(void)
{
    int code;
    while (scanf("%d%*[^\n]", &code) == 1)
        printf("%d\t%s\t%d\n", code, kafkac_err_name(kafkac_err_from_wire(code)),
               kafkac_err_retriable(kafkac_err_from_wire(code)));
    return 0;
}
C
cc -Iinclude -o "$tmp/ours" "$tmp/ours.c" build/lib/libkafkac.a -lz -llz4 -lsnappy -lzstd -lpthread -lm ||
    fail "could not build the table dump against build/lib/libkafkac.a"
"$tmp/ours" < "$tmp/kafka.txt" > "$tmp/ours.txt"
if ! diff "$tmp/kafka.txt" "$tmp/ours.txt" > "$tmp/diff.txt"; then
    echo "Kafka $NEW (<) against libkafkac (>): code, name, retriable" >&2
    cat "$tmp/diff.txt" >&2
    fail "the error tables differ"
fi
echo "itest_errors_match_kafka: $(wc -l < "$tmp/kafka.txt") error codes of Kafka $NEW match in name and retriable flag"
