#!/usr/bin/env bash
# The whole test run behind `make check`:
#   1. scripts/deps.sh, then build everything with WERROR=1 (make -k, so one
#      broken file does not hide every other result);
#   2. the layering check (make layers: no lower layer includes a higher
#      one), counted as one test; then
#      unit tests, plain (build/tests/unit) and ASan+UBSan (build/tests/unit-san),
#      and those that run threads under ThreadSanitizer (build/tests/unit-tsan);
#   3. each fuzz target briefly on its corpus;
#   4. a fresh single-node Kafka: integration tests (itest_* binaries and .sh
#      scripts, except itest_cluster_*), then the threaded integration tests
#      (TSAN_ITESTS below) again under ThreadSanitizer, then bench programs
#      in --smoke mode;
#      The secured node (scripts/kafka.sh start secure: TLS and SASL
#      listeners) starts in the background while the fuzz targets run; the
#      integration tests that read KAFKAC_TEST_SEC_* (scripts/kafka.sh env
#      secure) run against it as a group of their own, in the background
#      beside the single-node tests, followed by the tests that hang their
#      broker with SIGSTOP (HANG_ITESTS, against its PLAINTEXT listener);
#      the group's output and counts follow the single-node tests;
#   5. a fresh 3-node cluster: itest_cluster_*;
#   6. the last line of output is exactly "N passed, N failed".
#
# Counting: a cmocka binary contributes the numbers on its "[  PASSED  ] N
# test(s)." and "[  FAILED  ] N test(s)" lines; a binary that crashes, times
# out, or exits non-zero without reporting a failed test (a sanitizer report
# after the last test, say) counts one failure; a script, fuzz run, bench
# smoke run or a target that did not build counts one.  Output of every run
# is kept in build/test-logs/.  Brokers are stopped on any exit.
#
# Environment: KAFKA_VERSION (passed to scripts/kafka.sh), KAFKAC_TEST_TIMEOUT
# (seconds per binary, default 300), KAFKAC_SKIP_BROKER=1 (no broker: the
# integration tests, bench runs and cluster tests are not run and not
# counted; says so), KAFKAC_FUZZ_RUNS (default 2000).  Test programs find
# the brokers in KAFKAC_TEST_BROKERS / KAFKAC_TEST_CLUSTER_BROKERS (see
# tests/common/testenv.h); bench programs get just "--smoke" and the same
# environment.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
KAFKA=scripts/kafka.sh
TIMEOUT=${KAFKAC_TEST_TIMEOUT:-300}
LOGS=build/test-logs
PASSED=0
FAILED=0
FAILURES=()
RUNNING_MODES=()

export KAFKAC_SRC_DIR=$ROOT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A data race fails the program at once, with exit status 66.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 exitcode=66 second_deadlock_stack=1}

# Threaded integration tests run again under ThreadSanitizer: "program" or
# "program:ITEST_FILTER pattern" (tests/common/itest_filter.c).  A program
# whose source does not exist (yet) is skipped; the Makefile builds the
# same names (TSAN_ITEST_NAMES).
TSAN_ITESTS=(
    itest_threads                                   # producer threads, flush, close; records released on workers
    itest_producer                                  # eight sending threads, and the rest (about 20 s)
    itest_producer_close_race                       # close racing flush and commit_transaction
    itest_transactions:test_threads_send_into_transactions
    "itest_group:test_co*"                          # members on their own threads, rebalance callbacks
    itest_deadlines                                 # calls timing out while the I/O thread works on
    itest_group_848                                 # KIP-848 members on their own threads (Kafka 4.x; on 3.x its one test)
)

# TSan maps its shadow memory at fixed addresses; with more ASLR bits than
# it expects (vm.mmap_rnd_bits > 28 on some kernels) it stops with
# "FATAL: ThreadSanitizer: unexpected memory mapping".  Running without
# address randomization avoids that whatever the kernel; if setarch is
# missing or not allowed here, run as is.
TSAN_RUN=()
if setarch "$(uname -m)" -R true >/dev/null 2>&1; then
    TSAN_RUN=(setarch "$(uname -m)" -R)
fi

note() { echo "== $*"; }

fail_item() {  # name reason
    FAILED=$((FAILED + 1))
    FAILURES+=("$1: $2")
}

stop_brokers() {
    local m
    for m in "${RUNNING_MODES[@]}"; do "$KAFKA" stop "$m" >/dev/null 2>&1; done
    RUNNING_MODES=()
}

# The secured node is started in the background (start_secure) so that its
# JVM start-up overlaps the fuzz runs, which keep only one core busy.
SECURE_START_PID=
SECURE_STARTED=0
start_secure() {
    SECURE_STARTED=1
    "$KAFKA" stop secure >/dev/null 2>&1
    "$KAFKA" start secure > "$LOGS/secure-broker.log" 2>&1 &
    SECURE_START_PID=$!
}
# Waits for start_secure; on success exports KAFKAC_TEST_SEC_*.  On failure
# they stay unset, and every test that needs them fails saying so.
wait_secure() {
    [ -n "$SECURE_START_PID" ] || return 1
    local rc=0
    wait "$SECURE_START_PID" || rc=$?
    SECURE_START_PID=
    if [ $rc -ne 0 ]; then
        echo "  secured broker did not start (log: $LOGS/secure-broker.log):"
        tail -n 15 "$LOGS/secure-broker.log" | sed 's/^/  | /'
        return 1
    fi
    eval "$("$KAFKA" env secure)"
    note "secured broker: TLS and SASL listeners from $KAFKAC_TEST_SEC_PLAINTEXT (certificates: $KAFKAC_TEST_SEC_CERTS)"
}
stop_secure() {
    if [ -n "$SECURE_START_PID" ]; then
        kill -TERM "$SECURE_START_PID" 2>/dev/null
        wait "$SECURE_START_PID" 2>/dev/null
        SECURE_START_PID=
    fi
    [ "$SECURE_STARTED" = 1 ] && "$KAFKA" stop secure >/dev/null 2>&1
    SECURE_STARTED=0
}

# The secured node's integration tests as a background job with counts of
# its own (start_secure_group), added to the totals by finish_secure_group.
SECURE_GROUP_PID=
start_secure_group() {
    (
        trap - EXIT INT TERM
        PASSED=0 FAILED=0 FAILURES=()
        run_itests secure "${secure_itests[@]}"
        if [ ${#hang_itests[@]} -gt 0 ]; then
            echo "== tests that hang their broker (SIGSTOP), against the secured node's PLAINTEXT listener $KAFKAC_TEST_SEC_PLAINTEXT"
            KAFKAC_TEST_BROKERS=$KAFKAC_TEST_SEC_PLAINTEXT run_itests secure "${hang_itests[@]}"
        fi
        { echo "$PASSED $FAILED"; printf '%s\n' "${FAILURES[@]}"; } > "$LOGS/secure-group.counts"
    ) > "$LOGS/secure-group.out" 2>&1 &
    SECURE_GROUP_PID=$!
    note "secured-broker tests (${secure_itests[*]} ${hang_itests[*]}) run beside them, output at the end"
}
finish_secure_group() {
    [ -n "$SECURE_GROUP_PID" ] || return 0
    wait "$SECURE_GROUP_PID"
    SECURE_GROUP_PID=
    note "secured-broker tests"
    cat "$LOGS/secure-group.out"
    local p=0 f=0 line
    if [ -s "$LOGS/secure-group.counts" ]; then
        read -r p f < "$LOGS/secure-group.counts"
        while IFS= read -r line; do
            [ -n "$line" ] && FAILURES+=("$line")
        done < <(tail -n +2 "$LOGS/secure-group.counts")
    else
        f=1
        FAILURES+=("secured-broker tests: the group ended without counts (see $LOGS/secure-group.out)")
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
}

finish() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SECURE_GROUP_PID" ]; then
        kill -TERM "$SECURE_GROUP_PID" 2>/dev/null
        wait "$SECURE_GROUP_PID" 2>/dev/null
    fi
    stop_brokers
    stop_secure
    if [ ${#FAILURES[@]} -gt 0 ]; then
        echo
        echo "Failures:"
        printf '  %s\n' "${FAILURES[@]}"
    fi
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -gt 0 ] || [ "$rc" -ne 0 ]; then exit 1; fi
    exit 0
}
trap finish EXIT
CHILD=
trap 'echo "interrupted"; [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null; FAILED=$((FAILED + 1)); exit 130' INT TERM

# Runs one test program with a timeout, logs its output and counts it.
# kind: cmocka (parse counts) or single (pass/fail by exit status).
run_one() {  # kind label logfile cmd...
    local kind=$1 label=$2 log=$3; shift 3
    mkdir -p "$(dirname "$log")"
    local t0=$SECONDS rc
    # In the background and waited for, so that an INT/TERM trap runs at
    # once and can stop the test (timeout passes TERM on to it).
    timeout -k 10 "$TIMEOUT" "$@" > "$log" 2>&1 < /dev/null &
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=
    local secs=$((SECONDS - t0)) p=0 f=0 why=""
    if [ "$kind" = cmocka ]; then
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    fi
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        why="timed out after ${TIMEOUT}s"; f=$((f + 1))
    elif [ $rc -gt 128 ]; then
        why="killed by signal $((rc - 128))"; f=$((f + 1))
    elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        why="exit status $rc"; f=$((f + 1))
    elif [ $rc -eq 0 ] && [ "$kind" = single ]; then
        p=1
    elif [ $rc -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        p=1  # not a cmocka program: its exit status is the result
    fi
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    if [ "$f" -gt 0 ]; then
        printf '  FAIL  %-44s %d passed, %d failed %s(%ds)\n' "$label" "$p" "$f" "${why:+$why }" "$secs"
        echo "  ---- last 30 lines of $log ----"
        tail -n 30 "$log" | sed 's/^/  | /'
        FAILURES+=("$label: $f failed${why:+, $why} (log: $log)")
        return 1
    fi
    printf '  ok    %-44s %d passed (%ds)\n' "$label" "$p" "$secs"
    return 0
}

# A binary whose source exists but which make could not bring up to date
# (it failed to build in this run) counts as one failure and is not run,
# so an old binary left from an earlier build is never mistaken for it.
built() {  # target label
    if [ "$BUILD_RC" -ne 0 ] && ! make -q WERROR=1 "$1" >/dev/null 2>&1; then
        echo "  FAIL  $2 (did not build; see $LOGS/build.log)"
        fail_item "$2" "did not build (see $LOGS/build.log)"
        return 1
    fi
    return 0
}

broker_dir() {  # mode; where scripts/kafka.sh keeps that broker's state
    echo "$ROOT/build/kafka/${KAFKA_VERSION:-3.9.1}/$1${KAFKAC_KAFKA_INSTANCE:+-$KAFKAC_KAFKA_INSTANCE}"
}

start_broker() {  # mode
    note "starting Kafka ${KAFKA_VERSION:-3.9.1} ($1)"
    "$KAFKA" stop "$1" >/dev/null 2>&1
    RUNNING_MODES+=("$1")
    if ! "$KAFKA" start "$1"; then
        echo "  broker logs: $(broker_dir "$1")/"
        return 1
    fi
}

broker_logs_hint() {  # mode
    echo "  broker logs: $(broker_dir "$1")/node*/server.log"
}

# Integration tests of one group: *.c binaries (cmocka) and *.sh scripts.
run_itests() {  # mode names...
    local mode=$1 name bad=0; shift
    for name in "$@"; do
        # A failover test that failed before restarting the node it killed
        # must not take the next test down with it (two dead nodes of three
        # lose the controller quorum): bring every node back first.
        if [ "$mode" = cluster ]; then
            local n
            for n in 1 2 3; do
                if "$KAFKA" status cluster 2>/dev/null | grep "node $n: not running" >/dev/null; then
                    note "restarting cluster node $n, left down by the previous test"
                    "$KAFKA" start-node "$n" >/dev/null 2>&1 || note "cluster node $n did not come back"
                fi
            done
        fi
        if [ -f "tests/integration/$name.sh" ]; then
            run_one single "integration/$name.sh" "$LOGS/integration/$name.log" \
                bash "tests/integration/$name.sh" || bad=1
        else
            built "build/tests/integration/$name" "integration/$name" || continue
            run_one cmocka "integration/$name" "$LOGS/integration/$name.log" \
                "build/tests/integration/$name" || bad=1
        fi
    done
    [ $bad -eq 0 ] || broker_logs_hint "$mode"
}

# The threaded integration tests under ThreadSanitizer (TSAN_ITESTS).
run_tsan_itests() {
    local spec name filter
    note "threaded integration tests under ThreadSanitizer"
    for spec in "${TSAN_ITESTS[@]}"; do
        name=${spec%%:*}
        filter=
        [ "$name" != "$spec" ] && filter=${spec#*:}
        [ -f "tests/integration/$name.c" ] || continue
        built "build/tests/integration-tsan/$name" "integration-tsan/$name" || continue
        local cmd=("${TSAN_RUN[@]}" "build/tests/integration-tsan/$name")
        [ -n "$filter" ] && cmd=(env "ITEST_FILTER=$filter" "${cmd[@]}")
        run_one cmocka "integration-tsan/$name${filter:+ ($filter)}" \
            "$LOGS/integration-tsan/$name.log" "${cmd[@]}"
    done
}

rm -rf "$LOGS"
mkdir -p "$LOGS"

# Brokers: one `make check` per port set at a time (a lock per port base),
# and never on ports someone else's broker holds (a broker left running by
# hand, here or in another clone).  Without KAFKAC_KAFKA_PORT_BASE the first
# free base of a few is used; a base other than the default gets its own
# state directory (KAFKAC_KAFKA_INSTANCE), so a broker of this tree that
# someone started by hand is left alone.
LOCKDIR=${KAFKAC_CACHE:-${HOME:-/tmp}/.cache/libkafkac}
mkdir -p "$LOCKDIR"
ports_free() {  # base
    local m b p
    for m in single cluster secure; do
        for b in $(KAFKAC_KAFKA_PORT_BASE=$1 "$KAFKA" brokers $m 2>/dev/null | tr ',' ' '); do
            p=${b##*:}
            for p in "$p" "$((p + 1))"; do
                if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then return 1; fi
            done
        done
    done
}
if [ -n "${KAFKAC_KAFKA_PORT_BASE:-}" ]; then
    exec 8>"$LOCKDIR/check-ports-$KAFKAC_KAFKA_PORT_BASE.lock"
    if ! flock -n 8; then
        note "another make check holds $LOCKDIR/check-ports-$KAFKAC_KAFKA_PORT_BASE.lock; waiting"
        flock 8
    fi
else
    for base in 31092 28092 25092 22092 ""; do
        if [ -z "$base" ]; then
            note "no free broker port base (tried 31092 28092 25092 22092); waiting for 31092"
            base=31092
            exec 8>"$LOCKDIR/check-ports-$base.lock"
            flock 8
            break
        fi
        exec 8>"$LOCKDIR/check-ports-$base.lock"
        if flock -n 8; then
            ports_free "$base" && break
            flock -u 8
        fi
    done
    export KAFKAC_KAFKA_PORT_BASE=$base
    if [ "$base" != 31092 ]; then
        export KAFKAC_KAFKA_INSTANCE=${KAFKAC_KAFKA_INSTANCE:-p$base}
        note "brokers on port base $base (31092 is busy)"
    fi
fi

note "dependencies"
if ! scripts/deps.sh; then fail_item deps "scripts/deps.sh failed"; exit 1; fi

# -j2 unless an outer make already hands us its job server.
JOBS=-j2
case " ${MAKEFLAGS:-} " in *jobserver*) JOBS= ;; esac
note "build (WERROR=1, log: $LOGS/build.log)"
make -k $JOBS WERROR=1 all tests tsan fuzz-build bench-build > "$LOGS/build.log" 2>&1
BUILD_RC=$?
if [ $BUILD_RC -ne 0 ]; then
    grep -E 'error:|\*\*\*' "$LOGS/build.log" | head -n 30 | sed 's/^/  | /'
    # Library, CLI and examples: a failure there is one failure.
    if ! make -q WERROR=1 all >/dev/null 2>&1; then
        echo "  FAIL  build: lib, cli or examples"
        fail_item "build" "library, CLI or examples did not build (see $LOGS/build.log)"
    fi
fi

note "layers"
run_one single "layers (scripts/check_layers.py)" "$LOGS/layers.log" "${PYTHON:-python3}" scripts/check_layers.py

note "unit tests"
for src in tests/unit/test_*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    if built "build/tests/unit/$name" "unit/$name"; then
        run_one cmocka "unit/$name" "$LOGS/unit/$name.log" "build/tests/unit/$name"
    fi
done
note "unit tests under ASan+UBSan"
for src in tests/unit/test_*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    if built "build/tests/unit-san/$name" "unit-san/$name"; then
        run_one cmocka "unit-san/$name" "$LOGS/unit-san/$name.log" "build/tests/unit-san/$name"
    fi
done

note "threaded unit tests under ThreadSanitizer"
for bin in $(make -s --no-print-directory print-tsan-bin 2>/dev/null); do
    case "$bin" in build/tests/unit-tsan/*) ;; *) continue ;; esac
    name=$(basename "$bin")
    if built "$bin" "unit-tsan/$name"; then
        run_one cmocka "unit-tsan/$name" "$LOGS/unit-tsan/$name.log" "${TSAN_RUN[@]}" "$bin"
    fi
done

# The secured node starts now, in the background (see start_secure).
if [ "${KAFKAC_SKIP_BROKER:-0}" != 1 ]; then start_secure; fi

note "fuzz targets (${KAFKAC_FUZZ_RUNS:-2000} runs or 10 s each)"
for src in tests/fuzz/fuzz_*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    built "build/fuzz/$name" "fuzz/$name" || continue
    # New inputs go to a scratch directory (the first corpus dir is the one
    # libFuzzer writes to); the checked-in corpus is only read.
    scratch=build/fuzz-scratch/$name
    rm -rf "$scratch"; mkdir -p "$scratch" build/fuzz-artifacts
    corpus=()
    [ -d "tests/fuzz/corpus/$name" ] && corpus=("tests/fuzz/corpus/$name")
    run_one single "fuzz/$name" "$LOGS/fuzz/$name.log" "build/fuzz/$name" \
        -runs="${KAFKAC_FUZZ_RUNS:-2000}" -max_total_time=10 \
        -artifact_prefix="build/fuzz-artifacts/$name-" "$scratch" "${corpus[@]}"
done

itests=()
cluster_itests=()
secure_itests=()
# The two longest tests hang their broker with SIGSTOP and mostly wait out
# deadlines (about 3 minutes each).  They run in the secured node's group,
# against its PLAINTEXT listener, after the security tests: that broker is
# idle then, and the two groups end at about the same time.
HANG_ITESTS=(itest_producer_deadlines itest_consumer_errors)
hang_itests=()
for f in tests/integration/itest_*.c tests/integration/itest_*.sh; do
    [ -e "$f" ] || continue
    name=$(basename "$f"); name=${name%.*}
    case "$name" in
        itest_cluster_*) cluster_itests+=("$name") ;;
        *)
            # Tests of the secured node (they read KAFKAC_TEST_SEC_*) run
            # as their own group, beside the single-node tests.
            if grep -qE 'KAFKAC_TEST_SEC_|kc_test_sec_' "$f"; then
                secure_itests+=("$name")
            elif [[ " ${HANG_ITESTS[*]} " == *" $name "* ]]; then
                hang_itests+=("$name")
            else
                itests+=("$name")
            fi ;;
    esac
done
benches=()
for src in bench/*.c; do
    [ -e "$src" ] || continue
    grep -q -- '--smoke' "$src" && benches+=("$(basename "$src" .c)")
done

if [ "${KAFKAC_SKIP_BROKER:-0}" = 1 ]; then
    note "KAFKAC_SKIP_BROKER=1: NOT running $(( ${#itests[@]} + ${#hang_itests[@]} )) integration, ${#secure_itests[@]} secured-broker, ${#benches[@]} bench and ${#cluster_itests[@]} cluster tests"
    exit 0
fi

export KAFKAC_TEST_BROKERS KAFKAC_TEST_CLUSTER_BROKERS
KAFKAC_TEST_BROKERS=$("$KAFKA" brokers single)
KAFKAC_TEST_CLUSTER_BROKERS=$("$KAFKA" brokers cluster)

if [ ${#itests[@]} -gt 0 ] || [ ${#benches[@]} -gt 0 ] || [ ${#secure_itests[@]} -gt 0 ] || [ ${#hang_itests[@]} -gt 0 ]; then
    # Without the secured node, the broker-hanging tests run with the
    # single node's group; the security tests still run, and fail saying so.
    if ! wait_secure; then
        itests+=("${hang_itests[@]}")
        hang_itests=()
    fi
    # The secured node's tests run in the background while the single
    # node's run: the brokers are apart, and the single-node group spends
    # most of its time waiting on deadlines (SIGSTOP and fault cases), so
    # overlapping the two keeps make check within its time.  The group
    # counts into a file that is added in below.
    { [ ${#secure_itests[@]} -gt 0 ] || [ ${#hang_itests[@]} -gt 0 ]; } && start_secure_group
    if start_broker single; then
        note "integration tests against $KAFKAC_TEST_BROKERS"
        run_itests single "${itests[@]}"
        run_tsan_itests
        [ ${#benches[@]} -gt 0 ] && note "bench programs, --smoke"
        for name in "${benches[@]}"; do
            built "build/bench/$name" "bench/$name" || continue
            run_one single "bench/$name --smoke" "$LOGS/bench/$name.log" \
                "build/bench/$name" --smoke
        done
    else
        for name in "${itests[@]}"; do fail_item "integration/$name" "broker did not start"; done
        for name in "${benches[@]}"; do fail_item "bench/$name" "broker did not start"; done
    fi
    stop_brokers
    finish_secure_group
fi
# The cluster tests do not use the secured node: free its memory first.
stop_secure

if [ ${#cluster_itests[@]} -gt 0 ]; then
    if start_broker cluster; then
        note "cluster integration tests against $KAFKAC_TEST_CLUSTER_BROKERS"
        run_itests cluster "${cluster_itests[@]}"
    else
        for name in "${cluster_itests[@]}"; do fail_item "integration/$name" "cluster did not start"; done
    fi
    stop_brokers
fi
exit 0
