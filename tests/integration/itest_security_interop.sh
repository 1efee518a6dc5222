#!/usr/bin/env bash
# Interop over SASL_SSL with kcat (librdkafka): kcat reads what `kafkac
# produce` wrote, and `kafkac consume` (in a group and by partition) reads
# what kcat wrote, on the secured node's SASL_SSL listener with PLAIN.
# Then the same over mutual TLS (PEM client certificate).
#
# PLAIN, not SCRAM, for kcat: the kcat here is built on librdkafka 2.0.2,
# whose SCRAM client Kafka 4.x refuses (the client nonce is repeated in
# client-final-message; fixed in librdkafka 2.6.1).  Our own SCRAM is
# covered on both releases by itest_security_matrix.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "itest_security_interop: FAIL: $*" >&2; exit 1; }
for v in KAFKAC_TEST_SEC_SASL_SSL KAFKAC_TEST_SEC_MTLS KAFKAC_TEST_SEC_CERTS; do
    [ -n "${!v:-}" ] || fail "$v is not set: start the secured broker (scripts/kafka.sh start secure) and eval \"\$(scripts/kafka.sh env secure)\""
done
command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh installs it)"
K=build/bin/kafkac
C=$KAFKAC_TEST_SEC_CERTS
N=50

check_case() { # name broker "kafkac -X args" "kcat -X args"
    local name=$1 b=$2 kx=$3 rx=$4
    local t="interop-$name-$$-$(date +%s%N)" g="interop-$name-g-$$"
    local want got
    want=$(seq 1 $N | sed "s/^/$name from kafkac /")
    # shellcheck disable=SC2086
    $K produce -b "$b" -t "$t" $kx <<<"$want" || fail "$name: kafkac produce failed"
    # shellcheck disable=SC2086
    got=$(timeout 60 kcat -C -b "$b" -t "$t" -o beginning -c $N -e -q -f '%s\n' $rx 2>&1) \
        || fail "$name: kcat -C failed: $got"
    [ "$(sort <<<"$got")" = "$(sort <<<"$want")" ] || fail "$name: kcat read: $got"

    want=$(seq 1 $N | sed "s/^/$name from kcat /")
    # shellcheck disable=SC2086
    kcat -P -b "$b" -t "$t" $rx <<<"$want" 2>/tmp/itest_interop_$$.err \
        || fail "$name: kcat -P failed: $(cat /tmp/itest_interop_$$.err)"
    rm -f /tmp/itest_interop_$$.err
    # Both batches, in a group, from the beginning.
    # shellcheck disable=SC2086
    got=$(timeout 60 $K consume -b "$b" -t "$t" -G "$g" -o beginning -c $((2 * N)) $kx 2>&1) \
        || fail "$name: kafkac consume -G failed: $got"
    grep -c "from kafkac" <<<"$got" | grep -qx $N || fail "$name: group read of kafkac's records: $got"
    [ "$(grep "from kcat" <<<"$got" | sort)" = "$(sort <<<"$want")" ] || fail "$name: group read of kcat's records: $got"
    # And by partition, to the end.
    # shellcheck disable=SC2086
    got=$(timeout 60 $K consume -b "$b" -t "$t" -p 0 -o beginning -e $kx 2>&1) \
        || fail "$name: kafkac consume -p 0 failed: $got"
    [ "$(grep -c "from kcat" <<<"$got")" = $N ] || fail "$name: partition read: $got"
    echo "itest_security_interop: $name ok"
}

check_case sasl-ssl-plain "$KAFKAC_TEST_SEC_SASL_SSL" \
    "-X security.protocol=sasl_ssl -X ssl.ca.location=$C/ca.pem -X sasl.mechanism=PLAIN -X sasl.username=alice -X sasl.password=alice-secret" \
    "-X security.protocol=sasl_ssl -X ssl.ca.location=$C/ca.pem -X sasl.mechanisms=PLAIN -X sasl.username=alice -X sasl.password=alice-secret"
check_case mtls "$KAFKAC_TEST_SEC_MTLS" \
    "-X security.protocol=ssl -X ssl.ca.location=$C/ca.pem -X ssl.certificate.location=$C/client.pem -X ssl.key.location=$C/client.key" \
    "-X security.protocol=ssl -X ssl.ca.location=$C/ca.pem -X ssl.certificate.location=$C/client.pem -X ssl.key.location=$C/client.key"
echo "itest_security_interop: ok"
