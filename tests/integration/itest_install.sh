#!/usr/bin/env bash
# `make install` gives a user what they need: headers, static and shared
# library with soname links, and a pkg-config file that compiles and links a
# program both dynamically and fully statically.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tmp=$(mktemp -d /tmp/kafkac-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "itest_install: FAIL: $*" >&2; exit 1; }

prefix=$tmp/prefix
make -s install PREFIX="$prefix" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install"; }

for f in include/kafkac/kafkac.h include/kafkac/error.h lib/libkafkac.a \
         lib/libkafkac.so lib/libkafkac.so.0 lib/pkgconfig/kafkac.pc; do
    [ -e "$prefix/$f" ] || fail "missing $prefix/$f"
done
[ "$(readlink "$prefix/lib/libkafkac.so")" = "$(readlink "$prefix/lib/libkafkac.so.0")" ] ||
    fail "libkafkac.so and libkafkac.so.0 point at different files"
readelf -d "$prefix/lib/libkafkac.so" | grep 'SONAME.*\[libkafkac\.so\.0\]' >/dev/null || fail "soname is not libkafkac.so.0"
# Only the public API is exported (everything else is built hidden).
bad=$(nm -D --defined-only "$prefix/lib/libkafkac.so" | awk '{print $3}' | grep -v '^kafkac_' || true)
[ -z "$bad" ] || fail "non-kafkac_ symbols exported: $(echo $bad | head -c 300)"

cat > "$tmp/app.c" <<'C'
#include <stdio.h>
#include <kafkac/kafkac.h>
int main(void)
{
    printf("%s\n", kafkac_err_name(KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER));
    return 0;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/app" "$tmp/app.c" $(pkg-config --cflags --libs kafkac)
LD_LIBRARY_PATH=$prefix/lib ldd "$tmp/app" | grep "libkafkac.so.0 => $prefix/lib/libkafkac.so.0" >/dev/null ||
    fail "dynamic app does not load $prefix/lib/libkafkac.so.0"
out=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/app")
[ "$out" = NOT_LEADER_OR_FOLLOWER ] || fail "dynamic app printed '$out'"

# shellcheck disable=SC2046
cc -std=c11 -static -o "$tmp/app_static" "$tmp/app.c" $(pkg-config --static --cflags --libs kafkac) ||
    fail "static link with pkg-config --static"
file "$tmp/app_static" | grep 'statically linked' >/dev/null || fail "app_static is not statically linked"
out=$("$tmp/app_static")
[ "$out" = NOT_LEADER_OR_FOLLOWER ] || fail "static app printed '$out'"

# The README's example compiles against the installed library and does what
# it says against the test broker (so the README cannot drift from the API).
sed -n '/^## Example/,/^## /p' README.md | awk '/^```c/{f=1;next}/^```/{f=0}f' > "$tmp/readme.c"
[ -s "$tmp/readme.c" ] || fail "no C example found in README.md"
brokers=${KAFKAC_TEST_BROKERS:-$(scripts/kafka.sh brokers single)}
sed -i "s|127.0.0.1:31092|$brokers|" "$tmp/readme.c"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/readme" "$tmp/readme.c" $(pkg-config --cflags --libs kafkac) ||
    fail "the README example does not compile"
out=$(LD_LIBRARY_PATH=$prefix/lib timeout 60 "$tmp/readme") || fail "the README example failed: $out"
echo "$out" | grep -Eq '^partition [0-9]+ offset [0-9]+$' || fail "the README example printed '$out'"

# DESTDIR stages the files without changing the paths the .pc names.
make -s install PREFIX=/opt/kafkac DESTDIR="$tmp/stage" > "$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log"; fail "make install DESTDIR"; }
[ -f "$tmp/stage/opt/kafkac/lib/libkafkac.a" ] || fail "DESTDIR install missing libkafkac.a"
grep -qx 'prefix=/opt/kafkac' "$tmp/stage/opt/kafkac/lib/pkgconfig/kafkac.pc" || fail "DESTDIR leaked into kafkac.pc"
echo "itest_install: ok (dynamic and static links print NOT_LEADER_OR_FOLLOWER; the README example produced a record)"
