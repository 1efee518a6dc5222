#!/usr/bin/env python3
"""Writes build/gen/kc_messages.{c,h} from src/protocol/messages/*.def.

  gen_protocol.py --out DIR FILE.def...

For every struct of every message: a C typedef and a kc_schema_t whose
kc_field_t rows (type, versions, nullability, tag, offsetof, default) the
generic codec in src/protocol/codec.c walks.  For every API a kc_api_t,
plus kc_apis[], kc_api_get() and kc_api_by_name().  The C representation
of each type is fixed in src/protocol/schema.h.  Output is deterministic
(sorted by API key) so rebuilding only changes what the .def files change.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcdsl  # noqa: E402

C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
    "true", "false", "alignas", "alignof", "atomic", "noreturn", "static_assert",
}

C_TYPE = {
    "bool": "bool", "int8": "int8_t", "int16": "int16_t", "uint16": "uint16_t",
    "int32": "int32_t", "uint32": "uint32_t", "int64": "int64_t", "float64": "double",
    "string": "const char *", "bytes": "kc_bytes_t", "records": "kc_bytes_t", "uuid": "kc_uuid_t",
}
KC_T = {
    "bool": "KC_T_BOOL", "int8": "KC_T_INT8", "int16": "KC_T_INT16", "uint16": "KC_T_UINT16",
    "int32": "KC_T_INT32", "uint32": "KC_T_UINT32", "int64": "KC_T_INT64",
    "float64": "KC_T_FLOAT64", "string": "KC_T_STRING", "bytes": "KC_T_BYTES",
    "records": "KC_T_RECORDS", "uuid": "KC_T_UUID",
}


class GenError(Exception):
    pass


def member(name):
    m = kcdsl.snake(name)
    return m + "_" if m in C_KEYWORDS else m


def ver_c(v):
    return "KC_VER_MAX" if v >= kcdsl.VER_MAX else str(v)


def c_string(s):
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % ord(ch))
    return '"' + "".join(out) + '"'


def int_c(v):
    if v == -2**63:
        return "INT64_MIN"
    if v >= 2**31 or v < -2**31:
        return "INT64_C(%d)" % v
    return str(v)


class Gen:
    def __init__(self):
        self.h = []
        self.c = []

    def struct_names(self, api, msg):
        """Maps each Struct of msg to (ctype, schema symbol, schema name)."""
        api_s = kcdsl.snake(api.name)
        top = "%s_%s" % (api_s, msg.kind)
        names = {None: ("kc_%s_t" % top, "kc_schema_%s" % top,
                        "%s%s" % (api.name, msg.kind.capitalize()))}
        for st in msg.structs.values():
            base = "%s_%s" % (top, kcdsl.snake(st.name))
            names[st] = ("kc_%s_t" % base, "kc_schema_%s" % base,
                         "%s%s.%s" % (api.name, msg.kind.capitalize(), st.name))
        return names

    def order(self, msg):
        """Structs children-first, so that embedded structs are complete
        before the struct that holds them by value."""
        out, seen = [], set()

        def visit(st, fields):
            for f in fields:
                if f.struct is not None and f.struct not in seen:
                    seen.add(f.struct)
                    visit(f.struct, f.struct.fields)
            out.append((st, fields))
        visit(None, msg.fields)
        return out

    def check_members(self, where, fields):
        used = {}
        for f in fields:
            m = member(f.name)
            names = [m, m + "_count"] if f.is_array else [m]
            if f.struct is not None and not f.is_array and f.null is not None:
                names.append(m + "_null")
            for n in names:
                if n in used:
                    raise GenError("%s: C member %s of %s collides with %s" % (where, n, f.name, used[n]))
                used[n] = f.name

    def emit_message(self, api, msg):
        names = self.struct_names(api, msg)
        base = os.path.basename(api.path)
        for st, fields in self.order(msg):
            ctype, sym, sname = names[st]
            self.check_members("%s %s %s" % (base, msg.kind, sname), fields)
            tag = ctype[:-2]
            # Header: the C struct.
            self.h.append("/* %s */" % sname)
            self.h.append("typedef struct %s {" % tag)
            if not fields:
                self.h.append("    char unused_; /* no fields; C needs a member */")
            for f in fields:
                self.h.extend(self.member_lines(f, names))
            self.h.append("} %s;" % ctype)
            self.h.append("extern const kc_schema_t %s;" % sym)
            self.h.append("")
            # Source: the rows and the schema.
            rows = "kc_fields_" + sym[len("kc_schema_"):]
            if fields:
                self.c.append("static const kc_field_t %s[%d] = {" % (rows, len(fields)))
                for f in fields:
                    self.c.append(self.row(f, ctype, names))
                self.c.append("};")
            tagged = sorted((f.tag, i) for i, f in enumerate(fields) if f.tag is not None)
            tord = "NULL"
            if tagged:
                tord = "kc_tags_" + sym[len("kc_schema_"):]
                self.c.append("static const uint16_t %s[%d] = { %s };"
                              % (tord, len(tagged), ", ".join(str(i) for _, i in tagged)))
            self.c.append("const kc_schema_t %s = {" % sym)
            self.c.append("    .name = %s, .size = sizeof(%s), .nfields = %d, .fields = %s,"
                          % (c_string(sname), ctype, len(fields), rows if fields else "NULL"))
            self.c.append("    .min_ver = %d, .max_ver = %d, .ntagged = %d, .tag_order = %s,"
                          % (api.vmin, api.vmax, len(tagged), tord))
            self.c.append("};")
            self.c.append("")

    def member_lines(self, f, names):
        m = member(f.name)
        note = "%s %s v%d%s" % (f.name, f.type, f.ver[0],
                                "+" if f.ver[1] >= kcdsl.VER_MAX else "-%d" % f.ver[1])
        if f.null is not None:
            note += ", null v%d+" % f.null[0] if f.null[1] >= kcdsl.VER_MAX else ", null v%d-%d" % f.null
        if f.tag is not None:
            note += ", tag %d" % f.tag
        if f.default is not None:
            note += ", default %s" % f.default
        note = note.replace("*/", "* /")
        if f.struct is not None:
            ctype = names[f.struct][0]
        else:
            ctype = C_TYPE[f.elem]
        if f.is_array:
            star = "*" if ctype.endswith("*") else " *"
            return ["    %s%s%s; /* %s */" % (ctype, star, m, note),
                    "    int32_t %s_count; /* -1: null */" % m]
        sep = "" if ctype.endswith("*") else " "
        lines = ["    %s%s%s; /* %s */" % (ctype, sep, m, note)]
        if f.struct is not None and f.null is not None:
            # A struct is embedded by value, so its null needs a flag of
            # its own (ConsumerGroupHeartbeat's Assignment: null means
            # "unchanged", an empty one "nothing").
            lines.append("    bool %s_null; /* true: null (the struct's fields are then unused) */" % m)
        return lines

    def row(self, f, ctype, names):
        m = member(f.name)
        parts = [".name = %s" % c_string(f.name)]
        if f.is_array:
            parts.append(".type = KC_T_ARRAY")
            parts.append(".elem_type = %s" % ("KC_T_STRUCT" if f.struct is not None else KC_T[f.elem]))
        else:
            parts.append(".type = %s" % ("KC_T_STRUCT" if f.struct is not None else KC_T[f.elem]))
        flags = []
        if f.ignorable:
            flags.append("KC_F_IGNORABLE")
        if not f.is_array and f.struct is None and f.elem == "int16" and f.name.endswith("ErrorCode"):
            flags.append("KC_F_ERRCODE")   # -1 on the wire: see KC_F_ERRCODE in schema.h
        if flags:
            parts.append(".flags = %s" % " | ".join(flags))
        parts.append(".ver_min = %d, .ver_max = %s" % (f.ver[0], ver_c(f.ver[1])))
        if f.null is not None:
            parts.append(".null_min = %d, .null_max = %s" % (f.null[0], ver_c(f.null[1])))
        else:
            parts.append(".null_min = -1, .null_max = -1")
        if f.tag is not None:
            parts.append(".tag = %d, .tag_min = %d, .tag_max = %s" % (f.tag, f.tagged[0], ver_c(f.tagged[1])))
        else:
            parts.append(".tag = -1, .tag_min = -1, .tag_max = -1")
        parts.append(".offset = offsetof(%s, %s)" % (ctype, m))
        if f.is_array:
            parts.append(".count_offset = offsetof(%s, %s_count)" % (ctype, m))
        elif f.struct is not None and f.null is not None:
            parts.append(".count_offset = offsetof(%s, %s_null)" % (ctype, m))
        if f.struct is not None:
            parts.append(".schema = &%s" % names[f.struct][1])
        d = kcdsl.default_value(f)
        if d is None:
            parts.append(".def_null = true")
        elif f.is_array or f.struct is not None:
            pass
        elif f.elem == "bool":
            parts.append(".def_int = %d" % (1 if d else 0))
        elif f.elem in kcdsl.INT_TYPES:
            if d:
                parts.append(".def_int = %s" % int_c(d))
        elif f.elem == "float64":
            if d:
                parts.append(".def_f64 = %r" % d)
        elif f.elem == "string":
            parts.append(".def_str = %s" % c_string(d))
        return "    { " + ", ".join(parts) + " },"


def main(argv):
    out = None
    files = []
    it = iter(argv)
    for a in it:
        if a == "--out":
            out = next(it, None)
        else:
            files.append(a)
    if not out or not files:
        print("usage: gen_protocol.py --out DIR FILE.def...", file=sys.stderr)
        return 2
    try:
        apis = [kcdsl.parse(p) for p in files]
    except (kcdsl.DefError, OSError) as e:
        print("gen_protocol: %s" % e, file=sys.stderr)
        return 1
    apis.sort(key=lambda a: a.key)
    for a, b in zip(apis, apis[1:]):
        if a.key == b.key:
            print("gen_protocol: %s and %s both use key %d" % (a.path, b.path, a.key), file=sys.stderr)
            return 1
    g = Gen()
    g.h += ["/* Generated by scripts/gen_protocol.py from the %d files" % len(files),
            " * src/protocol/messages/NAME.def.  Do not edit: change the .def file. */",
            "#ifndef KC_MESSAGES_H", "#define KC_MESSAGES_H", "",
            '#include "protocol/schema.h"', "",
            "/* API keys. */", "enum kc_api_key {"]
    for a in apis:
        g.h.append("    KC_API_%s = %d," % (kcdsl.snake(a.name).upper(), a.key))
    g.h += ["};", ""]
    g.c += ["/* Generated by scripts/gen_protocol.py.  Do not edit. */",
            "#include <stddef.h>", "#include <stdint.h>", "#include <string.h>",
            '#include "kc_messages.h"', ""]
    try:
        for a in apis:
            g.h.append("/* ---- %s (key %d, v%d-%d) ---- */" % (a.name, a.key, a.vmin, a.vmax))
            g.c.append("/* ---- %s ---- */" % a.name)
            for msg in (a.request, a.response):
                g.emit_message(a, msg)
            s = kcdsl.snake(a.name)
            g.h.append("extern const kc_api_t kc_api_%s;" % s)
            for name, v, _ in a.since:
                g.h.append("#define KC_%s_SINCE_%s %d" % (s.upper(), kcdsl.snake(name).upper(), v))
            g.h.append("")
            g.c.append("const kc_api_t kc_api_%s = {" % s)
            g.c.append("    .key = %d, .name = %s, .min_ver = %d, .max_ver = %d, .flex_min = %s,"
                       % (a.key, c_string(a.name), a.vmin, a.vmax, ver_c(a.flex) if a.flex is not None else "KC_VER_MAX"))
            g.c.append("    .request = &kc_schema_%s_request, .response = &kc_schema_%s_response," % (s, s))
            g.c.append("};")
            g.c.append("")
    except GenError as e:
        print("gen_protocol: %s" % e, file=sys.stderr)
        return 1
    g.h += ["#endif", ""]
    maxkey = max(a.key for a in apis) if apis else 0
    g.c.append("const kc_api_t *const kc_apis[] = {")
    for a in apis:
        g.c.append("    &kc_api_%s," % kcdsl.snake(a.name))
    g.c += ["    NULL,", "};", ""]
    g.c.append("/* Indexed by API key: lookups happen for every request sent. */")
    g.c.append("static const kc_api_t *const by_key[%d] = {" % (maxkey + 1))
    for a in apis:
        g.c.append("    [%d] = &kc_api_%s," % (a.key, kcdsl.snake(a.name)))
    g.c += ["};", "",
            "const kc_api_t *kc_api_get(int16_t key)", "{",
            "    if (key < 0 || (size_t)key >= sizeof(by_key) / sizeof(by_key[0]))",
            "        return NULL;",
            "    return by_key[key];", "}", "",
            "const kc_api_t *kc_api_by_name(const char *name)", "{",
            "    if (!name)", "        return NULL;",
            "    for (size_t i = 0; kc_apis[i]; i++)",
            "        if (strcmp(kc_apis[i]->name, name) == 0)",
            "            return kc_apis[i];",
            "    return NULL;", "}", ""]
    os.makedirs(out, exist_ok=True)
    for name, lines in (("kc_messages.h", g.h), ("kc_messages.c", g.c)):
        path = os.path.join(out, name)
        text = "\n".join(lines)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fp:
            fp.write(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
