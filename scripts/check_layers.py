#!/usr/bin/env python3
"""Fails when a lower layer of libkafkac includes a higher one.

The layers, lowest first (docs/ARCHITECTURE.md, "Layers"):

    common  <  protocol  <  producer, consumer  <  admin  <  cli

A file in src/<dir>/ may include headers of its own directory and of the
layers below it, never of a layer above it or of a peer (the producer and
the consumer do not include each other: what both need lives below them,
e.g. protocol/group_member.h).  The generated build/gen/kc_messages.h is
protocol-level.  The public headers (include/kafkac/) include only each
other, since they are installed without src/.

Usage: scripts/check_layers.py [ROOT]   (default: the repository holding
this script).  Prints one line per violation, file:line first, and exits
1 if there is any, 0 otherwise.  Only quoted includes are read; system
headers (<...>) are not layers.
"""
import os
import re
import sys

RANK = {"common": 0, "protocol": 1, "producer": 2, "consumer": 2, "admin": 3, "cli": 4}
ORDER = "common < protocol < producer, consumer < admin < cli"
GENERATED = {"kc_messages.h": "protocol"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of_include(path, own_dir):
    if path in GENERATED:
        return GENERATED[path]
    head = path.split("/", 1)[0]
    if "/" not in path:
        return own_dir              # same directory ("foo.h")
    return head


def check_src(root, problems):
    src = os.path.join(root, "src")
    for d in sorted(os.listdir(src)):
        full = os.path.join(src, d)
        if not os.path.isdir(full):
            continue
        if d not in RANK:
            problems.append("src/%s/: a directory with no layer; add it to scripts/check_layers.py" % d)
            continue
        for name in sorted(os.listdir(full)):
            if not name.endswith((".c", ".h")):
                continue
            rel = "src/%s/%s" % (d, name)
            with open(os.path.join(full, name), encoding="utf-8", errors="replace") as f:
                for ln, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    target = layer_of_include(inc, d)
                    if target == "kafkac" or target == d:
                        continue
                    if target not in RANK:
                        problems.append("%s:%d: includes \"%s\", which is in no layer" % (rel, ln, inc))
                    elif RANK[target] > RANK[d]:
                        problems.append("%s:%d: %s/ includes %s, a higher layer (%s)" % (rel, ln, d, inc, ORDER))
                    elif RANK[target] == RANK[d]:
                        problems.append("%s:%d: %s/ includes %s, a peer layer: move what both need below them"
                                        % (rel, ln, d, inc))


def check_public(root, problems):
    inc_dir = os.path.join(root, "include", "kafkac")
    for name in sorted(os.listdir(inc_dir)):
        if not name.endswith(".h"):
            continue
        rel = "include/kafkac/%s" % name
        with open(os.path.join(inc_dir, name), encoding="utf-8", errors="replace") as f:
            for ln, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if m and not m.group(1).startswith("kafkac/"):
                    problems.append("%s:%d: a public header includes \"%s\", which is not installed"
                                    % (rel, ln, m.group(1)))


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = []
    check_src(root, problems)
    check_public(root, problems)
    for p in problems:
        print(p)
    if problems:
        print("check_layers: %d include(s) against the layering (%s)" % (len(problems), ORDER))
        return 1
    print("check_layers: ok (%s)" % ORDER)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
