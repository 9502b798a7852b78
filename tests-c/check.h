/*
 * check.h: the few assertion macros the C tests share. A failed check prints where and why and
 * is counted; a test's main() returns check_report().
 */
#ifndef CULEX_TESTS_CHECK_H
#define CULEX_TESTS_CHECK_H

#include <mosquitto.h>

#include <stdio.h>

/* Set to 1 by CMake when the tests run against Debian's libmosquitto (the reference): the few
 * checks that libmosquitto 2.0.11 itself fails, mostly by crashing on a NULL argument, are then
 * skipped. */
#ifndef REFERENCE_LIBMOSQUITTO
#define REFERENCE_LIBMOSQUITTO 0
#endif

static int check_failures;
static int check_count;

/* Check that `cond` holds. */
#define CHECK(cond)                                                                    \
    do {                                                                               \
        check_count++;                                                                 \
        if (!(cond)) {                                                                 \
            check_failures++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                              \
    } while (0)

/* Check that an API call returns the expected mosq_err_t value. */
#define CHECK_RC(call, expected)                                                          \
    do {                                                                                  \
        int check_rc_got = (call);                                                        \
        int check_rc_want = (expected);                                                   \
        check_count++;                                                                    \
        if (check_rc_got != check_rc_want) {                                              \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__,   \
                    __LINE__, #call, check_rc_got, mosquitto_strerror(check_rc_got),      \
                    check_rc_want, mosquitto_strerror(check_rc_want));                    \
        }                                                                                 \
    } while (0)

static inline int check_report(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, check_failures, check_count);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, check_count);
    return 0;
}

#endif
