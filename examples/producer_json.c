/* Sending structs as JSON, as kafka-python users do with
 *     KafkaProducer(value_serializer=lambda v: json.dumps(v).encode())
 * In C the "serializer" is a function from the struct to bytes; the
 * producer copies the bytes during send, so a stack buffer will do.
 *
 *   producer_json BROKERS TOPIC
 *
 * Sends a few orders keyed by customer (so one customer's orders stay in
 * one partition, in order) and prints where each went. */
#include <stdio.h>
#include <string.h>

#include <kafkac/kafkac.h>

struct order {
    const char *customer;
    int id;
    double amount;
    const char *items[4];   /* NULL-terminated */
};

/* Writes s as a JSON string literal; returns the length written (or
 * needed: the usual snprintf contract). */
static size_t json_string(char *out, size_t cap, const char *s)
{
    size_t n = 0;
#define PUT(c) do { if (n + 1 < cap) out[n] = (c); n++; } while (0)
    PUT('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            for (char *e = esc; *e; e++)
                PUT(*e);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* The value serializer: struct order -> JSON bytes in buf.  Returns the
 * length, or -1 if buf is too small. */
static int order_to_json(const struct order *o, char *buf, size_t cap)
{
    char name[128];
    json_string(name, sizeof name, o->customer);
    int n = snprintf(buf, cap, "{\"customer\": %s, \"id\": %d, \"amount\": %.2f, \"items\": [", name, o->id, o->amount);
    for (int i = 0; o->items[i] && n >= 0 && (size_t)n < cap; i++) {
        char item[128];
        json_string(item, sizeof item, o->items[i]);
        n += snprintf(buf + n, cap - (size_t)n, "%s%s", i ? ", " : "", item);
    }
    if (n >= 0 && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, "]}");
    return n >= 0 && (size_t)n < cap ? n : -1;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 3) {
        fprintf(stderr, "usage: %s BROKERS TOPIC\n", argv[0]);
        return 2;
    }
    kafkac_conf_t *conf = kafkac_conf_new();
    if (kafkac_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != KAFKAC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    kafkac_producer_t *p = kafkac_producer_new(conf, err, sizeof err);
    kafkac_conf_destroy(conf);
    if (!p) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    const struct order orders[] = {
        { "alice", 1, 19.99, { "book", NULL } },
        { "bob", 2, 5.50, { "coffee", "mug", NULL } },
        { "alice", 3, 120.00, { "lamp \"deluxe\"", NULL } },
    };
    enum { N = sizeof orders / sizeof orders[0] };
    kafkac_future_t *f[N];
    /* A record handle carries the header; key and value change per order. */
    kafkac_producer_record_t *rec = kafkac_producer_record_new(argv[2]);
    if (!rec || kafkac_producer_record_add_header(rec, "content-type", "application/json", 16) != KAFKAC_OK) {
        fprintf(stderr, "out of memory\n");
        kafkac_producer_record_destroy(rec);
        kafkac_producer_destroy(p);
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < N; i++) {
        char json[512];
        int len = order_to_json(&orders[i], json, sizeof json);
        f[i] = NULL;
        if (len < 0) {
            fprintf(stderr, "order %d does not fit the buffer\n", orders[i].id);
            failed++;
            continue;
        }
        kafkac_producer_record_set_key(rec, orders[i].customer, (int32_t)strlen(orders[i].customer));
        kafkac_producer_record_set_value(rec, json, len);
        kafkac_err_t e = kafkac_producer_send_record(p, rec, &f[i]);   /* json is copied: the buffer can go */
        if (e != KAFKAC_OK) {
            fprintf(stderr, "send: %s\n", kafkac_err_str(e));
            failed++;
        }
    }
    kafkac_producer_record_destroy(rec);
    for (int i = 0; i < N; i++) {
        if (!f[i])
            continue;
        const kafkac_delivery_t *d;
        kafkac_err_t e = kafkac_future_wait(f[i], 30000, &d);
        if (e == KAFKAC_OK)
            printf("order %d (%s) -> partition %d offset %lld\n", orders[i].id, orders[i].customer,
                   kafkac_delivery_partition(d), (long long)kafkac_delivery_offset(d));
        else {
            fprintf(stderr, "order %d: %s\n", orders[i].id, kafkac_err_str(e));
            failed++;
        }
        kafkac_future_destroy(f[i]);
    }
    kafkac_producer_close(p, 10000);
    kafkac_producer_destroy(p);
    return failed ? 1 : 0;
}
