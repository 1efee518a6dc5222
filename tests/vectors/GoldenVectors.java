/*
 * GoldenVectors: writes tests/vectors/*.vec, byte vectors produced by Apache
 * Kafka's own generated message serializers (kafka-clients), so that our C
 * codec is checked against bytes it did not produce itself.
 *
 * Run by scripts/gen_vectors.sh; a developer tool, not part of `make check`.
 *
 *   java GoldenVectors gen LABEL OUTDIR
 *       with one kafka-clients jar (+ jackson) on the classpath: for every API
 *       in APIS, request and response, every version that jar's XxxData class
 *       supports, serialize the cases below and write OUTDIR/<api>.part.
 *   java GoldenVectors merge OLDLABEL OLDDIR NEWLABEL NEWDIR OUTDIR
 *       no Kafka needed: all versions from OLDDIR, plus the versions only the
 *       newer jar knows, into OUTDIR/<api>.vec.  Versions both jars know are
 *       compared and any difference is reported on stderr.
 *
 * Cases per version: "defaults" (fresh object), "filled-1..3" (every field
 * present in the version set from a seeded PRNG, driven by the message's JSON
 * schema read from the same jar) and, for flexible versions,
 * "filled-1-unknown-tags" (filled-1 plus top-level tags 1000 and 1001, which
 * no message defines, so a decoder must skip them).
 *
 * Every vector is decoded again with Kafka's own reader and must compare
 * equal and re-encode to the same bytes; otherwise the run fails.
 *
 * Seeds come from a hash of "api/kind/version/case", never from iteration
 * order, so a version's bytes only change if its schema changes.
 */

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.MemoryRecords;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

public final class GoldenVectors {

    /* The APIs libkafkac defines, in the order of our task list. */
    static final String[] APIS = {
        "ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets",
        "FindCoordinator", "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup",
        "OffsetCommit", "OffsetFetch", "DescribeGroups", "ListGroups",
        "DeleteGroups", "OffsetDelete", "CreateTopics", "DeleteTopics",
        "CreatePartitions", "DeleteRecords", "DescribeConfigs", "AlterConfigs",
        "IncrementalAlterConfigs", "DescribeCluster", "ElectLeaders",
        "DescribeLogDirs", "CreateAcls", "DescribeAcls", "DeleteAcls",
        "InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn",
        "TxnOffsetCommit", "OffsetForLeaderEpoch", "SaslHandshake",
        "SaslAuthenticate", "DescribeUserScramCredentials",
        "AlterUserScramCredentials", "ConsumerGroupHeartbeat", "ConsumerGroupDescribe",
    };
    static final String[] KINDS = {"request", "response"};
    static final String PKG = "org.apache.kafka.common.message.";

    /* Unknown tags must sort after every defined tag (the highest defined
     * tag in any Kafka message is a single digit). */
    static final int UNKNOWN_TAG_A = 1000;
    static final int UNKNOWN_TAG_B = 1001;

    /* Size caps keep the .vec files small. */
    static final int MAX_STRING_BYTES = 20;
    static final int MAX_BYTES = 20;

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("gen")) {
            gen(args[1], Path.of(args[2]));
        } else if (args.length == 6 && args[0].equals("merge")) {
            merge(args[1], Path.of(args[2]), args[3], Path.of(args[4]), Path.of(args[5]));
        } else {
            System.err.println("usage: GoldenVectors gen LABEL OUTDIR | merge OLDLABEL OLDDIR NEWLABEL NEWDIR OUTDIR");
            System.exit(2);
        }
    }

    static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0)
                sb.append('_');
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }

    /* ---------------------------------------------------------------- gen */

    /* One JSON message schema: fields plus every named struct, so that
     * "[]Foo" can find Foo's fields whether they are inline or in
     * commonStructs. */
    static final class Schema {
        final JsonNode root;
        final Map<String, JsonNode> structs = new HashMap<>();
        final String flexible;

        Schema(JsonNode root) {
            this.root = root;
            this.flexible = root.path("flexibleVersions").asText("none");
            collect(root.get("fields"));
            JsonNode common = root.get("commonStructs");
            if (common != null)
                for (JsonNode s : common) {
                    structs.put(s.get("name").asText(), s.get("fields"));
                    collect(s.get("fields"));
                }
        }

        private void collect(JsonNode fields) {
            if (fields == null)
                return;
            for (JsonNode f : fields) {
                JsonNode sub = f.get("fields");
                if (sub != null) {
                    String t = f.get("type").asText();
                    structs.put(t.startsWith("[]") ? t.substring(2) : t, sub);
                    collect(sub);
                }
            }
        }

        boolean unstableLatest() {
            return root.path("latestVersionUnstable").asBoolean(false);
        }

        int maxTag() {
            int[] max = {-1};
            walkTags(root.get("fields"), max);
            for (JsonNode f : structs.values())
                walkTags(f, max);
            return max[0];
        }

        private static void walkTags(JsonNode fields, int[] max) {
            if (fields == null)
                return;
            for (JsonNode f : fields) {
                if (f.has("tag"))
                    max[0] = Math.max(max[0], f.get("tag").asInt());
                walkTags(f.get("fields"), max);
            }
        }
    }

    /* Kafka version ranges: "none", "N", "N+", "N-M". */
    static boolean inRange(String spec, int v) {
        if (spec == null || spec.equals("none"))
            return false;
        if (spec.endsWith("+"))
            return v >= Integer.parseInt(spec.substring(0, spec.length() - 1));
        int dash = spec.indexOf('-');
        if (dash < 0)
            return v == Integer.parseInt(spec);
        return v >= Integer.parseInt(spec.substring(0, dash))
            && v <= Integer.parseInt(spec.substring(dash + 1));
    }

    static String attr(JsonNode f, String name) {
        JsonNode n = f.get(name);
        return n == null ? null : n.asText();
    }

    static JsonNode loadSchema(Class<?> cls, String name) throws IOException {
        String res = "common/message/" + name + ".json";
        java.net.URL url = cls.getClassLoader().getResource(res);
        // The schema must come from the jar that holds the class (a broker
        // classpath has several Kafka jars).
        String jar = cls.getProtectionDomain().getCodeSource().getLocation().toString();
        if (url == null || !url.toString().startsWith("jar:" + jar + "!"))
            throw new IOException(res + " not found in " + jar + " (got " + url + ")");
        try (InputStream in = url.openStream()) {
            ObjectMapper mapper = new ObjectMapper();
            mapper.configure(JsonParser.Feature.ALLOW_COMMENTS, true);
            return mapper.readTree(in);
        }
    }

    static long fnv64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    static void gen(String label, Path outDir) throws Exception {
        Files.createDirectories(outDir);
        int total = 0, skipped = 0;
        for (String api : APIS) {
            Path out = outDir.resolve(snake(api) + ".part");
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (String kind : KINDS) {
                    String base = api + (kind.equals("request") ? "Request" : "Response");
                    Class<?> cls = Class.forName(PKG + base + "Data");
                    Schema schema = new Schema(loadSchema(cls, base));
                    Message proto = (Message) cls.getDeclaredConstructor().newInstance();
                    short lo = proto.lowestSupportedVersion();
                    short hi = proto.highestSupportedVersion();
                    if (schema.maxTag() >= UNKNOWN_TAG_A)
                        throw new IllegalStateException(base + " defines tag " + schema.maxTag());
                    if (kind.equals("request"))
                        w.write("@key\t" + ((org.apache.kafka.common.protocol.ApiMessage) proto).apiKey() + "\n");
                    w.write("@range\t" + kind + "\t" + lo + "\t" + hi + "\t" + schema.unstableLatest() + "\n");
                    for (short v = lo; v <= hi; v++) {
                        boolean flexible = inRange(schema.flexible, v);
                        List<String> cases = new ArrayList<>(List.of("defaults", "filled-1", "filled-2", "filled-3"));
                        if (flexible)
                            cases.add("filled-1-unknown-tags");
                        for (String cs : cases) {
                            String line = oneCase(cls, schema, api, kind, v, cs);
                            w.write(kind + "\t" + v + "\t" + cs + "\t" + line + "\n");
                            total++;
                            if (line.startsWith("!"))
                                skipped++;
                        }
                    }
                }
            }
        }
        System.err.printf("GoldenVectors[%s]: %d cases, %d rejected by Kafka's serializer%n", label, total, skipped);
        NULLABLE.removeAll(NULLED);
        System.err.printf("GoldenVectors[%s]: %d nullable field versions never null: %s%n",
                          label, NULLABLE.size(), NULLABLE);
    }

    /* Returns the hex of the body, or "!reason" when Kafka's own serializer
     * rejects the message (the merged file records it as a comment). */
    static String oneCase(Class<?> cls, Schema schema, String api, String kind, short v, String cs)
            throws Exception {
        Message m = (Message) cls.getDeclaredConstructor().newInstance();
        if (cs.startsWith("filled-")) {
            String seedCase = cs.substring(0, "filled-N".length());
            Random r = new Random(fnv64(api + "/" + kind + "/" + v + "/" + seedCase));
            Mode mode = seedCase.equals("filled-1") ? Mode.FULL
                      : seedCase.equals("filled-2") ? Mode.NULL_SCALARS : Mode.NULL_CONTAINERS;
            new Filler(schema, cls, v, r, mode).fill(m, schema.root.get("fields"), 0);
            if (cs.endsWith("-unknown-tags")) {
                Random tr = new Random(fnv64(api + "/" + kind + "/" + v + "/" + cs));
                m.unknownTaggedFields().add(new RawTaggedField(UNKNOWN_TAG_A, randomBytes(tr, 1, 8)));
                m.unknownTaggedFields().add(new RawTaggedField(UNKNOWN_TAG_B, new byte[0]));
            }
        }
        byte[] body;
        try {
            body = serialize(m, v);
        } catch (RuntimeException e) {
            return "!" + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
        }
        Message back = verify(cls, m, v, body, api + " " + kind + " v" + v + " " + cs);
        if (cs.startsWith("filled-1"))
            checkFull(back, schema, schema.root.get("fields"), v, api + " " + kind + " v" + v + " " + cs);
        return hex(body);
    }

    static byte[] serialize(Message m, short v) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = m.size(cache, v);
        ByteBuffer buf = ByteBuffer.allocate(size);
        m.write(new ByteBufferAccessor(buf), cache, v);
        if (buf.position() != size)
            throw new IllegalStateException("size() said " + size + " but write() wrote " + buf.position());
        return buf.array();
    }

    /* Decode with Kafka's reader: it must consume every byte, compare equal
     * to what we built, and encode back to the same bytes. */
    static Message verify(Class<?> cls, Message m, short v, byte[] body, String what) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(body);
        Constructor<?> reader = cls.getConstructor(Readable.class, short.class);
        Message back;
        try {
            back = (Message) reader.newInstance(new ByteBufferAccessor(in), v);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(what + ": Kafka cannot read its own bytes", e.getCause());
        }
        if (in.hasRemaining())
            throw new IllegalStateException(what + ": " + in.remaining() + " bytes left after decoding");
        if (!back.equals(m))
            throw new IllegalStateException(what + ": decoded message differs\n built:   " + m + "\n decoded: " + back);
        if (!Arrays.equals(serialize(back, v), body))
            throw new IllegalStateException(what + ": re-encoding the decoded message gives other bytes");
        return back;
    }

    /* filled-1 promises that every field of the version is on the wire: on
     * the message Kafka decoded, every array must be non-empty, no nullable
     * field null, and every tagged field different from its default. */
    static void checkFull(Object obj, Schema schema, JsonNode fields, short v, String what) throws Exception {
        Object fresh = obj.getClass().getDeclaredConstructor().newInstance();
        for (JsonNode f : fields) {
            if (!inRange(attr(f, "versions"), v))
                continue;
            String name = f.get("name").asText();
            String getter = Character.toLowerCase(name.charAt(0)) + name.substring(1);
            Object val = obj.getClass().getMethod(getter).invoke(obj);
            String type = f.get("type").asText();
            if (val == null)
                throw new IllegalStateException(what + ": " + name + " is null after decoding");
            if (f.has("tag") && inRange(attr(f, "taggedVersions"), v)
                    && Filler.sameValue(val, fresh.getClass().getMethod(getter).invoke(fresh)))
                throw new IllegalStateException(what + ": tagged " + name + " decoded as its default");
            JsonNode sub = schema.structs.get(type.startsWith("[]") ? type.substring(2) : type);
            if (type.startsWith("[]")) {
                Collection<?> c = (Collection<?>) val;
                if (c.isEmpty())
                    throw new IllegalStateException(what + ": array " + name + " is empty");
                if (sub != null)
                    for (Object e : c)
                        checkFull(e, schema, sub, v, what + " " + name + "[]");
            } else if (sub != null && !Filler.isPrimitive(type)) {
                checkFull(val, schema, sub, v, what + " " + name);
            }
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b)
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        return sb.toString();
    }

    static byte[] randomBytes(Random r, int min, int max) {
        byte[] b = new byte[min + r.nextInt(max - min + 1)];
        r.nextBytes(b);
        return b;
    }

    /* How a filled case chooses lengths and nulls:
     *   FULL (filled-1): every array has 1..3 elements, no nullable field is
     *     null and every tagged field differs from its default, so every
     *     field of the version is on the wire at least once (checkFull).
     *   NULL_SCALARS (filled-2): every nullable string, bytes or records
     *     field null; arrays and structs present and non-empty, tagged
     *     fields set (so nullable fields inside tagged structs are reached).
     *   NULL_CONTAINERS (filled-3): every nullable array and struct null,
     *     other nullable fields null one time in three, tagged fields at
     *     their default half the time.
     * All arrays have 1..3 elements (2 below the second level): empty
     * arrays are in the "defaults" case.  Between them, every nullable
     * field of a version is null in some vector unless an enclosing
     * nullable array or struct is null too (gen reports which). */
    enum Mode { FULL, NULL_SCALARS, NULL_CONTAINERS }

    /* Nullable (field, version) pairs seen and those written as null, to
     * report coverage. */
    static final java.util.Set<String> NULLABLE = new java.util.TreeSet<>();
    static final java.util.Set<String> NULLED = new java.util.TreeSet<>();

    /* Sets every field present in version v, recursively, from the schema.
     * Only fields present in the version are touched: Kafka rejects a
     * non-default value in a version that lacks the field. */
    static final class Filler {
        final Schema schema;
        final Class<?> top;
        final short v;
        final Random r;
        final Mode mode;

        Filler(Schema schema, Class<?> top, short v, Random r, Mode mode) {
            this.schema = schema;
            this.top = top;
            this.v = v;
            this.r = r;
            this.mode = mode;
        }

        boolean makeNull(boolean container) {
            switch (mode) {
                case FULL: return false;
                case NULL_SCALARS: return !container;
                default: return container || r.nextInt(3) == 0;
            }
        }

        void fill(Object obj, JsonNode fields, int depth) throws Exception {
            for (JsonNode f : fields) {
                if (!inRange(attr(f, "versions"), v))
                    continue;
                // A tagged field left at its default is omitted from the tag
                // buffer.
                boolean tagged = f.has("tag") && inRange(attr(f, "taggedVersions"), v);
                if (tagged && mode == Mode.NULL_CONTAINERS && r.nextBoolean())
                    continue;
                String name = f.get("name").asText();
                // A few schemas spell a field in lowerCamelCase ("timeoutMs").
                String camel = name.substring(1);
                Method setter = setter(obj.getClass(), "set" + Character.toUpperCase(name.charAt(0)) + camel);
                Class<?> param = setter.getParameterTypes()[0];
                boolean nullable = inRange(attr(f, "nullableVersions"), v);
                Object value;
                String type = f.get("type").asText();
                boolean container = type.startsWith("[]") || !Filler.isPrimitive(type);
                if (nullable)
                    NULLABLE.add(top.getSimpleName() + " " + obj.getClass().getSimpleName() + "." + name + " v" + v);
                if (nullable && makeNull(container)) {
                    value = null;
                    NULLED.add(top.getSimpleName() + " " + obj.getClass().getSimpleName() + "." + name + " v" + v);
                } else if (tagged) {
                    Object dflt = obj.getClass().getMethod(Character.toLowerCase(name.charAt(0)) + camel).invoke(obj);
                    int tries = 0;
                    do {
                        value = value(f, f.get("type").asText(), param, depth);
                    } while (sameValue(value, dflt) && ++tries < 20);
                    if (sameValue(value, dflt))
                        throw new IllegalStateException(name + ": cannot draw a non-default value");
                } else {
                    value = value(f, f.get("type").asText(), param, depth);
                }
                setter.invoke(obj, value);
            }
        }

        static boolean sameValue(Object a, Object b) {
            if (a instanceof byte[] && b instanceof byte[])
                return Arrays.equals((byte[]) a, (byte[]) b);
            return java.util.Objects.equals(a, b);
        }

        static Method setter(Class<?> c, String name) {
            for (Method m : c.getMethods())
                if (m.getName().equals(name) && m.getParameterCount() == 1)
                    return m;
            throw new IllegalStateException(c.getName() + " has no " + name);
        }

        Object value(JsonNode f, String type, Class<?> param, int depth) throws Exception {
            if (type.startsWith("[]")) {
                String elem = type.substring(2);
                int max = depth < 2 ? 3 : 2;
                int n = 1 + r.nextInt(max);
                @SuppressWarnings("unchecked")
                Collection<Object> coll = param.isInterface()
                    ? new ArrayList<>()
                    : (Collection<Object>) param.getDeclaredConstructor().newInstance();
                JsonNode sub = schema.structs.get(elem);
                for (int i = 0; i < n; i++) {
                    if (sub == null) {
                        coll.add(primitive(elem, null));
                    } else {
                        Class<?> ec = Class.forName(top.getName() + "$" + elem, true, top.getClassLoader());
                        Object e = ec.getDeclaredConstructor().newInstance();
                        fill(e, sub, depth + 1);
                        coll.add(e);
                    }
                }
                return coll;
            }
            JsonNode sub = schema.structs.get(type);
            if (sub != null && !isPrimitive(type)) {
                Object s = param.getDeclaredConstructor().newInstance();
                fill(s, sub, depth + 1);
                return s;
            }
            return primitive(type, param);
        }

        static boolean isPrimitive(String t) {
            switch (t) {
                case "bool": case "int8": case "int16": case "int32": case "int64":
                case "uint16": case "uint32": case "float64": case "string":
                case "bytes": case "records": case "uuid":
                    return true;
                default:
                    return false;
            }
        }

        /* Integers mix the values that catch sign and width mistakes (0, -1,
         * the extremes) with uniform draws over the whole range. */
        long integer(long min, long max) {
            switch (r.nextInt(6)) {
                case 0: return 0;
                case 1: return min < 0 ? -1 : 1;
                case 2: return min;
                case 3: return max;
                case 4: return Math.min(max, r.nextInt(300));
                default:
                    if (min == Long.MIN_VALUE)
                        return r.nextLong();
                    return min + Math.floorMod(r.nextLong(), max - min + 1);
            }
        }

        static final String[] PIECES = {
            "a", "b", "k", "Z", "0", "7", "-", "_", ".", " ", "topic", "grp",
            "\u00e9", "\u00df", "\u00fc", "\u65e5\u672c", "\u0416", "\ud83d\ude00",
        };

        String string() {
            if (r.nextInt(6) == 0)
                return "";
            StringBuilder sb = new StringBuilder();
            int want = 1 + r.nextInt(MAX_STRING_BYTES);
            while (true) {
                String p = PIECES[r.nextInt(PIECES.length)];
                int len = (sb + p).getBytes(StandardCharsets.UTF_8).length;
                if (len > want)
                    break;
                sb.append(p);
            }
            return sb.length() == 0 ? "x" : sb.toString();
        }

        Object primitive(String type, Class<?> param) {
            switch (type) {
                case "bool": return r.nextBoolean();
                case "int8": return (byte) integer(Byte.MIN_VALUE, Byte.MAX_VALUE);
                case "int16": return (short) integer(Short.MIN_VALUE, Short.MAX_VALUE);
                case "int32": return (int) integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
                case "int64": return integer(Long.MIN_VALUE, Long.MAX_VALUE);
                case "uint16": return (int) integer(0, 65535);
                case "uint32": return integer(0, 0xffffffffL);
                // Multiples of 1/64 are exact in binary, so equality holds.
                case "float64": return (r.nextInt(2000001) - 1000000) / 64.0;
                case "string": return string();
                case "uuid":
                    return r.nextInt(5) == 0 ? Uuid.ZERO_UUID : new Uuid(r.nextLong(), r.nextLong());
                case "bytes": {
                    byte[] b = randomBytes(r, 0, MAX_BYTES);
                    return param == ByteBuffer.class ? ByteBuffer.wrap(b) : b;
                }
                // The codec treats records as opaque bytes, so any bytes do.
                case "records":
                    return MemoryRecords.readableRecords(ByteBuffer.wrap(randomBytes(r, 0, MAX_BYTES)));
                default:
                    throw new IllegalStateException("unknown field type " + type);
            }
        }
    }

    /* -------------------------------------------------------------- merge */

    /* One .part file: key, per-kind version range, and the lines. */
    static final class Part {
        int key = -1;
        final Map<String, int[]> range = new HashMap<>();
        final Map<String, Boolean> unstable = new HashMap<>();
        final Map<String, String> lines = new LinkedHashMap<>(); // "kind\tv\tcase" -> hex or !reason

        static Part read(Path p) throws IOException {
            Part part = new Part();
            for (String l : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                String[] t = l.split("\t", -1);
                if (t[0].equals("@key")) {
                    part.key = Integer.parseInt(t[1]);
                } else if (t[0].equals("@range")) {
                    part.range.put(t[1], new int[] {Integer.parseInt(t[2]), Integer.parseInt(t[3])});
                    part.unstable.put(t[1], Boolean.parseBoolean(t[4]));
                } else {
                    part.lines.put(t[0] + "\t" + t[1] + "\t" + t[2], t[3]);
                }
            }
            return part;
        }
    }

    static void merge(String oldLabel, Path oldDir, String newLabel, Path newDir, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        int differ = 0;
        for (String api : APIS) {
            String sn = snake(api);
            Part oldP = Part.read(oldDir.resolve(sn + ".part"));
            Part newP = Part.read(newDir.resolve(sn + ".part"));
            if (oldP.key != newP.key)
                throw new IllegalStateException(api + ": api key differs between jars");
            StringBuilder out = new StringBuilder();
            out.append("# ").append(api).append(" (key ").append(oldP.key)
               .append("): generated by tests/vectors/GoldenVectors.java with kafka-clients ")
               .append(oldLabel).append(" and ").append(newLabel).append("; do not edit\n");
            out.append("# format: request|response TAB version TAB case TAB hex of the message body"
                       + " (no size prefix, no header)\n");
            // Per kind, the merged lines keyed by version so that output is
            // sorted request-then-response, version ascending.
            for (String kind : KINDS) {
                int[] or = oldP.range.get(kind), nr = newP.range.get(kind);
                TreeMap<Integer, List<String>> byVersion = new TreeMap<>();
                String note = "# " + kind + ": v" + or[0] + "-" + or[1] + " from kafka-clients " + oldLabel;
                if (nr[1] > or[1])
                    note += ", v" + (or[1] + 1 == nr[1] ? "" + nr[1] : (or[1] + 1) + "-" + nr[1])
                            + " from kafka-clients " + newLabel;
                out.append(note).append('\n');
                if (nr[1] > or[1] && newP.unstable.get(kind))
                    out.append("# ").append(kind).append(": v").append(nr[1])
                       .append(" is marked latestVersionUnstable in ").append(newLabel)
                       .append("'s schema and may still change\n");
                else if (nr[1] <= or[1] && oldP.unstable.get(kind))
                    out.append("# ").append(kind).append(": v").append(or[1])
                       .append(" is marked latestVersionUnstable in ").append(oldLabel)
                       .append("'s schema and may still change\n");
                collect(oldP, kind, Integer.MIN_VALUE, byVersion);
                collect(newP, kind, or[1], byVersion);
                for (List<String> ls : byVersion.values())
                    for (String l : ls)
                        out.append(l).append('\n');
                // Versions both jars support must encode identically; if not,
                // one of Kafka's definitions changed (worth knowing).
                for (Map.Entry<String, String> e : newP.lines.entrySet()) {
                    String[] k = e.getKey().split("\t");
                    if (!k[0].equals(kind))
                        continue;
                    String o = oldP.lines.get(e.getKey());
                    if (o != null && !o.equals(e.getValue())) {
                        System.err.println("note: " + api + " " + e.getKey().replace('\t', ' ')
                                           + " differs between " + oldLabel + " and " + newLabel);
                        differ++;
                    }
                }
            }
            Files.writeString(outDir.resolve(sn + ".vec"), out.toString(), StandardCharsets.UTF_8);
        }
        System.err.println("GoldenVectors merge: " + differ + " shared-version vectors differ between jars");
    }

    static void collect(Part p, String kind, int above, TreeMap<Integer, List<String>> byVersion) {
        for (Map.Entry<String, String> e : p.lines.entrySet()) {
            String[] k = e.getKey().split("\t");
            if (!k[0].equals(kind))
                continue;
            int v = Integer.parseInt(k[1]);
            if (v <= above)
                continue;
            String val = e.getValue();
            String line = val.startsWith("!")
                ? "# " + e.getKey() + "\tskipped: Kafka's serializer rejects it: " + val.substring(1)
                : e.getKey() + "\t" + val;
            byVersion.computeIfAbsent(v, x -> new ArrayList<>()).add(line);
        }
    }
}
