#!/usr/bin/python3
"""The kafka-python side of the client benchmark (see bench/README.md).

Run with Debian's interpreter (/usr/bin/python3), where python3-kafka and
python3-lz4 are installed.  Same command line and RESULT line as the C
programs (bench/bench_common.h describes both); CPU is user+sys of this
process from resource.getrusage, all threads.

    /usr/bin/python3 bench/bench_kafka_python.py --mode produce --brokers B --topic T --count N
    /usr/bin/python3 bench/bench_kafka_python.py --smoke

kafka-python cannot create topics with the settings below without an admin
client round trip of its own, so --smoke creates its topic with
KafkaAdminClient; bench/run.sh creates the benchmark's topics with
bench_rdkafka --mode create.
"""
import argparse
import os
import resource
import struct
import sys
import threading
import time

# Imported here, before any CPU or clock reading: loading the package is the
# interpreter's start-up, as loading a shared library is a C program's.
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

HDR = 16  # send time (ns, CLOCK_MONOTONIC) and sequence number, little-endian
WORDS = b'{"user":"u-4821","event":"page_view","path":"/a/b/c","ms":'


def cpu_s():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def payload(size):
    """Same filler as bench_common.h's bench_payload, header zeroed."""
    body = bytes(WORDS[(i * 7 + i // 61) % len(WORDS)] for i in range(HDR, size))
    return bytearray(HDR) + body


def pct(sorted_ns, q):
    if not sorted_ns:
        return -1.0
    k = min(len(sorted_ns), max(1, int(q * len(sorted_ns) + 0.999999)))
    return sorted_ns[k - 1] / 1e3


def report(mode, count, size, seconds, cpu, errors, lat=None):
    secs = seconds if seconds > 0 else 1e-9
    mps = count / secs
    line = ("RESULT client=kafka-python mode=%s count=%d size=%d seconds=%.4f msgs_per_s=%.1f "
            "mb_per_s=%.2f cpu_s=%.3f cpu_s_per_M=%.3f errors=%d"
            % (mode, count, size, seconds, mps, mps * size / 1e6, cpu,
               cpu * 1e6 / count if count else 0.0, errors))
    if lat is not None:
        lat.sort()
        line += " p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f" % (
            pct(lat, 0.5), pct(lat, 0.99), pct(lat, 0.999), pct(lat, 1.0))
    print(line, flush=True)


def producer(o, linger_ms):
    acks = o.acks if o.acks == "all" else int(o.acks)
    return KafkaProducer(
        bootstrap_servers=o.brokers.split(","), acks=acks,
        compression_type=None if o.compression == "none" else o.compression,
        linger_ms=linger_ms, batch_size=o.batch_size,
        # A full batch plus its request framing must fit in one request.
        max_request_size=max(1048576, o.batch_size + 65536))


def consumer(o):
    c = KafkaConsumer(bootstrap_servers=o.brokers.split(","), group_id=None,
                      enable_auto_commit=False, check_crcs=True,
                      auto_offset_reset="earliest")
    c.assign([TopicPartition(o.topic, p) for p in range(o.partitions)])
    return c


def run_produce(o):
    cpu0 = cpu_s()
    p = producer(o, o.linger_ms)
    value = payload(o.size)
    state = {"ok": 0, "err": 0, "first": None}

    def ok(_md):
        state["ok"] += 1

    def bad(exc):
        state["err"] += 1
        if state["first"] is None:
            state["first"] = exc

    t0 = now_ns()
    for i in range(o.count):
        struct.pack_into("<Q", value, 8, i)
        p.send(o.topic, bytes(value)).add_callback(ok).add_errback(bad)
    p.flush(timeout=120)
    t1 = now_ns()
    cpu1 = cpu_s()
    report("produce", state["ok"], o.size, (t1 - t0) / 1e9, cpu1 - cpu0, state["err"])
    if state["err"]:
        print("kafka-python: %d delivery errors, first: %r" % (state["err"], state["first"]),
              file=sys.stderr)
    p.close()
    return 0 if state["ok"] == o.count and not state["err"] else 1


def run_consume(o):
    cpu0 = cpu_s()
    # The clock starts before the consumer exists: kafka-python connects
    # inside its constructor, the C clients after theirs returns.
    t0 = now_ns()
    c = consumer(o)
    if o.offsets:
        for p, off in enumerate(o.offsets.split(",")):
            c.seek(TopicPartition(o.topic, p), int(off))
    else:
        c.seek_to_beginning()
    got = bad_size = 0
    last = time.monotonic()
    while got < o.count:
        batches = c.poll(timeout_ms=1000, max_records=10000)
        if batches:
            last = time.monotonic()
        elif time.monotonic() - last > 30:
            print("kafka-python consume: nothing for 30 s after %d of %d records" % (got, o.count),
                  file=sys.stderr)
            break
        for recs in batches.values():
            for r in recs:
                got += 1
                bad_size += len(r.value) != o.size
    # Extra records of the last poll beyond the count are read but not counted.
    got = min(got, o.count)
    t1 = now_ns()
    cpu1 = cpu_s()
    report("consume", got, o.size, (t1 - t0) / 1e9, cpu1 - cpu0, 0)
    c.close()
    return 0 if got >= o.count and not bad_size else 1


def run_e2e(o):
    cpu0 = cpu_s()
    c = consumer(o)
    c.seek_to_beginning()
    p = producer(o, 0)
    warmup = o.count // 10
    lat = []
    received = [0]
    stop = threading.Event()

    def consume():
        while not stop.is_set():
            for recs in c.poll(timeout_ms=100).values():
                t = now_ns()
                for r in recs:
                    sent, seq = struct.unpack_from("<QQ", r.value, 0)
                    if seq >= warmup:
                        lat.append(t - sent)
                    received[0] += 1

    th = threading.Thread(target=consume, daemon=True)
    th.start()
    time.sleep(o.warmup_ms / 1000)  # let the consumer start fetching before the clock starts
    value = payload(o.size)
    step = 1e9 / o.rate
    t0 = now_ns()
    errors = [0]

    def bad(_exc):
        errors[0] += 1

    for i in range(o.count):
        delay = t0 + i * step - now_ns()
        if delay > 0:
            time.sleep(delay / 1e9)
        struct.pack_into("<QQ", value, 0, now_ns(), i)
        p.send(o.topic, bytes(value)).add_errback(bad)
    p.flush(timeout=30)
    deadline = time.monotonic() + 30
    while received[0] < o.count and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    th.join()
    t1 = now_ns()
    cpu1 = cpu_s()
    report("e2e", received[0], o.size, (t1 - t0) / 1e9, cpu1 - cpu0, errors[0], lat)
    p.close()
    c.close()
    return 0 if received[0] == o.count and not errors[0] else 1


def smoke():
    brokers = os.environ.get("KAFKAC_TEST_BROKERS") or "127.0.0.1:31092"
    topic = "bench-smoke-kafka-python-%d-%d" % (os.getpid(), int(time.time() * 1000))
    admin = KafkaAdminClient(bootstrap_servers=brokers.split(","))
    admin.create_topics([NewTopic(topic, 3, 1), NewTopic(topic + "-e2e", 3, 1)])
    admin.close()
    time.sleep(0.3)  # leaders elected
    base = ["--brokers", brokers, "--partitions", "3", "--size", "100", "--acks", "all",
            "--warmup-ms", "300"]
    rc = 0
    for mode, extra in (("produce", ["--topic", topic, "--count", "2000", "--compression", "lz4"]),
                        ("consume", ["--topic", topic, "--count", "2000"]),
                        ("e2e", ["--topic", topic + "-e2e", "--count", "500"])):
        rc |= dispatch(parse(["--mode", mode] + base + extra))
    print("smoke: %s" % ("ok" if rc == 0 else "FAILED"))
    return rc


def parse(argv):
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--mode", choices=["produce", "consume", "e2e"])
    a.add_argument("--brokers")
    a.add_argument("--topic")
    a.add_argument("--count", type=int, default=100000)
    a.add_argument("--size", type=int, default=100)
    a.add_argument("--acks", default="1", choices=["0", "1", "all"])
    a.add_argument("--compression", default="none",
                   choices=["none", "lz4", "gzip", "snappy", "zstd"])
    a.add_argument("--linger-ms", type=int, default=5)
    a.add_argument("--batch-size", type=int, default=1048576)
    a.add_argument("--rate", type=int, default=5000)
    a.add_argument("--partitions", type=int, default=6)
    a.add_argument("--offsets", help="consume: start offset of each partition, comma-separated")
    a.add_argument("--warmup-ms", type=int, default=2000, help="e2e: consumer runs this long first")
    a.add_argument("--smoke", action="store_true")
    o = a.parse_args(argv)
    if not o.smoke and not (o.mode and o.brokers and o.topic):
        a.error("--mode, --brokers and --topic are required")
    if not o.smoke and o.size < HDR:
        a.error("--size must be at least %d" % HDR)
    return o


def dispatch(o):
    return {"produce": run_produce, "consume": run_consume, "e2e": run_e2e}[o.mode](o)


def main():
    o = parse(sys.argv[1:])
    return smoke() if o.smoke else dispatch(o)


if __name__ == "__main__":
    sys.exit(main())
