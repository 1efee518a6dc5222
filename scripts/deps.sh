#!/usr/bin/env bash
# Installs the Debian packages libkafkac's build and tests need, and nothing
# when they are all present (then it is silent and takes well under a second,
# so `make check` can always call it).  Runs apt-get as root, or through sudo
# when not root.  `apt-get update` only runs when something is missing.
set -euo pipefail

# The libFuzzer and sanitizer runtimes are a separate package that clang
# only recommends, so --no-install-recommends leaves them out.  Without a
# clang yet, libclang-rt-dev comes from the same llvm-defaults as the
# clang package and depends on the matching runtime; with one, the runtime
# is named after its major version.
clang_rt=libclang-rt-dev
if command -v clang >/dev/null 2>&1; then
    cmaj=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
    [ -n "$cmaj" ] && clang_rt="libclang-rt-$cmaj-dev"
fi

pkgs=(build-essential gcc clang pkg-config cmake python3 zlib1g-dev liblz4-dev
      libsnappy-dev libzstd-dev libcmocka-dev libssl-dev openssl librdkafka-dev kcat python3-kafka
      default-jdk-headless maven $clang_rt
      # kafka-python's codecs (xxhash: its magic 0 LZ4 framing), for interop tests
      python3-snappy python3-lz4 python3-zstandard python3-xxhash)

missing=()
for p in "${pkgs[@]}"; do
    # One dpkg-query per package keeps "not installed" from hiding behind
    # a package that is merely known (config-files state).
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    run=()
elif command -v sudo >/dev/null 2>&1; then
    run=(sudo)
else
    echo "deps.sh: missing packages: ${missing[*]}; not root and no sudo, install them yourself" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -q
"${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
