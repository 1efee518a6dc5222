#!/usr/bin/python3
"""kafka-python's side of itest_records_interop.c (run with /usr/bin/python3,
where the Debian python3-kafka 2.0.2 lives).

Records travel between the C test and this script as "dump" lines, one
record per line, so that nothing binary is lost on the way:

    <partition> <offset> <timestamp> <key> <value> <headers>

key and value are "-" for null, else "=" followed by lowercase hex (just
"=" when empty); timestamp is -1 when there is none; headers is "." when
there are none, else comma-separated <name hex><value> with the value
written like key and value.

    records_interop_peer.py BROKERS TOPIC MAGIC CODEC PRODUCE_FILE COUNTS

PRODUCE_FILE ("-" for none) holds dump lines to send, in order, to the
partition each names (offsets are ignored), at the protocol level that
writes message format MAGIC, compressed with CODEC.  COUNTS ("0=7,1=8")
says how many records to read from each partition, from the beginning,
at the level that makes the broker return message format MAGIC; those
records are printed as dump lines, partition by partition.

Exit status: 0 on success, 2 when a partition did not yield its count
within the time limit (what was read is still printed)."""
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

# The kafka-python api_version that makes it write and fetch each magic:
# (0, 9) Produce v1 / Fetch v1 (magic 0), (0, 10, 1) Produce v2 / Fetch v3
# (magic 1).  For magic 2, None lets it ask the broker (ApiVersions).
LEVEL = {0: (0, 9), 1: (0, 10, 1), 2: None}
BIG = 4 * 1024 * 1024


def enc(b):
    return "-" if b is None else "=" + b.hex()


def dec(s):
    return None if s == "-" else bytes.fromhex(s[1:])


def dump(partition, offset, ts, key, value, headers):
    if headers:
        hs = ",".join(k.encode("utf-8").hex() + enc(v) for k, v in headers)
    else:
        hs = "."
    return "%d %d %d %s %s %s" % (partition, offset, -1 if ts is None else ts, enc(key), enc(value), hs)


def parse(line):
    p, _off, ts, key, value, hs = line.split(" ")
    headers = []
    if hs != ".":
        for h in hs.split(","):
            cut = min(i for i in (h.find("="), h.find("-")) if i >= 0)
            headers.append((bytes.fromhex(h[:cut]).decode("utf-8"), dec(h[cut:])))
    ts = int(ts)
    return int(p), (None if ts < 0 else ts), dec(key), dec(value), headers


def produce(brokers, topic, magic, codec, path):
    kw = {}
    if LEVEL[magic] is not None:
        kw["api_version"] = LEVEL[magic]
    p = KafkaProducer(bootstrap_servers=brokers, compression_type=None if codec == "none" else codec,
                      max_request_size=BIG, acks="all", linger_ms=20, **kw)
    with open(path) as f:
        for line in f:
            part, ts, key, value, headers = parse(line.rstrip("\n"))
            # Magic 0 and 1 have no headers; kafka-python refuses them there.
            p.send(topic, key=key, value=value, partition=part, timestamp_ms=ts,
                   headers=headers if magic >= 2 else None)
    p.flush(30)
    p.close(10)


def consume(brokers, topic, magic, counts):
    kw = {}
    if LEVEL[magic] is not None:
        kw["api_version"] = LEVEL[magic]
    c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False, group_id=None,
                      max_partition_fetch_bytes=BIG, fetch_max_bytes=2 * BIG,
                      check_crcs=True, **kw)
    tps = [TopicPartition(topic, p) for p in sorted(counts)]
    c.assign(tps)
    for tp in tps:
        c.seek(tp, 0)
    got = {p: [] for p in counts}
    deadline = time.time() + 20
    while time.time() < deadline and any(len(got[p]) < n for p, n in counts.items()):
        for tp, msgs in c.poll(timeout_ms=500).items():
            got[tp.partition].extend(msgs)
    c.close()
    ok = True
    for p in sorted(counts):
        if len(got[p]) < counts[p]:
            ok = False
        for m in got[p]:
            print(dump(p, m.offset, m.timestamp, m.key, m.value, m.headers))
    return ok


def main():
    brokers, topic, magic, codec, path, counts = sys.argv[1:7]
    magic = int(magic)
    if path != "-":
        produce(brokers, topic, magic, codec, path)
    want = {}
    if counts:
        for kv in counts.split(","):
            k, v = kv.split("=")
            want[int(k)] = int(v)
    ok = consume(brokers, topic, magic, want) if want else True
    sys.stdout.flush()
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
