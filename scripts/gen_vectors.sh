#!/bin/sh
# Rebuild tests/vectors/*.vec: golden protocol byte vectors written by Apache
# Kafka's own serializers (kafka-clients OLD and NEW), see
# tests/vectors/GoldenVectors.java.  A developer tool, not part of `make check`.
#
# Needs Java 17+ (javac, java) and, unless the jars are already cached, Maven
# with access to Maven Central.  Jars go to ${KAFKAC_CACHE:-~/.cache/libkafkac}
# (outside the repo).  The output is deterministic: running this twice gives
# identical files.
#
# Usage: scripts/gen_vectors.sh            (from anywhere)
# Env:   KAFKAC_VECTORS_OLD=3.9.1 KAFKAC_VECTORS_NEW=4.1.1 KAFKAC_CACHE=...
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KAFKAC_CACHE:-$HOME/.cache/libkafkac}
OLD=${KAFKAC_VECTORS_OLD:-3.9.1}
NEW=${KAFKAC_VECTORS_NEW:-4.1.1}
JACKSON=2.16.2
SRC=$ROOT/tests/vectors/GoldenVectors.java
OUT=$ROOT/tests/vectors

# Prints a directory holding kafka-clients-$1.jar, its runtime dependencies
# and jackson-databind (to read the message JSON shipped inside the jar).
jars_dir() {
    ver=$1
    # A colleague's helper prints the full broker classpath (which includes
    # kafka-clients and jackson); use it when present and it works.
    if [ -x "$ROOT/scripts/kafka.sh" ]; then
        if d=$("$ROOT/scripts/kafka.sh" jars "$ver" 2>/dev/null) &&
            [ -f "$d/kafka-clients-$ver.jar" ] && ls "$d"/jackson-databind-*.jar >/dev/null 2>&1; then
            echo "$d"
            return 0
        fi
    fi
    d=$CACHE/vectors-$ver
    if [ ! -f "$d/lib/kafka-clients-$ver.jar" ] || [ ! -f "$d/lib/jackson-databind-$JACKSON.jar" ]; then
        mkdir -p "$d"
        cat >"$d/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>libkafkac.vectors</groupId><artifactId>vectors-deps</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>$ver</version></dependency>
    <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>$JACKSON</version></dependency>
  </dependencies>
</project>
EOF
        echo "gen_vectors: fetching kafka-clients $ver with Maven into $d/lib" >&2
        (cd "$d" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies \
            -DoutputDirectory=lib -DincludeScope=runtime >&2)
    fi
    echo "$d/lib"
}

# Compile against each jar separately: the program uses only API both share,
# but a signature change should fail here, not at run time.
run_gen() {
    ver=$1
    lib=$(jars_dir "$ver")
    cp="$lib/*"
    classes=$WORK/classes-$ver
    mkdir -p "$classes"
    javac -nowarn -d "$classes" -cp "$cp" "$SRC"
    java -cp "$classes:$cp" GoldenVectors gen "$ver" "$WORK/part-$ver"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gen_vectors.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

run_gen "$OLD"
run_gen "$NEW"
# merge touches no Kafka code, but the class links against it.
java -cp "$WORK/classes-$OLD:$(jars_dir "$OLD")/*" GoldenVectors merge "$OLD" "$WORK/part-$OLD" "$NEW" "$WORK/part-$NEW" "$WORK/vec"

mkdir -p "$OUT"
for f in "$WORK"/vec/*.vec; do
    cp "$f" "$OUT/$(basename "$f")"
done
echo "gen_vectors: wrote $(ls "$WORK"/vec/*.vec | wc -l) files to $OUT ($(cat "$WORK"/vec/*.vec | wc -c) bytes)" >&2
