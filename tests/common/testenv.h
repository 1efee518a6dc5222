/* Helpers shared by the unit and integration tests (every .c in tests/common
 * is linked into every test binary).  Not part of the library.
 *
 * Broker addresses come from the environment, so the same binaries run
 * against whatever scripts/kafka.sh (or a developer) started; the test
 * runner (tests/run.sh) exports them from `scripts/kafka.sh brokers`. */
#ifndef KC_TESTENV_H
#define KC_TESTENV_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bootstrap list of the single-node broker: $KAFKAC_TEST_BROKERS, else
 * "127.0.0.1:31092" (scripts/kafka.sh's default for Kafka 3.9.x).  The
 * string is static or the environment's; do not free it. */
const char *kc_test_brokers(void);

/* Same for the 3-node cluster: $KAFKAC_TEST_CLUSTER_BROKERS, else
 * "127.0.0.1:31192,127.0.0.1:31292,127.0.0.1:31392". */
const char *kc_test_cluster_brokers(void);

/* The secured node (scripts/kafka.sh start secure; tests/run.sh starts it
 * and exports its listeners).  kc_test_sec_addr("SSL") is
 * $KAFKAC_TEST_SEC_SSL, "127.0.0.1:PORT"; listener is one of PLAINTEXT,
 * SSL, MTLS, SASL_PLAINTEXT, SASL_SSL, REAUTH, BADNAME, EXPIRED,
 * SCRAM512_ONLY.  If the variable is unset the calling cmocka test fails
 * at once, saying which variable is missing and how to set it (a test that
 * cannot run fails, it does not skip).  Strings are the environment's. */
const char *kc_test_sec_addr(const char *listener);

/* $KAFKAC_TEST_SEC_CERTS (the directory with ca.pem, client.pem, ...), or
 * the test fails as above. */
const char *kc_test_sec_certs(void);

/* Writes "$KAFKAC_TEST_SEC_CERTS/<name>" into buf and returns buf (fails
 * the test if unset or if it does not fit). */
const char *kc_test_sec_file(char *buf, size_t size, const char *name);

/* Writes "<prefix>-<pid>-<microseconds>-<counter>" into buf and returns buf,
 * or NULL if it does not fit.  Unique across runs and processes, so tests
 * never see topics left by an earlier run.  prefix must hold only the
 * characters Kafka allows in topic names ([A-Za-z0-9._-]). */
char *kc_test_topic(char *buf, size_t size, const char *prefix);

/* Milliseconds on the monotonic clock, for the tests' deadlines. */
int64_t kc_test_now_ms(void);

/* Runs a printf-formatted command with /bin/sh -c, output passing through.
 * Returns the command's exit status, 128+N if signal N killed it, or -1 if
 * it could not be run (or the command was too long). */
int kc_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Creates a topic with kafka-python's admin client (code that shares none
 * of ours), then waits 500 ms for every broker to learn its leaders.
 * configs: a Python dict literal, e.g. "{'max.message.bytes': '1000'}", or
 * NULL.  Returns kc_test_sh's status (0: created). */
int kc_test_create_topic(const char *brokers, const char *topic, int partitions, int rf, const char *configs);

/* For tests that hang the broker with SIGSTOP: wait until every thread of
 * pid has stopped (3 s at most), and after SIGCONT until the broker
 * creates topics again (20 s at most). */
void kc_test_wait_stopped(pid_t pid);
void kc_test_wait_serving(const char *brokers);

/* Runs "scripts/kafka.sh ARGS" from the source tree ($KAFKAC_SRC_DIR, else
 * the current directory), e.g. kc_test_kafka("kill 2"), with the same
 * return values as kc_test_sh. */
int kc_test_kafka(const char *args);

#endif
