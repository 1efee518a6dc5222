#!/usr/bin/python3
"""Tables for `make bench`: medians over rounds, ratios, goal checks.

    bench/report.py build/bench/results/raw.csv build/bench/results

Reads the raw rows bench/run.sh wrote (one per client run) and prints one
table per section; writes the same rows to <outdir>/<section>.csv.  A client
whose runs all failed or that could not run shows "n/a" and the reason; its
ratios are left empty, never guessed.

Goals (the issue's), checked where both figures exist:
  throughput  libkafkac >= librdkafka, and >= 20 x kafka-python
  CPU         libkafkac CPU per message <= 0.8 x librdkafka's
  latency     libkafkac end-to-end p99 <= librdkafka's

With BENCH_BASELINE (an older build's bench_libkafkac, run as the client
"baseline" in the same rounds), a last table gives libkafkac / baseline for
every row: the before-and-after of a change, measured in one run.
"""
import csv
import os
import statistics
import sys

CLIENTS = ["libkafkac", "librdkafka", "kafka-python"]
THROUGHPUT_SECTIONS = ["producer", "consumer", "tls-producer", "tls-consumer", "mock-producer", "mock-consumer"]
TITLES = {
    "producer": "Producer (real broker)",
    "consumer": "Consumer (real broker, from the beginning, no group)",
    "e2e": "End-to-end latency (produce call to receipt, same process)",
    "mock-producer": "Producer against librdkafka's mock cluster",
    "mock-consumer": "Consumer against librdkafka's mock cluster",
    "tls-producer": "Producer over TLS (the broker's SSL listener)",
    "tls-consumer": "Consumer over TLS (the broker's SSL listener, from the beginning, no group)",
}


def fnum(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summarize(rows):
    """{(section, config): {client: stats}} with medians of the ok runs."""
    out = {}
    for r in rows:
        key = (r["section"], r["config"])
        c = out.setdefault(key, {}).setdefault(r["client"], {"runs": [], "bad": []})
        if r["status"] == "ok":
            c["runs"].append(r)
        else:
            c["bad"].append(r["status"])
    for clients in out.values():
        for st in clients.values():
            runs = st["runs"]
            for m in ("msgs_per_s", "mb_per_s", "cpu_s_per_M", "p50_us", "p99_us", "p999_us"):
                vals = [fnum(r[m]) for r in runs if fnum(r[m]) is not None]
                st[m] = statistics.median(vals) if vals else None
            st["n"] = len(runs)
            st["count"] = runs[0]["count"] if runs else ""
            st["why"] = ""
            if not runs:
                st["why"] = st["bad"][0] if st["bad"] else "no runs"
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, spec):
    return format(v, spec) if v is not None else "n/a"


def fratio(v):
    return "%.2f" % v if v is not None else "-"


def goals_throughput(lk, rd, py):
    notes = []
    t_rd = ratio(lk.get("msgs_per_s"), rd.get("msgs_per_s"))
    c_rd = ratio(lk.get("cpu_s_per_M"), rd.get("cpu_s_per_M"))
    t_py = ratio(lk.get("msgs_per_s"), py.get("msgs_per_s"))
    if t_rd is not None and t_rd < 1.0:
        notes.append("thr<rdkafka")
    if c_rd is not None and c_rd > 0.8:
        notes.append("cpu>0.8x")
    if t_py is not None and t_py < 20:
        notes.append("thr<20xpy")
    if t_rd is None and c_rd is None and t_py is None:
        return "n/a", t_rd, c_rd, t_py
    return ("MISSED " + ",".join(notes)) if notes else "ok", t_rd, c_rd, t_py


def table_throughput(section, data, outdir):
    keys = [k for k in data if k[0] == section]
    if not keys:
        return []
    print("\n" + TITLES[section])
    hdr = ("%-20s" % "config" + "".join("| %-26s" % c for c in CLIENTS) +
           "| %-7s %-7s %-7s | %s" % ("thr/rd", "cpu/rd", "thr/py", "goals"))
    sub = ("%-20s" % "" + "| %10s %6s %8s " % ("msgs/s", "MB/s", "cpu s/M") * len(CLIENTS))
    print(hdr)
    print(sub)
    print("-" * len(hdr))
    rows, missed = [], []
    for key in sorted(keys, key=lambda k: k[1]):
        st = data[key]
        cells = []
        for c in CLIENTS:
            s = st.get(c, {})
            if s.get("n"):
                cells.append("| %10s %6s %8s " % (fmt(s["msgs_per_s"], ".0f"), fmt(s["mb_per_s"], ".1f"),
                                                  fmt(s["cpu_s_per_M"], ".2f")))
            else:
                why = s.get("why", "not run")
                cells.append("| %-26s" % ("n/a: " + why)[:26])
        goal, t_rd, c_rd, t_py = goals_throughput(st.get("libkafkac", {}), st.get("librdkafka", {}),
                                                  st.get("kafka-python", {}))
        print("%-20s" % key[1] + "".join(cells) +
              "| %-7s %-7s %-7s | %s" % (fratio(t_rd), fratio(c_rd), fratio(t_py), goal))
        if goal.startswith("MISSED"):
            missed.append("%s %s: %s" % (section, key[1], goal[7:]))
        row = {"section": section, "config": key[1]}
        for c in CLIENTS:
            s = st.get(c, {})
            row[c + "_msgs_per_s"] = s.get("msgs_per_s")
            row[c + "_mb_per_s"] = s.get("mb_per_s")
            row[c + "_cpu_s_per_M"] = s.get("cpu_s_per_M")
            row[c + "_runs"] = s.get("n", 0)
            row[c + "_note"] = s.get("why", "")
        row.update({"thr_libkafkac_over_librdkafka": t_rd, "cpu_libkafkac_over_librdkafka": c_rd,
                    "thr_libkafkac_over_kafka_python": t_py, "goals": goal})
        rows.append(row)
    write_csv(os.path.join(outdir, section + ".csv"), rows)
    return missed


def table_e2e(data, outdir):
    keys = [k for k in data if k[0] == "e2e"]
    if not keys:
        return []
    print("\n" + TITLES["e2e"])
    hdr = ("%-16s" % "config" + "".join("| %-26s" % c for c in CLIENTS) +
           "| %-8s %-8s | %s" % ("p99/rd", "p99/py", "goals"))
    print(hdr)
    print("%-16s" % "" + "| %8s %8s %8s " % ("p50 ms", "p99 ms", "p99.9") * len(CLIENTS))
    print("-" * len(hdr))
    rows, missed = [], []
    for key in sorted(keys):
        st = data[key]
        cells = []
        for c in CLIENTS:
            s = st.get(c, {})
            if s.get("n"):
                cells.append("| %8s %8s %8s " % tuple(fmt(s[m] / 1e3 if s[m] is not None else None, ".2f")
                                                     for m in ("p50_us", "p99_us", "p999_us")))
            else:
                cells.append("| %-26s" % ("n/a: " + s.get("why", "not run"))[:26])
        lk, rd, py = (st.get(c, {}) for c in CLIENTS)
        r_rd = ratio(lk.get("p99_us"), rd.get("p99_us"))
        r_py = ratio(lk.get("p99_us"), py.get("p99_us"))
        goal = "n/a" if r_rd is None else ("ok" if r_rd <= 1.0 else "MISSED p99>rdkafka")
        print("%-16s" % key[1] + "".join(cells) + "| %-8s %-8s | %s" % (fratio(r_rd), fratio(r_py), goal))
        if goal.startswith("MISSED"):
            missed.append("e2e %s: %s" % (key[1], goal[7:]))
        row = {"section": "e2e", "config": key[1]}
        for c in CLIENTS:
            s = st.get(c, {})
            for m in ("p50_us", "p99_us", "p999_us"):
                row[c + "_" + m] = s.get(m)
            row[c + "_runs"] = s.get("n", 0)
            row[c + "_note"] = s.get("why", "")
        row.update({"p99_libkafkac_over_librdkafka": r_rd, "p99_libkafkac_over_kafka_python": r_py,
                    "goals": goal})
        rows.append(row)
    write_csv(os.path.join(outdir, "e2e.csv"), rows)
    return missed


def table_baseline(data, outdir):
    """libkafkac against an older build of itself, row by row."""
    keys = [k for k, st in data.items() if st.get("baseline", {}).get("n") and st.get("libkafkac", {}).get("n")]
    if not keys:
        return
    print("\nlibkafkac against the baseline build (BENCH_BASELINE), same rounds; ratios libkafkac / baseline")
    hdr = "%-16s %-22s| %-8s %-8s %-8s" % ("section", "config", "thr", "cpu/msg", "p99")
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for key in sorted(keys):
        lk, base = data[key]["libkafkac"], data[key]["baseline"]
        t = ratio(lk.get("msgs_per_s"), base.get("msgs_per_s"))
        c = ratio(lk.get("cpu_s_per_M"), base.get("cpu_s_per_M"))
        p = ratio(lk.get("p99_us"), base.get("p99_us"))
        print("%-16s %-22s| %-8s %-8s %-8s" % (key[0], key[1], fratio(t), fratio(c), fratio(p)))
        rows.append({"section": key[0], "config": key[1], "thr_over_baseline": t, "cpu_over_baseline": c,
                     "p99_over_baseline": p})
    write_csv(os.path.join(outdir, "baseline.csv"), rows)


def write_csv(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.4g" % v if isinstance(v, float) else v) for k, v in r.items()})


def codec_tables(outdir):
    for name, title in (("codecs.csv", "Codecs (kafkac wrapper vs the codec library called directly)"),
                        ("records.csv", "Record batch v2 (bench_records)")):
        p = os.path.join(outdir, name)
        if not os.path.exists(p):
            continue
        print("\n" + title + "  [" + p + "]")
        with open(p, newline="") as f:
            for row in csv.reader(f):
                print("  " + "  ".join("%-12s" % x for x in row))


def main():
    raw, outdir = sys.argv[1], sys.argv[2]
    rows = load(raw)
    if any(r["client"] == "baseline" for r in rows):
        CLIENTS.append("baseline")
    data = summarize(rows)
    missed = []
    for sec in ("producer", "consumer"):
        missed += table_throughput(sec, data, outdir)
    missed += table_e2e(data, outdir)
    for sec in ("tls-producer", "tls-consumer", "mock-producer", "mock-consumer"):
        missed += table_throughput(sec, data, outdir)
    codec_tables(outdir)
    table_baseline(data, outdir)
    print("\nMedians of the rounds; ratios are libkafkac / the other client (thr, cpu per message, p99).")
    print("Raw rows: %s; tables as CSV in %s/" % (raw, outdir))
    lk_rows = [st.get("libkafkac", {}) for k, st in data.items()]
    lk_ok = sum(1 for s in lk_rows if s.get("n"))
    if data and lk_ok == 0:
        why = next((s.get("why") for s in lk_rows if s.get("why")), "no runs")
        print("\nGoals NOT CHECKED: libkafkac has no figures (%s)." % why)
    elif lk_ok < len(lk_rows):
        print("\nGoals checked for %d of %d rows; libkafkac failed or was not run in the others."
              % (lk_ok, len(lk_rows)))
    if missed:
        print("\nGoals missed (%d):" % len(missed))
        for m in missed:
            print("  " + m)
    elif lk_ok:
        print("\nGoals: none missed where both figures exist.")


if __name__ == "__main__":
    main()
