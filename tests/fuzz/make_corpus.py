#!/usr/bin/env python3
"""Writes seeds for fuzz_responses from the golden vectors: for every API,
kind and version, the first "filled" vector, prefixed with the 2-byte API
key and 2-byte version the target expects.

  python3 tests/fuzz/make_corpus.py [OUTDIR]
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_responses")
os.makedirs(out, exist_ok=True)
n = 0
for path in sorted(glob.glob(os.path.join(ROOT, "tests", "vectors", "*.vec"))):
    key = None
    seen = set()
    with open(path) as fp:
        for line in fp:
            if line.startswith("#"):
                m = re.search(r"\(key (\d+)\)", line)
                if m and key is None:
                    key = int(m.group(1))
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or key is None or not parts[2].startswith("filled"):
                continue
            kind, ver = parts[0], int(parts[1])
            if (kind, ver) in seen:
                continue
            seen.add((kind, ver))
            body = key.to_bytes(2, "big") + ver.to_bytes(2, "big") + bytes.fromhex(parts[3])
            name = "%s-%s-v%d" % (os.path.basename(path)[:-4], kind, ver)
            with open(os.path.join(out, name), "wb") as o:
                o.write(body)
            n += 1
print("make_corpus: %d seeds in %s" % (n, out))
