/* ITEST_FILTER for every test program: a test name, or a pattern with '*'
 * and '?', runs only the matching cmocka tests (tests/run.sh uses it to run
 * a program's threaded cases under ThreadSanitizer).  Every .c here is
 * linked into every test binary, so a constructor is enough: no test has
 * to call cmocka_set_test_filter itself (those that do set the same). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

__attribute__((constructor)) static void kc_itest_filter_from_env(void)
{
    const char *f = getenv("ITEST_FILTER");
    if (f && *f)
        cmocka_set_test_filter(f);
}
