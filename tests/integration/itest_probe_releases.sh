#!/usr/bin/env bash
# `kafkac probe` names the release of the pinned Kafka (the broker make check
# started) and of a second release (4.4.0, the newest pinned one, started here on its own ports),
# and the protocol-layer integration test passes against that second
# release too: Kafka 4 removed old protocol versions, so this is where a
# client that assumes versions instead of negotiating them breaks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
K=scripts/kafka.sh
OTHER=${KAFKAC_OTHER_KAFKA_VERSION:-4.4.0}
fail() { echo "itest_probe_releases: FAIL: $*" >&2; exit 1; }

release_of() { # 3.9.1 -> 3.9
    local v=$1; echo "${v%.*}"
}

check_probe() { # brokers version
    local out first
    out=$(build/bin/kafkac probe -b "$1" -T 15000) || fail "kafkac probe -b $1 failed"
    first=$(printf '%s\n' "$out" | head -n 1)
    [ "$first" = "release: $(release_of "$2")" ] || fail "probe of Kafka $2 at $1 said '$first'"
    # Every API libkafkac implements that the broker offers has a version chosen.
    printf '%s\n' "$out" | awk 'NR>2 && $2=="Produce" && $4=="-" {bad=1} END {exit bad}' \
        || fail "no Produce version chosen for Kafka $2"
    # Every API the broker lists has its name (not only the ones we speak).
    if printf '%s\n' "$out" | grep -q '(a key newer than libkafkac)'; then
        fail "probe of Kafka $2 left APIs unnamed: $(printf '%s\n' "$out" | grep '(a key newer')"
    fi
    echo "itest_probe_releases: Kafka $2 at $1 -> $first"
}

pinned=${KAFKA_VERSION:-3.9.1}
check_probe "${KAFKAC_TEST_BROKERS:-$($K brokers single)}" "$pinned"

if [ "$OTHER" != "$pinned" ]; then
    trap 'KAFKA_VERSION=$OTHER $K stop single >/dev/null 2>&1 || true' EXIT
    KAFKA_VERSION=$OTHER $K start single >/dev/null || fail "could not start Kafka $OTHER"
    other_brokers=$(KAFKA_VERSION=$OTHER $K brokers single)
    check_probe "$other_brokers" "$OTHER"
    KAFKA_VERSION=$OTHER KAFKAC_TEST_BROKERS=$other_brokers timeout 180 build/tests/integration/itest_protocol \
        || fail "protocol integration test failed against Kafka $OTHER"
fi
echo "itest_probe_releases: ok"
