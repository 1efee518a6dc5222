#!/usr/bin/env bash
# The before-stop routine (make before-stop; docs/CONTRIBUTING.md): run it
# before ending a piece of work.  It lists, by file and line, every
# "not yet" (any case), TODO, FIXME and XXX
#   - in docs/, README.md and include/: what users read.  Any hit there is
#     a promise or a loose end that readers take as the library's state, so
#     the routine exits 1: finish the work, or say plainly what the library
#     does (and, if something is missing, say so without these markers, as
#     a documented limitation);
#   - in src/ (comments, READMEs): listed for review, not a failure, since
#     "a record not yet sent" is ordinary prose there.
# A line that has to name the markers themselves (the routine's own
# description in docs/CONTRIBUTING.md and README.md) ends with the
# Markdown comment <!-- before-stop: names the markers --> and is skipped;
# nothing else is.
# Exit status: 0 when docs/, README.md and include/ have no hit, 1 when
# they do, 2 when run outside the repository.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
[ -d include/kafkac ] && [ -d src ] || { echo "before-stop: run from the libkafkac repository" >&2; exit 2; }

# -I: no binary files; -n: line numbers; -H: file names even for one file.
# "not yet" in any case; the markers in capitals only ("todo" in prose is
# not a marker).
scan() {  # paths...
    grep -rnHI -i -e 'not yet' -- "$@" 2>/dev/null
    grep -rnHI -w -e 'TODO' -e 'FIXME' -e 'XXX' -- "$@" 2>/dev/null
}

user_paths=()
for p in docs README.md include; do [ -e "$p" ] && user_paths+=("$p"); done

user_hits=$(scan "${user_paths[@]}" | grep -v -F '<!-- before-stop: names the markers -->' |
    sort -t: -k1,1 -k2,2n | uniq)
src_hits=$(scan src | sort -t: -k1,1 -k2,2n | uniq)

count() { [ -n "$1" ] && printf '%s\n' "$1" | wc -l || echo 0; }
nu=$(count "$user_hits")
ns=$(count "$src_hits")

echo "== docs/, README.md, include/: $nu hit(s)"
[ -n "$user_hits" ] && printf '%s\n' "$user_hits" | sed 's/^/  /'
echo "== src/ (for review, not a failure): $ns hit(s)"
[ -n "$src_hits" ] && printf '%s\n' "$src_hits" | sed 's/^/  /'

if [ "$nu" -gt 0 ]; then
    echo "before-stop: FAIL: $nu \"not yet\"/TODO/FIXME/XXX in what users read (listed above)"
    exit 1
fi
echo "before-stop: ok (none in docs/, README.md, include/; $ns in src/ listed for review)"
exit 0
