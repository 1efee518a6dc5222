/*
 * RecordsGolden: record batches (magic 2) and legacy message sets (magic 0
 * and 1) written by Apache Kafka's own MemoryRecordsBuilder, printed as
 * "name hex" lines for tests/vectors/gen_records_golden.py, which turns
 * them into tests/vectors/records_golden.h for tests/unit/test_record_batch.c
 * and test_message_set.c.
 *
 * The record lists here (basic, many, big) must stay identical to the ones
 * the C tests rebuild (tests/unit/records_cases.h).
 *
 *   javac -cp 'LIB/*' RecordsGolden.java && java -cp 'LIB/*:.' RecordsGolden
 */
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

public class RecordsGolden {
    static final long T0 = 1700000000000L;

    static final class Rec {
        long ts; byte[] key; byte[] value; Header[] headers;
        Rec(long ts, byte[] key, byte[] value, Header... headers) {
            this.ts = ts; this.key = key; this.value = value; this.headers = headers;
        }
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    static List<Rec> basic() {
        List<Rec> l = new ArrayList<>();
        l.add(new Rec(T0, b("k0"), b("v0")));
        l.add(new Rec(T0 + 5, null, b("value-1"),
                      new RecordHeader("h1", b("x")), new RecordHeader("h2", (byte[]) null)));
        l.add(new Rec(T0 - 10, new byte[0], new byte[0]));
        l.add(new Rec(T0 + 7, new byte[] {'a', 0, 'b'}, null, new RecordHeader("", new byte[0])));
        return l;
    }

    static List<Rec> many(boolean withHeaders) {
        List<Rec> l = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long ts = T0 + (i * 7919L % 1000) - 500;
            byte[] key = i % 3 == 0 ? null : b("key-" + i);
            StringBuilder v = new StringBuilder();
            for (int j = 0; j <= i % 5; j++) v.append("value-").append(i);
            Header[] h = (withHeaders && i % 4 == 0)
                ? new Header[] {new RecordHeader("idx", b(Integer.toString(i)))} : new Header[0];
            l.add(new Rec(ts, key, b(v.toString()), h));
        }
        return l;
    }

    static List<Rec> big() {
        byte[] v = new byte[1 << 20];
        for (int j = 0; j < v.length; j++) v[j] = (byte) ((j * 31 + 7) & 0xff);
        List<Rec> l = new ArrayList<>();
        l.add(new Rec(T0, b("big"), v));
        return l;
    }

    static byte[] build(byte magic, Compression c, TimestampType tt, long baseOffset, long logAppendTime,
                        long pid, short epoch, int seq, boolean txn, int ple, List<Rec> recs) {
        ByteBuffer buf = ByteBuffer.allocate(4 << 20);
        MemoryRecordsBuilder mb = MemoryRecords.builder(buf, magic, c, tt, baseOffset, logAppendTime,
                                                        pid, epoch, seq, txn, false, ple);
        long off = baseOffset;
        for (Rec r : recs) {
            if (magic >= 2) mb.appendWithOffset(off++, r.ts, r.key, r.value, r.headers);
            else mb.appendWithOffset(off++, r.ts, r.key, r.value);
        }
        ByteBuffer out = mb.build().buffer();
        byte[] a = new byte[out.remaining()];
        out.get(a);
        return a;
    }

    static byte[] v2(Compression c, List<Rec> recs) {
        return build(RecordBatch.MAGIC_VALUE_V2, c, TimestampType.CREATE_TIME, 0, -1, -1, (short) -1, -1,
                     false, -1, recs);
    }

    static byte[] legacy(byte magic, Compression c, List<Rec> recs) {
        return build(magic, c, TimestampType.CREATE_TIME, 500, -1, -1, (short) -1, -1, false, -1, recs);
    }

    static byte[] marker(ControlRecordType type) {
        ByteBuffer out = MemoryRecords.withEndTransactionMarker(1010, T0, -1, 4242, (short) 7,
                                                               new EndTransactionMarker(type, 12)).buffer();
        byte[] a = new byte[out.remaining()];
        out.get(a);
        return a;
    }

    static String hex(byte[] a) {
        StringBuilder s = new StringBuilder(a.length * 2);
        for (byte x : a) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    static void emit(String name, byte[] a) { System.out.println(name + " " + hex(a)); }

    public static void main(String[] args) {
        emit("java_v2_basic", v2(Compression.NONE, basic()));
        emit("java_v2_txn", build(RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME,
                                  1000, -1, 4242, (short) 7, 100, true, 5, basic()));
        emit("java_v2_lat", build(RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.LOG_APPEND_TIME,
                                  0, T0 + 99999, -1, (short) -1, -1, false, -1, basic()));
        emit("java_v2_many", v2(Compression.NONE, many(true)));
        emit("java_v2_control_abort", marker(ControlRecordType.ABORT));
        emit("java_v2_control_commit", marker(ControlRecordType.COMMIT));
        byte[] big = v2(Compression.NONE, big());
        CRC32 crc = new CRC32();
        crc.update(big);
        byte[] head = new byte[61];
        System.arraycopy(big, 0, head, 0, 61);
        System.out.println("java_v2_big_len " + big.length);
        System.out.println("java_v2_big_crc32 " + crc.getValue());
        emit("java_v2_big_head", head);
        emit("java_v2_gzip", v2(Compression.gzip().build(), many(true)));
        emit("java_v2_snappy", v2(Compression.snappy().build(), many(true)));
        emit("java_v2_lz4", v2(Compression.lz4().build(), many(true)));
        emit("java_v2_zstd", v2(Compression.zstd().build(), many(true)));
        for (byte m = 0; m <= 1; m++) {
            List<Rec> noHdr = new ArrayList<>();
            for (Rec r : basic()) noHdr.add(new Rec(r.ts, r.key, r.value));
            emit("java_v" + m + "_basic", legacy(m, Compression.NONE, noHdr));
            emit("java_v" + m + "_gzip", legacy(m, Compression.gzip().build(), many(false)));
            emit("java_v" + m + "_snappy", legacy(m, Compression.snappy().build(), many(false)));
            emit("java_v" + m + "_lz4", legacy(m, Compression.lz4().build(), many(false)));
        }
    }
}
