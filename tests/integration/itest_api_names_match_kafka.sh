#!/usr/bin/env bash
# kafkac_api_name() against Apache Kafka's own list of API keys (the ApiKeys
# enum of the newest kafka-clients we support): every key has the same name,
# and no key is missing, so `kafkac probe` names every API a broker of that
# release lists.  A key a new release adds fails the test until the table
# in src/protocol/api_names.c has it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
NEW=${KAFKAC_KAFKA_NEWEST:-4.4.0}
fail() { echo "itest_api_names_match_kafka: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d /tmp/kafkac-apinames.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

lib=$(scripts/kafka.sh jars "$NEW") || fail "no kafka-clients $NEW jars (scripts/kafka.sh jars $NEW)"
javac -nowarn -d "$tmp" -cp "$lib/*" tests/vectors/KafkaApiKeys.java || fail "javac KafkaApiKeys.java"
java -cp "$tmp:$lib/*" KafkaApiKeys > "$tmp/kafka.txt" || fail "java KafkaApiKeys"
[ "$(wc -l < "$tmp/kafka.txt")" -gt 70 ] || fail "Kafka $NEW listed only $(wc -l < "$tmp/kafka.txt") API keys"

# Our name for each key Kafka lists, and every key we name beyond them.
cat > "$tmp/ours.c" <<'C'
#include <stdio.h>
#include <kafkac/kafkac.h>
int main(void)
{
    int key;
    while (scanf("%d%*[^\n]", &key) == 1) {
        const char *n = kafkac_api_name((int16_t)key);
        printf("%d\t%s\n", key, n ? n : "(none)");
    }
    return 0;
}
C
cc -Iinclude -o "$tmp/ours" "$tmp/ours.c" build/lib/libkafkac.a -lz -llz4 -lsnappy -lzstd -lssl -lcrypto \
    -lpthread -lm || fail "could not build the name dump against build/lib/libkafkac.a"
"$tmp/ours" < "$tmp/kafka.txt" > "$tmp/ours.txt"
if ! diff "$tmp/kafka.txt" "$tmp/ours.txt" > "$tmp/diff.txt"; then
    echo "Kafka $NEW (<) against libkafkac (>): key, name" >&2
    cat "$tmp/diff.txt" >&2
    fail "the API names differ"
fi
echo "itest_api_names_match_kafka: the $(wc -l < "$tmp/kafka.txt") API keys of Kafka $NEW have the same names"
