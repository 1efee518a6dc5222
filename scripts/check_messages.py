#!/usr/bin/env python3
"""Compares libkafkac's message definitions (src/protocol/messages/*.def)
with Apache Kafka's own JSON message definitions, so that a wrong version
range, a missing field or a wrong nullability shows up as a failure
instead of as a broker closing the connection.

Usage:
  check_messages.py [--kafka [LABEL=]PATH]... [FILE.def ...]

PATH is a directory holding the JSON files (.../common/message/ or the
directory above it), a kafka-clients-*.jar, or a lib directory holding
one.  Give the releases oldest first; without --kafka the two releases
extracted under /tmp/kafka-json (3.9.1 and 4.1.1) are used.  Without
files, every .def under src/protocol/messages/ is checked.

For every version in both our range and a release's validVersions it
compares, field by field and version by version: names and order, types
(struct names may differ, their contents may not), which versions each
field exists in, nullable versions, tags and tagged versions, defaults,
`ignorable` (for fields missing from some versions) and flexibleVersions.
Our `versions` must run from the oldest release's first valid version to
the newest release's last stable one: a version marked
latestVersionUnstable may still change, and speaking it could later
mismatch a broker that releases it with another layout.

Exit status: 0 when everything matches, 1 when anything differs, 2 on
usage or input errors.
"""

import glob
import json
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcdsl  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_RELEASES = ["3.9.1=/tmp/kafka-json/3.9.1/common/message",
                    "4.1.1=/tmp/kafka-json/4.1.1/common/message"]
VER_MAX = kcdsl.VER_MAX


# ---------------------------------------------------------------------------
# Loading Kafka's JSON

def strip_comments(text):
    """Removes // comments outside strings (Kafka's JSON has them; "about"
    strings may contain "//" in URLs)."""
    out = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
        elif c == '"':
            in_str = True
            out.append(c)
            i += 1
        elif c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _label_from_path(path):
    m = re.search(r"(\d+\.\d+\.\d+)", path)
    return m.group(1) if m else path


def load_release(spec):
    """spec: '[LABEL=]PATH'.  Returns (label, {(apiKey, 'request'|'response'): json})."""
    if "=" in spec and not os.path.exists(spec):
        label, path = spec.split("=", 1)
    else:
        label, path = None, spec
    texts = {}
    if os.path.isdir(path):
        jars = sorted(glob.glob(os.path.join(path, "kafka-clients-*.jar")))
        if jars:
            path = jars[-1]
        elif os.path.isdir(os.path.join(path, "common", "message")):
            path = os.path.join(path, "common", "message")
    if os.path.isfile(path) and path.endswith(".jar"):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("common/message/") and name.endswith(".json"):
                    texts[os.path.basename(name)] = z.read(name).decode("utf-8")
    elif os.path.isdir(path):
        for fn in sorted(os.listdir(path)):
            if fn.endswith(".json"):
                with open(os.path.join(path, fn), encoding="utf-8") as fp:
                    texts[fn] = fp.read()
    else:
        raise SystemExit("check_messages: %s: not a JSON dir, jar or lib dir" % path)
    if not texts:
        raise SystemExit("check_messages: %s: no common/message/*.json found" % path)
    label = label or _label_from_path(path)
    msgs = {}
    for fn, text in texts.items():
        try:
            js = json.loads(strip_comments(text))
        except ValueError as e:
            raise SystemExit("check_messages: %s %s: %s" % (label, fn, e))
        if js.get("type") in ("request", "response") and "apiKey" in js:
            msgs[(js["apiKey"], js["type"])] = js
    return label, msgs


def kafka_range(s):
    """Kafka's "0+", "1-3", "2", "none" -> (lo, hi) or None."""
    s = str(s).strip()
    if s == "none" or s == "":
        return None
    if s.endswith("+"):
        return (int(s[:-1]), VER_MAX)
    if "-" in s:
        a, b = s.split("-")
        return (int(a), int(b))
    return (int(s), int(s))


def _clip(r, within):
    if r is None or within is None:
        return None
    lo, hi = max(r[0], within[0]), min(r[1], within[1])
    return (lo, hi) if lo <= hi else None


class KField:
    """Kafka's field, shaped like kcdsl.Field for the comparison."""

    def __init__(self, js, parent_ver, common):
        self.name = js["name"]
        self.type = js["type"]
        self.ver = _clip(kafka_range(js.get("versions", "none")), parent_ver)
        self.null = _clip(kafka_range(js.get("nullableVersions", "none")), self.ver)
        self.tag = js.get("tag")
        self.tagged = _clip(kafka_range(js.get("taggedVersions", "none")), self.ver) if self.tag is not None else None
        self.default = js.get("default")
        self.ignorable = bool(js.get("ignorable", False))
        self.fields = None
        elem = self.type[2:] if self.type.startswith("[]") else self.type
        if elem not in kcdsl.PRIMITIVES:
            body = js.get("fields")
            if body is None:
                body = common.get(elem, {}).get("fields", [])
            self.fields = [KField(c, self.ver, common) for c in body]

    @property
    def is_array(self):
        return self.type.startswith("[]")

    @property
    def elem(self):
        return self.type[2:] if self.is_array else self.type


def kafka_fields(js, valid):
    common = {c["name"]: c for c in js.get("commonStructs", [])}
    return [KField(f, valid, common) for f in js.get("fields", [])]


def kafka_default(f):
    """Kafka's default as a Python value comparable with kcdsl.default_value."""
    d = f.default
    elem = f.elem
    if f.is_array or elem not in kcdsl.PRIMITIVES:
        return None if d == "null" else ([] if f.is_array else {})
    if d is None:
        if elem == "bool":
            return False
        if elem in kcdsl.INT_TYPES:
            return 0
        if elem == "float64":
            return 0.0
        if elem == "string":
            return ""
        if elem == "uuid":
            return "AAAAAAAAAAAAAAAAAAAAAA"
        return b""
    if isinstance(d, bool):
        return d
    if isinstance(d, (int, float)) and elem != "bool":
        return d if elem != "float64" else float(d)
    d = str(d)
    if elem == "bool":
        return d.strip().lower() == "true"
    if elem in kcdsl.INT_TYPES:
        return int(d.strip(), 0)
    if elem == "float64":
        return float(d)
    if elem in ("string", "bytes", "records") and d == "null":
        return None
    if elem == "string":
        return d
    return d


# ---------------------------------------------------------------------------
# Comparison

def vset(r, within):
    """The versions of range r (or None) that lie in the set `within`."""
    if r is None:
        return frozenset()
    return frozenset(v for v in within if r[0] <= v <= r[1])


def fmt(vs):
    """{0,1,2,5} -> 'v0-2,v5'; the empty set -> 'never'."""
    if not vs:
        return "never"
    vs = sorted(vs)
    parts, start, prev = [], vs[0], vs[0]
    for v in vs[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append("v%d" % start if start == prev else "v%d-%d" % (start, prev))
        if v is not None:
            start = prev = v
    return ",".join(parts)


def kind(type_):
    elem = type_[2:] if type_.startswith("[]") else type_
    base = elem if elem in kcdsl.PRIMITIVES else "struct"
    return ("[]" if type_.startswith("[]") else "") + base


class Checker:
    def __init__(self):
        self.errors = []
        self.merged = {}
        self.warnings = []

    def err(self, msg, label=None):
        """msg says "Kafka {K}" where the release goes; the same finding in
        several releases is reported once, naming them all."""
        if label is None:
            self.errors.append(msg)
            return
        key = msg.replace("Kafka " + label, "Kafka {K}")
        if key not in self.merged:
            self.merged[key] = []
            self.errors.append(key)
        self.merged[key].append(label)

    def messages(self):
        out = []
        for e in self.errors:
            labels = self.merged.get(e)
            out.append(e.replace("{K}", ", ".join(labels)) if labels else e)
        return out

    def compare(self, where, label, ours, theirs, versions, api_vrange):
        """ours: kcdsl fields; theirs: KFields; versions: the set checked."""
        # Field names and order, version by version (reported once per
        # distinct difference, with the versions where it occurs).
        diffs = {}
        for v in sorted(versions):
            a = tuple(f.name for f in ours if f.exists(v))
            b = tuple(f.name for f in theirs if f.ver and f.ver[0] <= v <= f.ver[1])
            if a != b:
                diffs.setdefault((a, b), set()).add(v)
        for (a, b), vs in diffs.items():
            if set(a) == set(b):
                self.err("%s: field order in %s differs from Kafka %s: ours %s, Kafka's %s"
                         % (where, fmt(vs), label, ", ".join(a), ", ".join(b)), label)
        theirs_by = {f.name: f for f in theirs}
        ours_by = {f.name: f for f in ours}
        for f in ours:
            mine = vset(f.ver, versions)
            k = theirs_by.get(f.name)
            if k is None:
                if mine:
                    self.err("%s.%s: not in Kafka %s (ours has it in %s)" % (where, f.name, label, fmt(mine)), label)
                continue
            self.compare_field(where + "." + f.name, label, f, k, versions, api_vrange)
        for k in theirs:
            if k.name not in ours_by:
                vs = vset(k.ver, versions)
                if vs:
                    self.err("%s.%s: missing; Kafka %s has it (%s %s)" % (where, k.name, label, k.type, fmt(vs)), label)

    def compare_field(self, where, label, f, k, versions, api_vrange):
        mine, theirs = vset(f.ver, versions), vset(k.ver, versions)
        if mine != theirs:
            self.err("%s: exists in Kafka %s %s, ours %s" % (where, label, fmt(theirs), fmt(mine)), label)
        both = mine & theirs
        if not both:
            return
        if kind(f.type) != kind(k.type):
            self.err("%s: type %s in Kafka %s, ours %s" % (where, k.type, label, f.type), label)
            return
        n1, n2 = vset(f.null, both), vset(k.null, both)
        if n1 != n2:
            self.err("%s: nullable in Kafka %s %s, ours %s" % (where, label, fmt(n2), fmt(n1)), label)
        t1 = vset(f.tagged, both) if f.tag is not None else frozenset()
        t2 = vset(k.tagged, both) if k.tag is not None else frozenset()
        if t1 != t2:
            self.err("%s: tagged in Kafka %s %s, ours %s" % (where, label, fmt(t2), fmt(t1)), label)
        elif t1 and f.tag != k.tag:
            self.err("%s: tag %s in Kafka %s, ours %s" % (where, k.tag, label, f.tag), label)
        d1, d2 = kcdsl.default_value(f), kafka_default(k)
        if d1 != d2:
            self.err("%s: default %r in Kafka %s, ours %r" % (where, k.default, label, f.default), label)
        # `ignorable` only matters where the field is missing from some of
        # the versions compared (encoding a non-default value there is an
        # error unless the field is ignorable); releases may differ on it
        # where only the newer one has versions without the field.
        if mine != versions and f.ignorable != k.ignorable:
            self.err("%s: %s in Kafka %s, ours %s" % (
                where, "ignorable" if k.ignorable else "not ignorable", label,
                "ignorable" if f.ignorable else "not (add/remove the word 'ignorable')"), label)
        if f.struct is not None and k.fields is not None:
            self.compare("%s" % where, label, f.struct.fields, k.fields, both, api_vrange)


def check_api(api, releases, ck):
    base = os.path.basename(api.path)
    present = [(label, msgs) for label, msgs in releases
               if (api.key, "request") in msgs and (api.key, "response") in msgs]
    if not present:
        ck.err("%s: api key %d (%s) is in none of the Kafka releases checked" % (base, api.key, api.name))
        return
    # Expected range: first valid version of the oldest release that has the
    # API .. last stable version of the newest one.
    first_js = present[0][1][(api.key, "request")]
    last_js = present[-1][1][(api.key, "request")]
    want_lo = kafka_range(first_js["validVersions"])[0]
    last_valid = kafka_range(last_js["validVersions"])
    # A version Kafka marks latestVersionUnstable may still change before
    # it is released, and a later broker could then offer it as stable
    # with another layout; so we stop at the last stable version.
    unstable = bool(last_js.get("latestVersionUnstable"))
    want_hi = last_valid[1] - (1 if unstable else 0)
    if (api.vmin, api.vmax) != (want_lo, want_hi):
        why = " (v%d is latestVersionUnstable in Kafka %s)" % (last_valid[1], present[-1][0]) if unstable else ""
        ck.err("%s: versions %d-%d, expected %d-%d (Kafka %s's first .. Kafka %s's last stable)%s"
               % (base, api.vmin, api.vmax, want_lo, want_hi, present[0][0], present[-1][0], why))
    ours_all = set(range(api.vmin, api.vmax + 1))
    for label, msgs in present:
        for kind_, msg in (("request", api.request), ("response", api.response)):
            js = msgs[(api.key, kind_)]
            if js.get("apiKey") != api.key:
                ck.err("%s: %s apiKey %s in Kafka %s, ours %d" % (base, kind_, js.get("apiKey"), label, api.key), label)
            valid = kafka_range(js["validVersions"])
            versions = vset(valid, ours_all)
            if not versions:
                ck.err("%s: %s: no version in common with Kafka %s (%s)" % (base, kind_, label, js["validVersions"]), label)
                continue
            kflex = kafka_range(js.get("flexibleVersions", "none"))
            f1 = frozenset(v for v in versions if api.flexible(v))
            f2 = vset(kflex, versions)
            if f1 != f2:
                ck.err("%s: %s flexible in Kafka %s %s, ours %s" % (base, kind_, label, fmt(f2), fmt(f1)), label)
            ck.compare("%s: %s" % (base, kind_), label, msg.fields, kafka_fields(js, valid),
                       versions, (api.vmin, api.vmax))


def main(argv):
    specs, files = [], []
    it = iter(argv)
    for a in it:
        if a == "--kafka":
            specs.append(next(it, None) or "")
        elif a.startswith("--kafka="):
            specs.append(a.split("=", 1)[1])
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            print("check_messages: unknown option %s" % a, file=sys.stderr)
            return 2
        else:
            files.append(a)
    releases = [load_release(s) for s in (specs or DEFAULT_RELEASES)]
    if not files:
        files = sorted(glob.glob(os.path.join(ROOT, "src", "protocol", "messages", "*.def")))
    ck = Checker()
    bad_parse = 0
    for path in files:
        try:
            api = kcdsl.parse(path)
        except (kcdsl.DefError, OSError) as e:
            print("check_messages: %s" % e, file=sys.stderr)
            bad_parse += 1
            continue
        n = len(ck.errors)
        check_api(api, releases, ck)
        if len(ck.errors) == n:
            print("ok   %s (%s v%d-%d)" % (os.path.basename(path), api.name, api.vmin, api.vmax))
    for w in ck.warnings:
        print("note %s" % w)
    for e in ck.messages():
        print("FAIL %s" % e)
    if bad_parse:
        return 2
    return 1 if ck.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
