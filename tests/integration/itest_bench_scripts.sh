#!/usr/bin/env bash
# Keeps the parts of `make bench` that are not C programs from rotting (the
# C bench programs get their own --smoke runs from tests/run.sh):
#   - bench/bench_kafka_python.py --smoke: every mode on a tiny input
#     against the test broker, counts checked;
#   - bench/run.sh parses (bash -n);
#   - bench/report.py turns raw rows into tables: medians over rounds, the
#     ratios, a missed goal reported as missed, a client that could not run
#     shown as n/a and not as a number.
# Nothing here is timed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "itest_bench_scripts: FAIL: $*" >&2; exit 1; }
PY=/usr/bin/python3

bash -n bench/run.sh || fail "bench/run.sh does not parse"

if $PY -c 'import kafka' 2>/dev/null; then
    $PY bench/bench_kafka_python.py --smoke || fail "bench_kafka_python.py --smoke"
else
    fail "python3-kafka is not installed (scripts/deps.sh installs it)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
h="section,config,client,round,count,size,seconds,msgs_per_s,mb_per_s,cpu_s,cpu_s_per_M,p50_us,p99_us,p999_us,status"
{
    echo "$h"
    # libkafkac: rounds 100, 300, 200 -> median 200; cpu 0.5 each.
    for v in 100 300 200; do echo "producer,100B,libkafkac,1,10,100,1,$v,0.01,0.1,0.5,,,,ok"; done
    # librdkafka: median 250 (goal thr >= rdkafka missed), cpu 1.0.
    for v in 250 240 260; do echo "producer,100B,librdkafka,1,10,100,1,$v,0.01,0.1,1.0,,,,ok"; done
    echo "producer,100B,kafka-python,1,,,,,,,,,,,not available: python3-kafka is not installed"
    echo "e2e,100B-5000ps,libkafkac,1,10,100,1,5000,0.5,0.1,10,1000,2000,3000,ok"
    echo "e2e,100B-5000ps,librdkafka,1,10,100,1,5000,0.5,0.1,10,1000,4000,5000,ok"
} > "$tmp/raw.csv"
out=$($PY bench/report.py "$tmp/raw.csv" "$tmp") || fail "report.py failed"
echo "$out"
line=$(grep '^100B ' <<< "$out") || fail "no producer row"
grep -q ' 200 ' <<< "$line" || fail "libkafkac median 200 not shown: $line"
grep -q ' 250 ' <<< "$line" || fail "librdkafka median 250 not shown: $line"
grep -q '0\.80 *0\.50' <<< "$line" || fail "ratios thr 0.80 / cpu 0.50 not shown: $line"
grep -q 'MISSED thr<rdkafka' <<< "$line" || fail "missed throughput goal not reported: $line"
grep -q 'n/a: not available' <<< "$line" || fail "kafka-python not shown as n/a: $line"
grep -q '^100B-5000ps .*0\.50 .*| ok' <<< "$out" || fail "e2e p99 ratio 0.50 / ok not shown"
grep -q 'thr_libkafkac_over_librdkafka' "$tmp/producer.csv" || fail "producer.csv not written"
echo "itest_bench_scripts: ok"
