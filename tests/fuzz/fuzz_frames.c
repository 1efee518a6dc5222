/* libFuzzer target: the connection's frame reader (size-prefixed Kafka
 * responses) fed arbitrary bytes through a real socket, in arbitrary
 * chunkings.  It must return whole frames, "need more", or an error, and
 * never read out of bounds, over-allocate or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "common/mem.h"
#include "protocol/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 60000)
        return 0;
    /* First byte: the max frame size as a power of two (so that both
     * "absurd size" and "fits" paths are reached). */
    int64_t max_frame = (int64_t)1 << (data[0] % 24);
    data++;
    size--;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    kc_conn_t *c = kc_conn_new(1, "fuzz", 1);
    if (!c) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    c->fd = sv[0];
    c->state = KC_CONN_READY;
    c->inflight_count = 1;
    size_t off = 0;
    int done = 0;
    while (!done) {
        /* Write the next chunk (its size taken from the data), or close
         * our end once everything is written so that EOF is seen. */
        if (off < size) {
            size_t n = 1 + (size_t)(data[off] % 97) * 37;
            if (n > size - off)
                n = size - off;
            if (write(sv[1], data + off, n) < 0)
                break;
            off += n;
        } else if (sv[1] >= 0) {
            close(sv[1]);
            sv[1] = -1;
        }
        for (;;) {
            uint8_t *frame = NULL;
            size_t len = 0;
            int rc = kc_conn_read_frame(c, max_frame, &frame, &len);
            if (rc == 1) {
                /* A frame is exactly what its prefix said, within bounds. */
                if (len < 4 || (int64_t)len > max_frame)
                    abort();
                kc_free(frame);
                continue;
            }
            /* An error (EOF included) ends the connection. */
            if (rc < 0 || c->fd < 0)
                done = 1;
            break;
        }
    }
    if (sv[1] >= 0)
        close(sv[1]);
    kc_conn_free(c);
    return 0;
}
