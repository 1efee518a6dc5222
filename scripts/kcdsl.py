"""Parser for libkafkac's protocol message definitions (src/protocol/messages/*.def).

The format is described in src/protocol/messages/README.md.  This module
only reads the files and builds a small tree; gen_protocol.py turns the
tree into C and check_messages.py compares it with Apache Kafka's JSON
message definitions.  Errors carry "file:line:" so a typo points at itself.
"""

import os
import re

VER_MAX = 32767  # "vN+": no upper bound (matches KC_VER_MAX in schema.h)

PRIMITIVES = ("bool", "int8", "int16", "uint16", "int32", "uint32", "int64",
              "float64", "string", "bytes", "records", "uuid")
INT_TYPES = ("int8", "int16", "uint16", "int32", "uint32", "int64")
INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-2**63, 2**63 - 1),
}
NULLABLE_TYPES = ("string", "bytes", "records")  # plus arrays and structs


class DefError(Exception):
    pass


class Field:
    """One field.  ver/null/tagged are (lo, hi) inclusive tuples or None.

    ver is what the line says, already clipped to the parent's versions
    (a nested field cannot exist where its parent does not)."""

    def __init__(self, name, type_, line):
        self.name = name
        self.type = type_          # as written: "int16", "[]Foo", "Foo", "[]int32"
        self.line = line
        self.ver = None
        self.null = None
        self.tag = None
        self.tagged = None
        self.default = None        # raw token, or None when not given
        self.ignorable = False
        self.struct = None         # Struct for struct and struct-array types

    @property
    def is_array(self):
        return self.type.startswith("[]")

    @property
    def elem(self):
        return self.type[2:] if self.is_array else self.type

    @property
    def is_struct(self):
        return self.elem not in PRIMITIVES

    def exists(self, v):
        return self.ver[0] <= v <= self.ver[1]

    def nullable(self, v):
        return self.null is not None and self.null[0] <= v <= self.null[1]

    def tagged_in(self, v):
        return self.tag is not None and self.tagged[0] <= v <= self.tagged[1]


class Struct:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.fields = []
        self.common = False


class Message:
    """The request or the response section."""

    def __init__(self, kind):
        self.kind = kind          # "request" / "response"
        self.fields = []
        self.structs = {}         # every struct of this section, by name


class Api:
    def __init__(self):
        self.path = None
        self.name = None
        self.key = None
        self.vmin = None
        self.vmax = None
        self.flex = None          # first flexible version, or None
        self.since = []           # (Name, version, line): `since` facts
        self.request = None
        self.response = None

    def flexible(self, v):
        return self.flex is not None and v >= self.flex


_VER_RE = re.compile(r"^v(\d+)(\+|-(\d+))?$")


def parse_range(tok):
    """'v3+' -> (3, VER_MAX); 'v3-5' -> (3, 5); 'v3' -> (3, 3); else None."""
    m = _VER_RE.match(tok)
    if not m:
        return None
    lo = int(m.group(1))
    if m.group(2) == "+":
        hi = VER_MAX
    elif m.group(3) is not None:
        hi = int(m.group(3))
    else:
        hi = lo
    return (lo, hi)


def _tokenize(text, where):
    """Splits on blanks, keeping "quoted strings" (with their quotes) whole
    and dropping everything from an unquoted # on."""
    toks = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
        elif c == "#":
            break
        elif c == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise DefError("%s: unterminated string" % where)
            toks.append(text[i:j + 1])
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in " \t#":
                j += 1
            toks.append(text[i:j])
            i = j
    return toks


def _intersect(a, b):
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def _parse_attrs(f, toks, where):
    i = 0
    while i < len(toks):
        t = toks[i]
        r = parse_range(t)
        if r is not None:
            if f.ver is not None:
                raise DefError("%s: %s: versions given twice" % (where, f.name))
            f.ver = r
            i += 1
            continue
        arg = toks[i + 1] if i + 1 < len(toks) else None
        if t == "null":
            r = parse_range(arg or "")
            if r is None:
                raise DefError("%s: %s: 'null' needs a range like v1+" % (where, f.name))
            f.null = r
            i += 2
        elif t == "tag":
            if arg is None or not arg.isdigit():
                raise DefError("%s: %s: 'tag' needs a number" % (where, f.name))
            f.tag = int(arg)
            i += 2
        elif t == "tagged":
            r = parse_range(arg or "")
            if r is None:
                raise DefError("%s: %s: 'tagged' needs a range like v3+" % (where, f.name))
            f.tagged = r
            i += 2
        elif t == "default":
            if arg is None:
                raise DefError("%s: %s: 'default' needs a value" % (where, f.name))
            f.default = arg
            i += 2
        elif t == "ignorable":
            f.ignorable = True
            i += 1
        else:
            raise DefError("%s: %s: unknown attribute %r" % (where, f.name, t))


def _check_default(f, where):
    d = f.default
    if d is None:
        return
    if d == "null":
        if f.null is None:
            raise DefError("%s: %s: default null but the field is never nullable" % (where, f.name))
        return
    if f.is_array or f.is_struct:
        raise DefError("%s: %s: arrays and structs take only 'default null'" % (where, f.name))
    t = f.type
    if t == "bool":
        if d not in ("true", "false"):
            raise DefError("%s: %s: bool default must be true or false" % (where, f.name))
    elif t in INT_TYPES:
        try:
            v = int(d, 0)
        except ValueError:
            raise DefError("%s: %s: bad integer default %r" % (where, f.name, d))
        lo, hi = INT_RANGES[t]
        if not lo <= v <= hi:
            raise DefError("%s: %s: default %s out of range for %s" % (where, f.name, d, t))
    elif t == "float64":
        try:
            float(d)
        except ValueError:
            raise DefError("%s: %s: bad float default %r" % (where, f.name, d))
    elif t == "string":
        if not (len(d) >= 2 and d[0] == '"' and d[-1] == '"'):
            raise DefError('%s: %s: string default must be quoted ("")' % (where, f.name))
    else:
        raise DefError("%s: %s: %s takes no default but null" % (where, f.name, t))


def default_value(f):
    """The field's default as a Python value: int, float, bool, str or None (null)."""
    d = f.default
    if d == "null":
        return None
    if f.is_array:
        return []
    if f.is_struct:
        return {}
    t = f.type
    if t == "bool":
        return d == "true"
    if t in INT_TYPES:
        return int(d, 0) if d is not None else 0
    if t == "float64":
        return float(d) if d is not None else 0.0
    if t == "string":
        return d[1:-1] if d is not None else ""
    if t == "uuid":
        return "AAAAAAAAAAAAAAAAAAAAAA"  # zero uuid, as Kafka's base64 form
    return b""  # bytes, records


def parse(path):
    with open(path, encoding="utf-8") as fp:
        return parse_text(fp.read(), path)


def parse_text(text, path="<def>"):
    api = Api()
    api.path = path
    base = os.path.basename(path)
    msg = None
    # Stack of (indent, container-list, versions, Struct-or-None); the last
    # field read, so that more-indented lines can open its struct.
    stack = []
    last = None          # (indent, Field, versions-of-that-field)
    pending = []         # fields of struct type with no body yet: resolve at end

    def where(ln):
        return "%s:%d" % (base, ln)

    for ln, raw in enumerate(text.split("\n"), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise DefError("%s: indent with spaces, not tabs" % where(ln))
        indent = len(raw) - len(raw.lstrip(" "))
        toks = _tokenize(raw, where(ln))
        if not toks:
            continue
        if indent == 0 and toks[0] == "api":
            if api.name is not None:
                raise DefError("%s: second 'api' line" % where(ln))
            _parse_api_line(api, toks, where(ln))
            continue
        if indent == 0 and toks[0] == "since":
            # since NAME V: a version fact code needs (a version cap or
            # floor), named here so that no C file types the number.
            if api.name is None or api.request is not None:
                raise DefError("%s: 'since' comes after the api line, before 'request'" % where(ln))
            if len(toks) != 3 or not re.match(r"^[A-Z][A-Za-z0-9]*$", toks[1]) or not toks[2].isdigit():
                raise DefError("%s: expected 'since CamelCaseName VERSION'" % where(ln))
            v = int(toks[2])
            if not api.vmin <= v <= api.vmax + 1:
                raise DefError("%s: since %s %d is outside versions %d-%d (+1)" % (where(ln), toks[1], v, api.vmin, api.vmax))
            if any(n == toks[1] for n, _, _ in api.since):
                raise DefError("%s: since %s given twice" % (where(ln), toks[1]))
            api.since.append((toks[1], v, ln))
            continue
        if indent == 0 and toks[0] in ("request", "response"):
            if api.name is None:
                raise DefError("%s: 'api' line must come first" % where(ln))
            if len(toks) != 1:
                raise DefError("%s: '%s' stands alone on its line" % (where(ln), toks[0]))
            if toks[0] == "request" and (api.request or api.response):
                raise DefError("%s: 'request' must come once, before 'response'" % where(ln))
            if toks[0] == "response" and (api.response or not api.request):
                raise DefError("%s: 'response' must come once, after 'request'" % where(ln))
            _finish_section(msg, pending, base)
            pending = []
            msg = Message(toks[0])
            if toks[0] == "request":
                api.request = msg
            else:
                api.response = msg
            full = (api.vmin, api.vmax)
            # Section fields are indented two spaces below 'request'.
            stack = [(2, msg.fields, full, None)]
            last = None
            continue
        if msg is None:
            raise DefError("%s: field outside a request/response section" % where(ln))
        if indent == 0 and toks[0] == "struct":
            if len(toks) != 2:
                raise DefError("%s: 'struct NAME'" % where(ln))
            name = toks[1]
            if name in msg.structs:
                raise DefError("%s: struct %s defined twice" % (where(ln), name))
            st = Struct(name, ln)
            st.common = True
            msg.structs[name] = st
            # A common struct's fields are indented like the section's; they
            # belong to the struct until the next column-0 line.
            stack = [(2, st.fields, (api.vmin, api.vmax), st)]
            last = None
            continue
        if indent == 0:
            raise DefError("%s: fields are indented (two spaces per level)" % where(ln))
        if indent % 2:
            raise DefError("%s: indent by two spaces per level" % where(ln))
        # Open the struct of the previous field if this line is deeper.
        if last is not None and indent > last[0]:
            lind, lf, lver = last
            if indent != lind + 2:
                raise DefError("%s: indented too far" % where(ln))
            if not lf.is_struct:
                raise DefError("%s: fields below %s, which is a %s" % (where(ln), lf.name, lf.type))
            if lf.elem in msg.structs:
                raise DefError("%s: struct %s defined twice" % (where(ln), lf.elem))
            st = Struct(lf.elem, lf.line)
            msg.structs[lf.elem] = st
            lf.struct = st
            if lf in pending:
                pending.remove(lf)
            stack.append((indent, st.fields, lver, st))
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack or stack[-1][0] != indent:
            raise DefError("%s: indentation does not match any open level" % where(ln))
        _, container, pver, _ = stack[-1]
        if len(toks) < 2:
            raise DefError("%s: a field is 'Name Type [attributes]'" % where(ln))
        f = Field(toks[0], toks[1], ln)
        if not re.match(r"^[A-Za-z][A-Za-z0-9]*$", f.name):
            raise DefError("%s: field name %r must be a CamelCase identifier" % (where(ln), f.name))
        if not re.match(r"^(\[\])?[A-Za-z][A-Za-z0-9]*$", f.type):
            raise DefError("%s: bad type %r" % (where(ln), f.type))
        _parse_attrs(f, toks[2:], where(ln))
        if any(g.name == f.name for g in container):
            raise DefError("%s: field %s twice in one struct" % (where(ln), f.name))
        written = f.ver
        f.ver = _intersect(f.ver or (api.vmin, api.vmax), pver)
        if f.ver is None:
            raise DefError("%s: %s: versions %s outside its parent's" % (where(ln), f.name, written))
        if f.null is not None:
            if f.type in PRIMITIVES and f.type not in NULLABLE_TYPES:
                raise DefError("%s: %s: a %s cannot be null" % (where(ln), f.name, f.type))
        if f.tag is not None:
            if f.tagged is None:
                if api.flex is None:
                    raise DefError("%s: %s: tagged field in an API with no flexible versions" % (where(ln), f.name))
                f.tagged = _intersect(f.ver, (api.flex, VER_MAX))
                if f.tagged is None:
                    raise DefError("%s: %s: tag given but the field has no flexible version" % (where(ln), f.name))
            elif api.flex is None or f.tagged[0] < api.flex:
                raise DefError("%s: %s: tagged versions must be flexible" % (where(ln), f.name))
        elif f.tagged is not None:
            raise DefError("%s: %s: 'tagged' without 'tag'" % (where(ln), f.name))
        _check_default(f, where(ln))
        if f.is_struct:
            pending.append(f)
        container.append(f)
        last = (indent, f, f.ver)
    _finish_section(msg, pending, base)
    if api.name is None:
        raise DefError("%s: no 'api' line" % base)
    if api.request is None or api.response is None:
        raise DefError("%s: needs both request and response sections" % base)
    _check_tags(api.request.fields, base)
    _check_tags(api.response.fields, base)
    for m in (api.request, api.response):
        for st in m.structs.values():
            _check_tags(st.fields, base)
    return api


def _finish_section(msg, pending, base):
    """Links fields of a struct type that had no body to a struct defined
    elsewhere in the section (common structs or an earlier definition)."""
    if msg is None:
        return
    for f in pending:
        if f.struct is not None:
            continue
        st = msg.structs.get(f.elem)
        if st is None:
            raise DefError("%s:%d: %s: unknown type %s" % (base, f.line, f.name, f.elem))
        f.struct = st


def _check_tags(fields, base):
    seen = {}
    for f in fields:
        if f.tag is None:
            continue
        if f.tag in seen:
            raise DefError("%s:%d: tag %d used by %s and %s" % (base, f.line, f.tag, seen[f.tag], f.name))
        seen[f.tag] = f.name


def _parse_api_line(api, toks, where):
    # api NAME key K versions A-B flexible F+|none
    if len(toks) != 8 or toks[2] != "key" or toks[4] != "versions" or toks[6] != "flexible":
        raise DefError("%s: expected 'api NAME key K versions A-B flexible F+|none'" % where)
    api.name = toks[1]
    if not re.match(r"^[A-Z][A-Za-z0-9]*$", api.name):
        raise DefError("%s: API name must be CamelCase" % where)
    try:
        api.key = int(toks[3])
        lo, hi = toks[5].split("-") if "-" in toks[5] else (toks[5], toks[5])
        api.vmin, api.vmax = int(lo), int(hi)
    except ValueError:
        raise DefError("%s: bad key or versions" % where)
    if api.vmin > api.vmax:
        raise DefError("%s: versions %s is empty" % (where, toks[5]))
    if toks[7] == "none":
        api.flex = None
    else:
        m = re.match(r"^(\d+)\+$", toks[7])
        if not m:
            raise DefError("%s: flexible must be N+ or none" % where)
        api.flex = int(m.group(1))


def walk(fields, path=()):
    """Yields (path-tuple, field) depth-first, in wire order."""
    for f in fields:
        yield path + (f.name,), f
        if f.struct is not None:
            yield from walk(f.struct.fields, path + (f.name,))


def snake(name):
    """CamelCase -> snake_case, keeping acronyms together: ThrottleTimeMs ->
    throttle_time_ms, ISRNodes -> isr_nodes, TopicID -> topic_id."""
    name = name.replace("KRaft", "Kraft")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()
