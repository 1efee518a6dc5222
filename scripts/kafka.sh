#!/usr/bin/env bash
# Run a real Apache Kafka broker (or a 3-node cluster) for libkafkac's tests,
# assembled from Maven Central jars: no Docker, no Kafka tarball.
#
#   scripts/kafka.sh start|stop|status|logs|brokers [single|cluster|secure]
#   scripts/kafka.sh env secure        print export lines KAFKAC_TEST_SEC_*
#   scripts/kafka.sh kill NODE         SIGKILL cluster node NODE (1..3)
#   scripts/kafka.sh start-node NODE   restart it, keeping its data
#   scripts/kafka.sh jars [VERSION]    print the lib dir (downloading it once)
#
# Environment:
#   KAFKA_VERSION           default 3.9.1 (4.1.1 is tested too).  Releases
#                           before 3.0 (0.10.2.2, 1.1.1, 2.8.2 for `make
#                           check-compat`) run in ZooKeeper mode, single
#                           node only: ZooKeeper from the same jars on the
#                           port after the broker's, stopped after it.
#   KAFKAC_CACHE            jar cache, default ~/.cache/libkafkac; the jars of
#                           each version live in $KAFKAC_CACHE/kafka-<v>/lib
#   KAFKAC_KAFKA_PORT_BASE  default 31092.  single: broker BASE, controller
#                           BASE+1; cluster node N: broker BASE+100*N,
#                           controller that +1.  Each minor version adds its
#                           own offset (3.9 +0, 4.0 +10, 4.1 +20, ...; ZooKeeper
#                           mode 0.x +60, 1.x +70, 2.x +80) so two
#                           versions can run side by side.  The default
#                           range 31092-31413 lies below Linux's ephemeral
#                           ports (32768-60999): a port in that range can be
#                           taken by any outgoing connection, and a restarted
#                           node then fails to bind.
#   KAFKAC_KAFKA_START_TIMEOUT  seconds to wait for readiness, default 120
#   KAFKAC_KAFKA_EXTRA_PROPS    lines appended to every node's server.properties
#                           at start (newline-separated), e.g. an authorizer
#   (secure: see scripts/kafka-secure.sh for its listeners and certificates)
#   KAFKAC_KAFKA_INSTANCE   a name: keeps this broker's state apart from the
#                           default one (build/kafka/<version>/<mode>-<name>),
#                           for a second broker with its own PORT_BASE
#
# Runtime state (properties, data, logs, pid files) is kept under
# build/kafka/<version>/<single|cluster>/node<N>/ in the repository.  Every
# `start` formats fresh storage; logs of the previous run are kept as
# server.log.prev.  Processes are only ever signalled by the PID we recorded,
# and only after checking that the PID still runs our java command line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=${KAFKA_VERSION:-3.9.1}
CACHE=${KAFKAC_CACHE:-${HOME:-/tmp}/.cache/libkafkac}
PORT_BASE=${KAFKAC_KAFKA_PORT_BASE:-31092}
START_TIMEOUT=${KAFKAC_KAFKA_START_TIMEOUT:-120}

die() { echo "kafka.sh: $*" >&2; exit 1; }
say() { echo "kafka.sh: $*" >&2; }

major_of() { echo "${1%%.*}"; }
minor_of() { local r=${1#*.}; echo "${r%%.*}"; }

# ---------------------------------------------------------------- jars

# Writes the pom for one Kafka version.  The published kafka_2.13 POM has no
# logging backend; without one the broker prints nothing and readiness cannot
# be seen in its log, so we add the backend that version's scripts use.
write_pom() {
    local v=$1 out=$2 logging
    if is_zk_version "$v"; then
        write_pom_zk "$v" "$out"
        return
    fi
    if [ "$(major_of "$v")" -ge 4 ]; then
        logging='
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>1.7.36</version></dependency>'
    else
        logging='
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>1.7.36</version></dependency>'
    fi
    cat > "$out" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>libkafkac.test</groupId><artifactId>kafka-broker</artifactId><version>$v</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$v</version>
      <exclusions>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>*</artifactId></exclusion>
        <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId></exclusion>
        <exclusion><groupId>log4j</groupId><artifactId>log4j</artifactId></exclusion>
      </exclusions>
    </dependency>$logging
  </dependencies>
  <build><plugins>
    <!-- Maven 3.8 defaults to plugin 2.8, which lacks options we rely on. -->
    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin>
  </plugins></build>
</project>
EOF
}

# Releases before 3.0 run in ZooKeeper mode (0.10.x, 1.x, 2.x; 2.8's KRaft
# was an early-access preview and is not used).
is_zk_version() { [ "$(major_of "$1")" -lt 3 ]; }

# The core artifact of a version: 2.4 and later are published for Scala
# 2.13; 0.10.1 to 2.3 have 2.12 as their newest Scala, 0.10.0 only 2.11.
core_artifact() {
    local ma mi p
    ma=$(major_of "$1"); mi=$(minor_of "$1"); p=${1#*.*.}; p=${p%%.*}
    if [ "$ma" -ge 3 ] || { [ "$ma" -eq 2 ] && [ "$mi" -ge 4 ]; }; then echo kafka_2.13
    elif [ "$ma" -eq 0 ] && { [ "$mi" -lt 10 ] || { [ "$mi" -eq 10 ] && [ "$p" = 0 ]; }; }; then echo kafka_2.11
    else echo kafka_2.12; fi
}

# ZooKeeper-mode releases on Java 17.  Their core artifact carries
# ZooKeeper's server classes (QuorumPeerMain) and log4j 1.2, but:
# - 0.10 and 1.x use javax.xml.bind.DatatypeConverter, which Java 11
#   removed from the JDK: jaxb-api goes on the classpath;
# - some poms leave the slf4j binding optional, so none lands on the
#   classpath and the broker logs nothing: slf4j-log4j12 is added.
write_pom_zk() {
    local v=$1 out=$2 extra="" ma
    ma=$(major_of "$v")
    if [ "$ma" -lt 2 ]; then
        extra='
    <dependency><groupId>javax.xml.bind</groupId><artifactId>jaxb-api</artifactId><version>2.3.1</version></dependency>'
    fi
    cat > "$out" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>libkafkac.test</groupId><artifactId>kafka-broker</artifactId><version>$v</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>$(core_artifact "$v")</artifactId><version>$v</version>
      <exclusions>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId><version>1.7.30</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>1.7.30</version></dependency>
    <dependency><groupId>log4j</groupId><artifactId>log4j</artifactId><version>1.2.17</version></dependency>$extra
  </dependencies>
  <build><plugins>
    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version></plugin>
  </plugins></build>
</project>
EOF
}

# Prints the lib dir of version $1, resolving it with Maven the first time.
# A lock serialises concurrent first runs; the directory only appears (by
# rename) once complete, so an interrupted download is never mistaken for a
# finished one.
jars_dir() {
    local v=$1 top="$CACHE/kafka-$1"
    local lib="$top/lib"
    if [ -f "$top/complete" ]; then echo "$lib"; return; fi
    command -v mvn >/dev/null || die "mvn not found (run scripts/deps.sh)"
    mkdir -p "$top"
    (
        flock 9
        if [ -f "$top/complete" ]; then exit 0; fi
        local tmp="$top/tmp.$$"
        rm -rf "$tmp" "$lib"
        mkdir -p "$tmp"
        write_pom "$v" "$tmp/pom.xml"
        say "downloading Kafka $v jars from Maven Central into $lib ..."
        local t0=$SECONDS
        if ! mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies \
                -DincludeScope=runtime -DoutputDirectory="$tmp/lib" > "$tmp/mvn.log" 2>&1; then
            tail -n 30 "$tmp/mvn.log" >&2
            die "maven failed for Kafka $v (log: $tmp/mvn.log)"
        fi
        ls "$tmp/lib/$(core_artifact "$v")-$v.jar" >/dev/null 2>&1 || die "$(core_artifact "$v")-$v.jar missing after maven run"
        mv "$tmp/lib" "$lib"
        mv "$tmp/pom.xml" "$top/pom.xml"
        rm -rf "$tmp"
        say "Kafka $v: $(ls "$lib" | wc -l) jars, $(du -sh "$lib" | cut -f1), $((SECONDS - t0)) s"
        touch "$top/complete"
    ) 9>"$top/lock"
    [ -f "$top/complete" ] || die "could not assemble Kafka $v"
    echo "$lib"
}

# ---------------------------------------------------------------- layout

# The secured node's certificates, listeners and users.
# shellcheck source=scripts/kafka-secure.sh
. "$ROOT/scripts/kafka-secure.sh"

MAJOR=$(major_of "$VERSION")
MINOR=$(minor_of "$VERSION")
case "$MAJOR$MINOR" in *[!0-9]*|'') die "bad KAFKA_VERSION '$VERSION'";; esac
# 3.9 -> 0, 4.0 -> 10, 4.1 -> 20 ... (mod 100 keeps it within one block of 100).
VOFF=$(( ((MAJOR * 10 + MINOR - 39 + 100) % 10) * 10 ))
# ZooKeeper mode (before 3.0): 0.x +60, 1.x +70, 2.x +80; ZooKeeper
# listens on the port after the broker's (where KRaft has its controller).
ZK=0
if [ "$MAJOR" -lt 3 ]; then ZK=1; VOFF=$(( 60 + 10 * MAJOR )); fi

# secure: one node whose listeners take S..S+9, S = BASE+500+VOFF (the
# PLAINTEXT listener at S is its "broker port"; CONTROLLER at S+9).
broker_port() {  # mode node
    case "$1" in
        single) echo $((PORT_BASE + VOFF)) ;;
        secure) echo $((PORT_BASE + 500 + VOFF)) ;;
        *) echo $((PORT_BASE + 100 * $2 + VOFF)) ;;
    esac
}
controller_port() {
    if [ "$1" = secure ]; then echo $(( $(broker_port "$1" "$2") + 9 )); else echo $(( $(broker_port "$1" "$2") + 1 )); fi
}
nodes_of() { if [ "$1" = cluster ]; then echo 1 2 3; else echo 1; fi; }
state_dir() { echo "$ROOT/build/kafka/$VERSION/$1${KAFKAC_KAFKA_INSTANCE:+-$KAFKAC_KAFKA_INSTANCE}"; }
node_dir() { echo "$(state_dir "$1")/node$2"; }

check_mode() {
    case "$1" in single|cluster|secure) ;; *) die "mode must be single, cluster or secure, not '$1'";; esac
    if [ "$ZK" = 1 ] && [ "$1" != single ]; then die "Kafka $VERSION (ZooKeeper mode) runs as a single node only"; fi
}

# ZooKeeper mode, single node: zoo.cfg for a standalone ZooKeeper and a
# broker that registers there.  Settings a release does not know (0.10 has
# no transactions) are only warned about by it.
write_configs_zk() {  # mode node
    local d
    d=$(node_dir "$1" "$2")
    cat > "$d/zoo.cfg" <<EOF
dataDir=$d/zookeeper
clientPort=$(controller_port "$1" "$2")
clientPortAddress=127.0.0.1
maxClientCnxns=0
tickTime=2000
admin.enableServer=false
EOF
    cat > "$d/server.properties" <<EOF
# Generated by scripts/kafka.sh ($1, node $2, Kafka $VERSION, ZooKeeper mode)
broker.id=$2
zookeeper.connect=127.0.0.1:$(controller_port "$1" "$2")
zookeeper.connection.timeout.ms=30000
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$1" "$2")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$1" "$2")
log.dirs=$d/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.cleaner.dedupe.buffer.size=16777216
log.retention.ms=-1
num.network.threads=2
num.io.threads=4
EOF
    if [ -n "${KAFKAC_KAFKA_EXTRA_PROPS:-}" ]; then
        printf '%s\n' "$KAFKAC_KAFKA_EXTRA_PROPS" >> "$d/server.properties"
    fi
    cat > "$d/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

write_configs() {  # mode node
    local mode=$1 n=$2 d voters="" i rf=1 isr=1
    if [ "$ZK" = 1 ]; then write_configs_zk "$mode" "$n"; return; fi
    d=$(node_dir "$mode" "$n")
    for i in $(nodes_of "$mode"); do
        voters="${voters:+$voters,}$i@127.0.0.1:$(controller_port "$mode" "$i")"
    done
    if [ "$mode" = cluster ]; then rf=3; isr=2; fi
    local listeners advertised protomap
    listeners="PLAINTEXT://127.0.0.1:$(broker_port "$mode" "$n"),CONTROLLER://127.0.0.1:$(controller_port "$mode" "$n")"
    advertised="PLAINTEXT://127.0.0.1:$(broker_port "$mode" "$n")"
    protomap="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
    if [ "$mode" = secure ]; then
        listeners=$(secure_listeners "$(broker_port "$mode" "$n")" 1)
        advertised=$(secure_listeners "$(broker_port "$mode" "$n")" 0)
        protomap=$SECURE_PROTOMAP
    fi
    cat > "$d/server.properties" <<EOF
# Generated by scripts/kafka.sh ($mode, node $n, Kafka $VERSION)
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protomap
log.dirs=$d/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=5
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.cleaner.dedupe.buffer.size=16777216
# Keep every record whatever its timestamp.  Tests write fixed timestamps
# (1700000000000 + i, November 2023) so that they can assert them; under
# the default 7-day retention the broker's first retention check, 30 s
# after start, deleted such segments and a consumer from the beginning
# found the partition empty.
log.retention.ms=-1
num.network.threads=2
num.io.threads=4
EOF
    if [ "$mode" = cluster ]; then
        # Fence a SIGKILLed node quickly so failover tests do not wait 9 s.
        echo "broker.session.timeout.ms=6000" >> "$d/server.properties"
    fi
    if [ "$mode" = secure ]; then
        write_secure_props "$d" >> "$d/server.properties"
    fi
    if [ -n "${KAFKAC_KAFKA_EXTRA_PROPS:-}" ]; then
        printf '%s\n' "$KAFKAC_KAFKA_EXTRA_PROPS" >> "$d/server.properties"
    fi
    if [ "$MAJOR" -ge 4 ]; then
        # 4.x creates the share-group state topic and refuses RF > brokers.
        printf 'share.coordinator.state.topic.replication.factor=%s\nshare.coordinator.state.topic.min.isr=%s\n' \
            "$rf" "$isr" >> "$d/server.properties"
        cat > "$d/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = warn
EOF
    else
        cat > "$d/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.log.LogCleaner=WARN
EOF
    fi
}

log_flag() {  # node dir
    if [ "$MAJOR" -ge 4 ]; then echo "-Dlog4j2.configurationFile=$1/log4j2.properties"
    else echo "-Dlog4j.configuration=file:$1/log4j.properties"; fi
}

# A Kafka cluster id is 16 random bytes in unpadded URL-safe base64; making
# it here saves one JVM start (StorageTool random-uuid).
new_cluster_id() {
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

# The PID in node's pid file, if that process is alive and is still our java
# with this node's properties (a recycled PID is never signalled).
node_pid() {  # mode node [pidfile config]: the broker's, or ZooKeeper's
    local d pid
    d=$(node_dir "$1" "$2")
    local pf=${3:-pid} cfg=${4:-server.properties}
    [ -f "$d/$pf" ] || return 1
    pid=$(cat "$d/$pf")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -F "$d/$cfg" >/dev/null || return 1
    echo "$pid"
}
zk_pid() { node_pid "$1" "$2" zk.pid zoo.cfg; }

port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

format_node() {  # mode node lib cluster_id
    local d
    d=$(node_dir "$1" "$2")
    rm -rf "$d/data"
    mkdir -p "$d/data"
    if [ "$ZK" = 1 ]; then rm -rf "$d/zookeeper"; mkdir -p "$d/zookeeper"; return 0; fi
    # Static controller.quorum.voters: no --standalone / --initial-controllers.
    local extra=()
    if [ "$1" = secure ]; then extra=("${SECURE_FORMAT_ARGS[@]}"); fi
    if ! java -XX:TieredStopAtLevel=1 -Xshare:auto "$(log_flag "$d")" -cp "$3/*" \
            kafka.tools.StorageTool format -t "$4" -c "$d/server.properties" "${extra[@]}" > "$d/format.log" 2>&1; then
        cat "$d/format.log" >&2
        die "format failed for node $2 (log: $d/format.log)"
    fi
}

launch_node() {  # mode node lib
    local mode=$1 n=$2 lib=$3 d heap
    d=$(node_dir "$mode" "$n")
    case "$mode" in
        single) heap="-Xms256m -Xmx1g" ;;
        *) heap="-Xms256m -Xmx512m" ;;
    esac
    [ -f "$d/server.log" ] && mv -f "$d/server.log" "$d/server.log.prev"
    if [ "$ZK" = 1 ] && ! zk_pid "$mode" "$n" >/dev/null; then
        launch_zk "$mode" "$n" "$lib" || return 1
    fi
    # setsid: the broker outlives the shell that started it (make demo) and
    # does not get the terminal's Ctrl-C; it is stopped by PID.
    # shellcheck disable=SC2086
    setsid java $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        "$(log_flag "$d")" -cp "$lib/*" kafka.Kafka "$d/server.properties" \
        > "$d/server.log" 2>&1 < /dev/null &
    echo $! > "$d/pid"
}

# ZooKeeper for a ZooKeeper-mode node, from the same jars; ready when its
# client port accepts a connection.
launch_zk() {  # mode node lib
    local d deadline
    d=$(node_dir "$1" "$2")
    [ -f "$d/zookeeper.log" ] && mv -f "$d/zookeeper.log" "$d/zookeeper.log.prev"
    setsid java -Xms64m -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        "$(log_flag "$d")" -cp "$3/*" org.apache.zookeeper.server.quorum.QuorumPeerMain "$d/zoo.cfg" \
        > "$d/zookeeper.log" 2>&1 < /dev/null &
    echo $! > "$d/zk.pid"
    deadline=$((SECONDS + 60))
    until port_open "$(controller_port "$1" "$2")"; do
        if ! kill -0 "$(cat "$d/zk.pid")" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            say "ZooKeeper for node $2 did not start"
            tail -n 40 "$d/zookeeper.log" >&2 || true
            return 1
        fi
        sleep 0.3
    done
}

print_failure() {  # mode nodes...
    local mode=$1 n d; shift
    for n in "$@"; do
        d=$(node_dir "$mode" "$n")
        echo "---- last 40 lines of $d/server.log ----" >&2
        tail -n 40 "$d/server.log" >&2 || true
    done
    echo "kafka.sh: logs kept in $(state_dir "$mode")/node*/server.log" >&2
}

# Ready means: the log says "Kafka Server started" and the broker port (not
# the controller port, which opens earlier) accepts a TCP connection.
wait_ready() {  # mode nodes...
    local mode=$1 n d pending; shift
    local deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        pending=""
        for n in "$@"; do
            d=$(node_dir "$mode" "$n")
            # Liveness by PID only: for a moment after the launch the PID is
            # still the forked shell, whose command line is not yet java's.
            if ! kill -0 "$(cat "$d/pid" 2>/dev/null || echo 0)" 2>/dev/null; then
                say "node $n (Kafka $VERSION $mode) died during start-up"
                print_failure "$mode" "$n"
                return 1
            fi
            # KRaft: "Kafka Server started"; ZooKeeper mode: "[KafkaServer
            # id=1] started" (2.x, 1.x) or "[Kafka Server 1], started" (0.10).
            if grep -qE "Kafka Server started|started \(kafka\.server\.KafkaServer\)" "$d/server.log" 2>/dev/null &&
               port_open "$(broker_port "$mode" "$n")"; then
                continue
            fi
            pending="$pending $n"
        done
        [ -z "$pending" ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            say "timed out after ${START_TIMEOUT}s waiting for node(s)$pending"
            # shellcheck disable=SC2086
            print_failure "$mode" $pending
            return 1
        fi
        sleep 0.5
    done
}

# "Kafka Server started" on every node does not yet mean every broker is
# registered with the controller: a client asking at once may see one
# broker of three.  Waits until metadata from the first broker lists all.
wait_registered() {  # mode
    local mode=$1 want got="" first deadline=$((SECONDS + 60))
    want=$(nodes_of "$mode" | wc -w)
    first=$(brokers_of "$mode" | cut -d, -f1)
    command -v kcat >/dev/null || { say "kcat not installed: not waiting for broker registration"; return 0; }
    while [ $SECONDS -lt $deadline ]; do
        got=$(kcat -m 5 -b "$first" -L 2>/dev/null | sed -n 's/^ \([0-9]*\) brokers:$/\1/p' || true)
        [ "$got" = "$want" ] && return 0
        sleep 0.5
    done
    say "only ${got:-0} of $want brokers registered after 60 s"
    return 1
}

# Signals every live node at once (a combined node waits for the controller
# quorum while shutting down, so stopping them one by one would stall), then
# waits up to 30 s and SIGKILLs what is left.
stop_nodes() {  # mode nodes...
    local mode=$1 n pid pids=""; shift
    for n in "$@"; do
        if pid=$(node_pid "$mode" "$n"); then pids="$pids $pid"; fi
    done
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        local deadline=$((SECONDS + 30)) alive
        while :; do
            alive=""
            for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
            [ -z "$alive" ] && break
            if [ $SECONDS -ge $deadline ]; then
                say "SIGKILL after 30 s:$alive"
                # shellcheck disable=SC2086
                kill -KILL $alive 2>/dev/null || true
                break
            fi
            sleep 0.3
        done
    fi
    for n in "$@"; do rm -f "$(node_dir "$mode" "$n")/pid"; done
    # ZooKeeper only after its broker: a broker whose ZooKeeper is gone
    # hangs in controlled shutdown.
    if [ "$ZK" = 1 ]; then
        for n in "$@"; do
            if pid=$(zk_pid "$mode" "$n"); then
                kill -TERM "$pid" 2>/dev/null || true
                local zdl=$((SECONDS + 15))
                while kill -0 "$pid" 2>/dev/null; do
                    if [ $SECONDS -ge $zdl ]; then kill -KILL "$pid" 2>/dev/null || true; break; fi
                    sleep 0.2
                done
            fi
            rm -f "$(node_dir "$mode" "$n")/zk.pid"
        done
    fi
}

all_running() {  # mode
    local n
    for n in $(nodes_of "$1"); do
        node_pid "$1" "$n" >/dev/null || return 1
        port_open "$(broker_port "$1" "$n")" || return 1
    done
}

brokers_of() {  # mode
    local n list=""
    for n in $(nodes_of "$1"); do list="${list:+$list,}127.0.0.1:$(broker_port "$1" "$n")"; done
    echo "$list"
}

warn_ephemeral() {  # mode
    local lo hi n p
    read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || return 0
    for n in $(nodes_of "$1"); do
        p=$(broker_port "$1" "$n")
        if [ "$p" -ge "$lo" ] && [ "$((p + 1))" -le "$hi" ]; then
            say "warning: port $p is in the ephemeral range $lo-$hi; a restart may fail to bind"
            return 0
        fi
    done
}

cmd_start() {
    local mode=$1 n lib id t0=$SECONDS
    warn_ephemeral "$mode"
    if all_running "$mode"; then
        say "Kafka $VERSION $mode already running: $(brokers_of "$mode")"
        return 0
    fi
    # Half-running (a node died or was killed): start over cleanly.
    # shellcheck disable=SC2046
    stop_nodes "$mode" $(nodes_of "$mode")
    for n in $(nodes_of "$mode"); do
        if port_open "$(broker_port "$mode" "$n")" || port_open "$(controller_port "$mode" "$n")"; then
            die "port $(broker_port "$mode" "$n") or $(controller_port "$mode" "$n") is in use by another process (another tree's broker? set KAFKAC_KAFKA_PORT_BASE)"
        fi
    done
    command -v java >/dev/null || die "java not found (run scripts/deps.sh)"
    lib=$(jars_dir "$VERSION")
    id=$(new_cluster_id)
    for n in $(nodes_of "$mode"); do
        mkdir -p "$(node_dir "$mode" "$n")"
        if [ "$mode" = secure ]; then make_certs "$(certs_dir)"; fi
        write_configs "$mode" "$n"
    done
    # The formats are independent short JVM runs: do them in parallel.
    local fpids=""
    for n in $(nodes_of "$mode"); do
        format_node "$mode" "$n" "$lib" "$id" & fpids="$fpids $!"
    done
    for n in $fpids; do wait "$n" || die "storage format failed"; done
    local tf=$SECONDS
    for n in $(nodes_of "$mode"); do launch_node "$mode" "$n" "$lib"; done
    # shellcheck disable=SC2046
    if ! wait_ready "$mode" $(nodes_of "$mode") || ! wait_registered "$mode"; then
        # shellcheck disable=SC2046
        stop_nodes "$mode" $(nodes_of "$mode")
        return 1
    fi
    say "Kafka $VERSION $mode up in $((SECONDS - t0)) s (format $((tf - t0)) s): $(brokers_of "$mode")"
}

cmd_status() {
    local mode=$1 n pid rc=0 st
    for n in $(nodes_of "$mode"); do
        if pid=$(node_pid "$mode" "$n"); then st="pid $pid"; else st="not running"; rc=1; pid=""; fi
        if port_open "$(broker_port "$mode" "$n")"; then st="$st, port $(broker_port "$mode" "$n") open"
        else st="$st, port $(broker_port "$mode" "$n") closed"; rc=1; fi
        echo "Kafka $VERSION $mode node $n: $st"
    done
    return $rc
}

cmd_logs() {
    local mode=$1 n d
    for n in $(nodes_of "$mode"); do
        d=$(node_dir "$mode" "$n")
        echo "==== $d/server.log ===="
        tail -n "${LINES_TAIL:-40}" "$d/server.log" 2>/dev/null || echo "(no log)"
    done
}

check_node() {
    case "${1:-}" in 1|2|3) ;; *) die "NODE must be 1, 2 or 3";; esac
}

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
    jars)
        jars_dir "${1:-$VERSION}" ;;
    env)
        [ "${1:-secure}" = secure ] || die "env: only 'secure' has listener variables"
        secure_env ;;
    start|stop|status|logs|brokers)
        mode=${1:-single}; check_mode "$mode"
        case "$cmd" in
            start) cmd_start "$mode" ;;
            # shellcheck disable=SC2046
            stop) stop_nodes "$mode" $(nodes_of "$mode"); say "Kafka $VERSION $mode stopped (logs: $(state_dir "$mode"))" ;;
            status) cmd_status "$mode" ;;
            logs) cmd_logs "$mode" ;;
            brokers) brokers_of "$mode" ;;
        esac ;;
    kill)
        check_node "${1:-}"
        pid=$(node_pid cluster "$1") || die "cluster node $1 is not running"
        kill -KILL "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -f "$(node_dir cluster "$1")/pid"
        say "killed cluster node $1 (pid $pid)" ;;
    start-node)
        check_node "${1:-}"
        if node_pid cluster "$1" >/dev/null; then die "cluster node $1 is already running"; fi
        [ -f "$(node_dir cluster "$1")/server.properties" ] || die "cluster was never started"
        t0=$SECONDS
        # A port of the killed node can stay busy for a moment (sockets
        # the kernel is still closing); retry rather than fail on that.
        for attempt in 1 2 3 4 5 6; do
            launch_node cluster "$1" "$(jars_dir "$VERSION")"
            wait_ready cluster "$1" && break
            stop_nodes cluster "$1"
            if [ $attempt -lt 6 ] && grep -q 'Address already in use' "$(node_dir cluster "$1")/server.log"; then
                say "node $1: port still in use, retrying in 5 s"
                sleep 5
                continue
            fi
            exit 1
        done
        wait_registered cluster || exit 1
        say "cluster node $1 back in $((SECONDS - t0)) s" ;;
    *) usage ;;
esac
