#!/usr/bin/env bash
# `make install` gives a user what they need: headers, static and shared
# library with soname links, the kafkac command, a pkg-config file that
# compiles and links a program both dynamically and fully statically, and a
# CMake package with kafkac::kafkac and kafkac::kafkac_static.  It honours
# the directories packagers set (PREFIX, LIBDIR for multiarch, INCLUDEDIR,
# BINDIR, DESTDIR) and their CPPFLAGS/CFLAGS/LDFLAGS, and `make uninstall`
# takes everything away again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
tmp=$(mktemp -d /tmp/kafkac-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "itest_install: FAIL: $*" >&2; exit 1; }

# The version as include/kafkac/version.h writes it, the one place it is.
ver=$(sed -n 's/^#define KAFKAC_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\).*/\2/p' include/kafkac/version.h | paste -sd.)
[[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "cannot read the version from include/kafkac/version.h ('$ver')"
major=${ver%%.*}

# The packager's flags reach every compile and link, after ours.
flags=(CPPFLAGS=-DKC_FROM_PACKAGER CFLAGS=-fstack-protector-strong LDFLAGS=-Wl,-z,now)
dry=$(make -n -B "${flags[@]}" build/obj/common/version.o "build/lib/libkafkac.so.$ver" build/bin/kafkac 2>&1)
echo "$dry" | grep -E -- '-Iinclude .*-DKC_FROM_PACKAGER.*-fstack-protector-strong.*-c src/common/version.c' \
    >/dev/null || fail "CPPFLAGS/CFLAGS from the command line do not reach the compile: $dry"
echo "$dry" | grep -E -- '-shared .*-Wl,-z,now' >/dev/null || fail "LDFLAGS does not reach the shared library's link"
echo "$dry" | grep -E -- '-o build/bin/kafkac .*-Wl,-z,now' >/dev/null || fail "LDFLAGS does not reach kafkac's link"
dry=$(env "${flags[@]}" make -n -B build/obj/common/version.o 2>&1)
echo "$dry" | grep -E -- '-Iinclude .*-DKC_FROM_PACKAGER.*-fstack-protector-strong' >/dev/null ||
    fail "CPPFLAGS/CFLAGS from the environment do not reach the compile: $dry"

# A multiarch LIBDIR, as Debian packages use.
prefix=$tmp/prefix
libdir=$prefix/lib/x86_64-linux-gnu
make -s install PREFIX="$prefix" LIBDIR="$libdir" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install"; }

for f in "$prefix/include/kafkac/kafkac.h" "$prefix/include/kafkac/version.h" "$libdir/libkafkac.a" \
         "$libdir/libkafkac.so" "$libdir/libkafkac.so.$major" "$libdir/libkafkac.so.$ver" \
         "$libdir/pkgconfig/kafkac.pc" "$libdir/cmake/kafkac/kafkacConfig.cmake" \
         "$libdir/cmake/kafkac/kafkacConfigVersion.cmake" "$prefix/bin/kafkac"; do
    [ -e "$f" ] || fail "missing $f"
done
[ "$(readlink "$libdir/libkafkac.so")" = "$(readlink "$libdir/libkafkac.so.$major")" ] ||
    fail "libkafkac.so and libkafkac.so.$major point at different files"
readelf -d "$libdir/libkafkac.so" | grep "SONAME.*\[libkafkac\.so\.$major\]" >/dev/null ||
    fail "soname is not libkafkac.so.$major"
out=$("$prefix/bin/kafkac" --version)
[ "$out" = "kafkac $ver (libkafkac $ver)" ] || fail "kafkac --version printed '$out'"
# Only the public API is exported (everything else is built hidden).
bad=$(nm -D --defined-only "$libdir/libkafkac.so" | awk '{print $3}' | grep -v '^kafkac_' || true)
[ -z "$bad" ] || fail "non-kafkac_ symbols exported: $(echo $bad | head -c 300)"

cat > "$tmp/app.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <kafkac/kafkac.h>
int main(void)
{
    /* The header and the library loaded agree on the version. */
    if (kafkac_version() != KAFKAC_VERSION_NUM || strcmp(kafkac_version_str(), KAFKAC_VERSION_STR) != 0)
        return 1;
    printf("%s\n", kafkac_err_name(KAFKAC_ERR_NOT_LEADER_OR_FOLLOWER));
    return 0;
}
C
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion kafkac)" = "$ver" ] || fail "pkg-config --modversion says $(pkg-config --modversion kafkac)"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/app" "$tmp/app.c" $(pkg-config --cflags --libs kafkac)
LD_LIBRARY_PATH=$libdir ldd "$tmp/app" | grep "libkafkac.so.$major => $libdir/libkafkac.so.$major" >/dev/null ||
    fail "dynamic app does not load $libdir/libkafkac.so.$major"
out=$(LD_LIBRARY_PATH=$libdir "$tmp/app")
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
out=$(LD_LIBRARY_PATH=$libdir timeout 60 "$tmp/readme") || fail "the README example failed: $out"
echo "$out" | grep -Eq '^partition [0-9]+ offset [0-9]+$' || fail "the README example printed '$out'"

# A CMake project finds the package and links either library.
mkdir -p "$tmp/cm"
cp "$tmp/app.c" "$tmp/cm/app.c"
cat > "$tmp/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.13)
project(kafkac_user C)
find_package(kafkac $major.${ver#*.} REQUIRED)
add_executable(app_shared app.c)
target_link_libraries(app_shared PRIVATE kafkac::kafkac)
add_executable(app_static app.c)
target_link_libraries(app_static PRIVATE kafkac::kafkac_static)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_LIBRARY_ARCHITECTURE=x86_64-linux-gnu \
    > "$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "cmake could not configure against the installed package"; }
cmake --build "$tmp/cm/build" > "$tmp/cmake-build.log" 2>&1 ||
    { cat "$tmp/cmake-build.log"; fail "cmake could not build against kafkac::kafkac and kafkac::kafkac_static"; }
out=$(LD_LIBRARY_PATH=$libdir "$tmp/cm/build/app_shared") || fail "the CMake shared app failed"
[ "$out" = NOT_LEADER_OR_FOLLOWER ] || fail "CMake shared app printed '$out'"
ldd "$tmp/cm/build/app_static" | grep -q libkafkac && fail "app_static (kafkac::kafkac_static) loads libkafkac.so"
out=$("$tmp/cm/build/app_static") || fail "the CMake static app failed"
[ "$out" = NOT_LEADER_OR_FOLLOWER ] || fail "CMake static app printed '$out'"
# A version the package does not satisfy is refused.
sed -i "s/find_package(kafkac [0-9.]*/find_package(kafkac $((major + 1)).0/" "$tmp/cm/CMakeLists.txt"
if cmake -S "$tmp/cm" -B "$tmp/cm/build2" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cmake2.log" 2>&1; then
    fail "find_package(kafkac $((major + 1)).0) accepted version $ver"
fi

# uninstall takes away everything install put there.
make -s uninstall PREFIX="$prefix" LIBDIR="$libdir" > "$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log"; fail "make uninstall"; }
left=$(find "$prefix" \( -type f -o -type l \) | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"

# DESTDIR stages the files without changing the paths the .pc names.
make -s install PREFIX=/opt/kafkac DESTDIR="$tmp/stage" > "$tmp/install2.log" 2>&1 || { cat "$tmp/install2.log"; fail "make install DESTDIR"; }
[ -f "$tmp/stage/opt/kafkac/lib/libkafkac.a" ] || fail "DESTDIR install missing libkafkac.a"
grep -qx 'prefix=/opt/kafkac' "$tmp/stage/opt/kafkac/lib/pkgconfig/kafkac.pc" || fail "DESTDIR leaked into kafkac.pc"
grep -q "$tmp" "$tmp/stage/opt/kafkac/lib/cmake/kafkac/kafkacConfig.cmake" && fail "DESTDIR leaked into kafkacConfig.cmake"
[ -x "$tmp/stage/opt/kafkac/bin/kafkac" ] || fail "DESTDIR install missing bin/kafkac"
echo "itest_install: ok ($ver: dynamic and static links through pkg-config and CMake print NOT_LEADER_OR_FOLLOWER; the README example produced a record; uninstall left nothing)"
