/* Golden vectors: message bodies serialised by Apache Kafka's own Java
 * classes (tests/vectors/GoldenVectors.java writes tests/vectors/NAME.vec).
 * For every vector of an API we define, decoding must consume exactly all
 * bytes and re-encoding must give the same bytes.  Vectors whose case name
 * contains "unknown-tags" carry extra tagged fields we do not know: they
 * must decode, and re-encode to the vector of the same name without
 * "-unknown-tags".  A vector for a version outside our range is a failure,
 * except for a version the file marks latestVersionUnstable, which our
 * .def files deliberately leave out (those are counted and reported).
 *
 * File format, one vector per line, '#' lines are comments:
 *   request|response TAB version TAB case-name TAB hex-of-body
 * One cmocka test per .vec file; each prints how many vectors passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "kafkac/error.h"
#include "kc_messages.h"

typedef struct vector {
    int response;        /* 0 request, 1 response */
    int version;
    char *name;
    uint8_t *body;
    size_t len;
    int line;
} vector_t;

typedef struct vfile {
    char path[700];      /* dir (< 400) + '/' + d_name (< 256) */
    char api_file[128];  /* "metadata" */
    vector_t *v;
    size_t n;
    int unstable;        /* version marked latestVersionUnstable, or -1 */
} vfile_t;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "ApiVersions" -> "api_versions", as gen_protocol names the .def files. */
static void snake(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; in[i] && n + 2 < size; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z') {
            if (i > 0 && n + 3 < size)
                out[n++] = '_';
            out[n++] = (char)(c - 'A' + 'a');
        } else {
            out[n++] = c;
        }
    }
    out[n] = '\0';
}

static const kc_api_t *api_for_file(const char *api_file)
{
    char s[128];
    for (size_t i = 0; kc_apis[i]; i++) {
        snake(kc_apis[i]->name, s, sizeof s);
        if (strcmp(s, api_file) == 0)
            return kc_apis[i];
    }
    return NULL;
}

static int load(vfile_t *f)
{
    FILE *fp = fopen(f->path, "r");
    if (!fp)
        return -1;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    int lineno = 0;
    while ((got = getline(&line, &lcap, fp)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        /* "# request: v10 is marked latestVersionUnstable ..." */
        int uv;
        if (line[0] == '#' && strstr(line, "latestVersionUnstable") &&
            sscanf(line, "# %*[a-z]: v%d", &uv) == 1)
            f->unstable = uv;
        if (got == 0 || line[0] == '#')
            continue;
        char *kind = strtok(line, "\t");
        char *ver = strtok(NULL, "\t");
        char *name = strtok(NULL, "\t");
        char *hex = strtok(NULL, "\t");
        if (!kind || !ver || !name)
            fail_msg("%s:%d: expected kind TAB version TAB case TAB hex", f->path, lineno);
        if (!hex)
            hex = "";
        if (f->n == cap) {
            cap = cap ? cap * 2 : 64;
            f->v = realloc(f->v, cap * sizeof *f->v);
            assert_non_null(f->v);
        }
        vector_t *v = &f->v[f->n++];
        v->response = strcmp(kind, "response") == 0;
        if (!v->response && strcmp(kind, "request") != 0)
            fail_msg("%s:%d: kind must be request or response, not %s", f->path, lineno, kind);
        v->version = atoi(ver);
        v->name = strdup(name);
        v->line = lineno;
        size_t hl = strlen(hex);
        if (hl % 2)
            fail_msg("%s:%d: odd hex length", f->path, lineno);
        v->len = hl / 2;
        v->body = malloc(v->len ? v->len : 1);
        for (size_t i = 0; i < v->len; i++) {
            int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
            if (a < 0 || b < 0)
                fail_msg("%s:%d: bad hex", f->path, lineno);
            v->body[i] = (uint8_t)(a << 4 | b);
        }
    }
    free(line);
    fclose(fp);
    return 0;
}

static void unload(vfile_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].name);
        free(f->v[i].body);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

/* The vector an unknown-tags case must re-encode to. */
static const vector_t *plain_twin(const vfile_t *f, const vector_t *v)
{
    char want[256];
    const char *p = strstr(v->name, "-unknown-tags");
    if (!p)
        return v;
    snprintf(want, sizeof want, "%.*s%s", (int)(p - v->name), v->name, p + strlen("-unknown-tags"));
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].response == v->response && f->v[i].version == v->version &&
            strcmp(f->v[i].name, want) == 0)
            return &f->v[i];
    return NULL;
}

static void hexdump(char *out, size_t size, const uint8_t *b, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 3 < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%02x", b[i]);
}

/* Returns NULL on success, else a static description of what went wrong. */
static const char *check_one(const vfile_t *f, const kc_api_t *api, const vector_t *v, char *why,
                             size_t why_size)
{
    const kc_schema_t *s = v->response ? api->response : api->request;
    if (v->version < api->min_ver || v->version > api->max_ver) {
        snprintf(why, why_size, "version %d is outside our range %d-%d", v->version, api->min_ver,
                 api->max_ver);
        return why;
    }
    const vector_t *twin = plain_twin(f, v);
    if (!twin) {
        snprintf(why, why_size, "no vector %s without -unknown-tags to compare with", v->name);
        return why;
    }
    int flex = kc_api_flexible(api, (int16_t)v->version);
    kc_arena_t arena;
    kc_arena_init(&arena, 4096);
    void *msg = calloc(1, s->size);
    kc_reader_t r;
    kc_reader_init(&r, v->body, v->len);
    char path[KC_PATH_MAX];
    int rc = kc_msg_decode_path(&r, s, msg, (int16_t)v->version, flex, &arena, path, sizeof path);
    if (rc != 0) {
        snprintf(why, why_size, "decode failed: %s at %s (byte %zu of %zu)", kafkac_err_name(rc), path,
                 r.pos, v->len);
    } else if (r.pos != v->len) {
        snprintf(why, why_size, "decode consumed %zu of %zu bytes", r.pos, v->len);
        rc = -1;
    } else {
        kc_writer_t w;
        kc_writer_init(&w, v->len + 16);
        rc = kc_msg_encode_path(&w, s, msg, (int16_t)v->version, flex, path, sizeof path);
        if (rc != 0) {
            snprintf(why, why_size, "re-encode failed: %s at %s", kafkac_err_name(rc), path);
        } else if (w.len != twin->len || memcmp(w.buf, twin->body, w.len) != 0) {
            size_t at = 0;
            while (at < w.len && at < twin->len && w.buf[at] == twin->body[at])
                at++;
            char g[161], e[161];
            hexdump(g, sizeof g, w.buf + at, w.len - at);
            hexdump(e, sizeof e, twin->body + at, twin->len - at);
            snprintf(why, why_size, "re-encoded %zu bytes, expected %zu; first difference at byte %zu: "
                     "got %s... expected %s...", w.len, twin->len, at, g, e);
            rc = -1;
        }
        kc_writer_free(&w);
    }
    free(msg);
    kc_arena_destroy(&arena);
    return rc ? why : NULL;
}

static void test_vec_file(void **state)
{
    vfile_t *f = *state;
    f->unstable = -1;
    assert_int_equal(load(f), 0);
    const kc_api_t *api = api_for_file(f->api_file);
    if (!api) {
        /* Every API with golden vectors has a definition: a vector file
         * without one means a definition was lost, not "nothing to test". */
        size_t n = f->n;
        unload(f);
        fail_msg("%s: no .def for this API, so its %zu golden vectors go unchecked", f->api_file, n);
    }
    size_t ok = 0, bad = 0, unstable = 0;
    char why[512];
    for (size_t i = 0; i < f->n; i++) {
        const vector_t *v = &f->v[i];
        /* We stop at Kafka's last stable version (scripts/check_messages.py):
         * vectors of a newer, unstable one are counted, not checked. */
        if (v->version == f->unstable && v->version > api->max_ver) {
            unstable++;
            continue;
        }
        if (!check_one(f, api, v, why, sizeof why)) {
            ok++;
            continue;
        }
        if (bad++ < 12)
            fprintf(stderr, "  FAIL %s:%d %s v%d %s: %s\n", f->path, v->line,
                    v->response ? "response" : "request", v->version, v->name, why);
    }
    fprintf(stderr, "  %s: %zu/%zu vectors passed", api->name, ok, f->n - unstable);
    if (unstable)
        fprintf(stderr, " (%zu more for unstable v%d not checked)", unstable, f->unstable);
    fprintf(stderr, "\n");
    unload(f);
    if (bad)
        fail_msg("%s: %zu of %zu vectors failed", api->name, bad, ok + bad);
}

/* tests/vectors relative to the source tree: $KAFKAC_SRC_DIR, else the
 * current directory, else relative to this file's compile-time path. */
static const char *vector_dir(char *buf, size_t size)
{
    const char *src = getenv("KAFKAC_SRC_DIR");
    snprintf(buf, size, "%s/tests/vectors", src ? src : ".");
    DIR *d = opendir(buf);
    if (d) {
        closedir(d);
        return buf;
    }
    snprintf(buf, size, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    if (slash) {
        snprintf(slash, size - (size_t)(slash - buf), "/../vectors");
        return buf;
    }
    return "tests/vectors";
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const vfile_t *)a)->path, ((const vfile_t *)b)->path);
}

int main(void)
{
    char dirbuf[400];
    const char *dir = vector_dir(dirbuf, sizeof dirbuf);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "test_vectors: cannot open %s\n", dir);
        return 1;
    }
    vfile_t *files = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".vec") != 0 || l - 4 >= sizeof files->api_file)
            continue;
        files = realloc(files, (n + 1) * sizeof *files);
        memset(&files[n], 0, sizeof files[n]);
        snprintf(files[n].path, sizeof files[n].path, "%s/%s", dir, e->d_name);
        memcpy(files[n].api_file, e->d_name, l - 4);
        files[n].api_file[l - 4] = '\0';
        n++;
    }
    closedir(d);
    if (n == 0) {
        fprintf(stderr, "test_vectors: no .vec files in %s\n", dir);
        return 1;
    }
    qsort(files, n, sizeof *files, by_name);
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    for (size_t i = 0; i < n; i++) {
        tests[i].name = files[i].api_file;
        tests[i].test_func = test_vec_file;
        tests[i].initial_state = &files[i];
    }
    int rc = _cmocka_run_group_tests("vectors", tests, n, NULL, NULL);
    free(tests);
    free(files);
    return rc;
}
