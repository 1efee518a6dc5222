#!/usr/bin/env bash
# The public API's stability marks hold (docs/API.md):
#   - libkafkac.so exports exactly the functions the headers declare with
#     KAFKAC_API or KAFKAC_API_EXPERIMENTAL, nothing more or less;
#   - the experimental ones are the ones docs/API.md lists as experimental;
#   - every stable function of tests/abi/libkafkac.symbols is still
#     exported, and every exported stable function is listed there, so a
#     removal fails and an addition is a deliberate line in review.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "itest_api_stability: FAIL: $*" >&2; exit 1; }
so=build/lib/libkafkac.so
[ -e "$so" ] || fail "$so is not built"
tmp=$(mktemp -d /tmp/kafkac-api.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$so" | awk '$2 ~ /^[TW]$/ {print $3}' | sort > "$tmp/exported"
python3 - "$tmp" <<'PY'
import glob, re, sys
tmp = sys.argv[1]
stable, experimental = set(), set()
for f in sorted(glob.glob("include/kafkac/*.h")):
    text = re.sub(r"/\*.*?\*/", "", open(f).read(), flags=re.S)
    for m in re.finditer(r"\bKAFKAC_API(_EXPERIMENTAL)?\b\s+[^;(]*?\b(kafkac_\w+)\s*\(", text):
        (experimental if m.group(1) else stable).add(m.group(2))
doc = open("docs/API.md").read()
sec = re.search(r"^## Experimental\n(.*?)(?=^## |\Z)", doc, flags=re.S | re.M)
listed = set(re.findall(r"^- `(kafkac_\w+)`", sec.group(1), flags=re.M)) if sec else set()
abi = set(l.strip() for l in open("tests/abi/libkafkac.symbols") if l.strip() and not l.startswith("#"))
exported = set(open(tmp + "/exported").read().split())
bad = []
if exported - stable - experimental:
    bad.append("exported but declared in no header: " + ", ".join(sorted(exported - stable - experimental)))
if (stable | experimental) - exported:
    bad.append("declared but not exported: " + ", ".join(sorted((stable | experimental) - exported)))
if experimental != listed:
    bad.append("KAFKAC_API_EXPERIMENTAL in the headers (%s) differs from docs/API.md's Experimental list (%s)"
               % (", ".join(sorted(experimental)) or "none", ", ".join(sorted(listed)) or "none"))
if abi - exported:
    bad.append("stable functions no longer exported (a removal needs a major version): "
               + ", ".join(sorted(abi - exported)))
if (stable & exported) - abi:
    bad.append("stable functions missing from tests/abi/libkafkac.symbols (add them): "
               + ", ".join(sorted((stable & exported) - abi)))
if bad:
    for b in bad:
        print("itest_api_stability: FAIL: " + b, file=sys.stderr)
    sys.exit(1)
print("itest_api_stability: %d stable and %d experimental functions, exported as declared and as listed"
      % (len(stable), len(experimental)))
PY
