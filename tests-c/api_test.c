/*
 * api_test.c: the parts of the libmosquitto 2.0 API that need no broker: versions, error strings,
 * topic helpers, UTF-8 validation, client creation, argument checking and the errors of an
 * unconnected client. The expectations follow libmosquitto's documented behaviour; the same
 * program also runs against Debian's libmosquitto (-DCULEX_AGAINST_SYSTEM_LIBMOSQUITTO=ON).
 *
 * If the environment names CULEX_EXPECT_LIB, the library that provides mosquitto_lib_version()
 * must be loaded from a path containing that string (so we know which library we tested).
 */
#define _GNU_SOURCE
#include "check.h"

#include <mosquitto.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_loaded_library(void)
{
    Dl_info info;
    const char *expected = getenv("CULEX_EXPECT_LIB");

    CHECK(dladdr((void *)mosquitto_lib_version, &info) != 0);
    printf("mosquitto_lib_version comes from %s\n", info.dli_fname ? info.dli_fname : "?");
    if (expected != NULL && expected[0] != '\0') {
        CHECK(info.dli_fname != NULL && strstr(info.dli_fname, expected) != NULL);
    }
}

static void test_versions(void)
{
    int major = -1, minor = -1, revision = -1;

    CHECK(mosquitto_lib_version(&major, &minor, &revision) == LIBMOSQUITTO_VERSION_NUMBER);
    CHECK(major == 2);
    CHECK(minor == 0);
    CHECK(major == LIBMOSQUITTO_MAJOR && minor == LIBMOSQUITTO_MINOR && revision == LIBMOSQUITTO_REVISION);
    CHECK(LIBMOSQUITTO_VERSION_NUMBER == major * 1000000 + minor * 1000 + revision);
    /* Every out-pointer is optional. */
    CHECK(mosquitto_lib_version(NULL, NULL, NULL) == LIBMOSQUITTO_VERSION_NUMBER);

    CHECK_RC(mosquitto_lib_init(), MOSQ_ERR_SUCCESS);
}

static void test_strings(void)
{
    for (int rc = MOSQ_ERR_AUTH_CONTINUE; rc <= MOSQ_ERR_ALREADY_EXISTS; rc++) {
        const char *s = mosquitto_strerror(rc);
        CHECK(s != NULL && s[0] != '\0');
    }
    /* Unknown numbers still give a printable string. */
    CHECK(mosquitto_strerror(12345) != NULL);
    CHECK(mosquitto_strerror(-12345) != NULL);
    CHECK(strcmp(mosquitto_strerror(MOSQ_ERR_SUCCESS), mosquitto_strerror(MOSQ_ERR_NOMEM)) != 0);

    for (int code = 0; code <= 5; code++) {
        CHECK(mosquitto_connack_string(code) != NULL);
    }
    CHECK(mosquitto_connack_string(255) != NULL);
    CHECK(strcmp(mosquitto_connack_string(0), mosquitto_connack_string(5)) != 0);

    CHECK(mosquitto_reason_string(0) != NULL);
    CHECK(mosquitto_reason_string(128) != NULL);
    CHECK(mosquitto_reason_string(135) != NULL);
    CHECK(mosquitto_reason_string(255) != NULL);
    CHECK(strcmp(mosquitto_reason_string(128), mosquitto_reason_string(135)) != 0);
}

static void test_topic_matching(void)
{
    static const struct {
        const char *sub;
        const char *topic;
        bool match;
    } cases[] = {
        {"a/b/c", "a/b/c", true},
        {"a/b/c", "a/b/d", false},
        {"a/b", "a/b/c", false},
        {"a/b/c", "a/b", false},
        {"a/+/c", "a/b/c", true},
        {"a/+/c", "a/b/d", false},
        {"a/+", "a/b/c", false},
        {"+/+", "/b", true},
        {"+", "a", true},
        {"+", "/a", false},
        {"a/#", "a/b/c", true},
        {"a/#", "a", true}, /* '#' also matches the parent level */
        {"#", "a/b/c", true},
        {"a/+/#", "a/b", true},
        {"a/b/#", "a/c", false},
        {"#", "$SYS/broker", false}, /* wildcards at the first level never match $ topics */
        {"+/broker", "$SYS/broker", false},
        {"$SYS/#", "$SYS/broker", true},
        {"A/b", "a/b", false},
        {"a//c", "a//c", true},
        {"a/+/c", "a//c", true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool result = !cases[i].match;
        CHECK_RC(mosquitto_topic_matches_sub(cases[i].sub, cases[i].topic, &result), MOSQ_ERR_SUCCESS);
        if (result != cases[i].match) {
            fprintf(stderr, "  topic_matches_sub(\"%s\", \"%s\") gave %d\n", cases[i].sub, cases[i].topic,
                    (int)result);
        }
        CHECK(result == cases[i].match);

        result = !cases[i].match;
        CHECK_RC(mosquitto_topic_matches_sub2(cases[i].sub, strlen(cases[i].sub), cases[i].topic,
                                              strlen(cases[i].topic), &result),
                 MOSQ_ERR_SUCCESS);
        CHECK(result == cases[i].match);
    }

    bool result = true;
    /* Invalid filters and topics, and NULL arguments, are errors. */
    CHECK_RC(mosquitto_topic_matches_sub("a/#/c", "a/b/c", &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub("a/b+", "a/b", &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub("a/b", "a/+", &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub("a/b", "a/#", &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub(NULL, "a", &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub("a", NULL, &result), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_topic_matches_sub("a", "a", NULL), MOSQ_ERR_INVAL);
}

static void test_topic_checks(void)
{
    CHECK_RC(mosquitto_pub_topic_check("a/b/c"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_pub_topic_check("/"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_pub_topic_check("a/+/c"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_pub_topic_check("a/#"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_pub_topic_check("a+"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_pub_topic_check2("a/b/c", 5), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_pub_topic_check2("a/+/c", 5), MOSQ_ERR_INVAL);

    CHECK_RC(mosquitto_sub_topic_check("a/b/c"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check("a/+/c"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check("+"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check("#"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check("a/#"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check("a/#/c"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_check("a/b#"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_check("a/b+/c"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_check("a/+b"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_check2("a/+/c", 5), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_sub_topic_check2("a/#/c", 5), MOSQ_ERR_INVAL);
}

static void test_tokenise(void)
{
    char **topics = NULL;
    int count = 0;

    CHECK_RC(mosquitto_sub_topic_tokenise("a/b/c", &topics, &count), MOSQ_ERR_SUCCESS);
    CHECK(count == 3);
    if (count == 3 && topics != NULL) {
        CHECK(topics[0] != NULL && strcmp(topics[0], "a") == 0);
        CHECK(topics[1] != NULL && strcmp(topics[1], "b") == 0);
        CHECK(topics[2] != NULL && strcmp(topics[2], "c") == 0);
    }
    CHECK_RC(mosquitto_sub_topic_tokens_free(&topics, count), MOSQ_ERR_SUCCESS);

    /* An empty level is a NULL token: "/a/+" has three levels, the first empty. */
    CHECK_RC(mosquitto_sub_topic_tokenise("/a/+", &topics, &count), MOSQ_ERR_SUCCESS);
    CHECK(count == 3);
    if (count == 3 && topics != NULL) {
        CHECK(topics[0] == NULL);
        CHECK(topics[1] != NULL && strcmp(topics[1], "a") == 0);
        CHECK(topics[2] != NULL && strcmp(topics[2], "+") == 0);
    }
    CHECK_RC(mosquitto_sub_topic_tokens_free(&topics, count), MOSQ_ERR_SUCCESS);

    CHECK_RC(mosquitto_sub_topic_tokenise(NULL, &topics, &count), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_tokenise("a", NULL, &count), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_tokenise("a", &topics, NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_sub_topic_tokens_free(NULL, 1), MOSQ_ERR_INVAL);
}

static void test_utf8(void)
{
    CHECK_RC(mosquitto_validate_utf8("hello", 5), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_validate_utf8("", 0), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_validate_utf8("gr\xc3\xbc\xc3\x9f", 6), MOSQ_ERR_SUCCESS);   /* grüß */
    CHECK_RC(mosquitto_validate_utf8("\xf0\x9f\x90\x9d", 4), MOSQ_ERR_SUCCESS);      /* U+1F41D */
    CHECK_RC(mosquitto_validate_utf8("\xff", 1), MOSQ_ERR_MALFORMED_UTF8);
    CHECK_RC(mosquitto_validate_utf8("\xc3", 1), MOSQ_ERR_MALFORMED_UTF8);           /* truncated */
    CHECK_RC(mosquitto_validate_utf8("\xc0\x80", 2), MOSQ_ERR_MALFORMED_UTF8);       /* overlong */
    CHECK_RC(mosquitto_validate_utf8("\xed\xa0\x80", 3), MOSQ_ERR_MALFORMED_UTF8);   /* surrogate */
    CHECK_RC(mosquitto_validate_utf8("a\0b", 3), MOSQ_ERR_MALFORMED_UTF8);           /* U+0000 */
    CHECK_RC(mosquitto_validate_utf8(NULL, 0), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_validate_utf8("a", -1), MOSQ_ERR_INVAL);
}

static void test_new_and_destroy(void)
{
    int marker;

    /* A NULL client id needs a clean session. */
    errno = 0;
    CHECK(mosquitto_new(NULL, false, NULL) == NULL);
    CHECK(errno == EINVAL);

    struct mosquitto *mosq = mosquitto_new(NULL, true, &marker);
    CHECK(mosq != NULL);
    if (mosq != NULL) {
        CHECK(mosquitto_userdata(mosq) == &marker);
        mosquitto_user_data_set(mosq, NULL);
        CHECK(mosquitto_userdata(mosq) == NULL);
        CHECK_RC(mosquitto_reinitialise(mosq, NULL, false, NULL), MOSQ_ERR_INVAL);
        CHECK_RC(mosquitto_reinitialise(mosq, "culex-api-test", false, &marker), MOSQ_ERR_SUCCESS);
        CHECK(mosquitto_userdata(mosq) == &marker);
        mosquitto_destroy(mosq);
    }

    mosq = mosquitto_new("culex-api-test", false, NULL);
    CHECK(mosq != NULL);
    mosquitto_destroy(mosq);

    /* Destroying NULL is a no-op. */
    mosquitto_destroy(NULL);
}

static void test_null_handle(void)
{
    int mid = 0;
    char *subs[] = {"a"};

    CHECK_RC(mosquitto_reconnect(NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_disconnect(NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(NULL, &mid, "a", 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_subscribe(NULL, &mid, "a", 0), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_subscribe_multiple(NULL, &mid, 1, subs, 0, 0, NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_unsubscribe(NULL, &mid, "a"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_will_set(NULL, "a", 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_will_clear(NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_username_pw_set(NULL, "u", "p"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_loop(NULL, 0, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_loop_forever(NULL, 0, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_loop_start(NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_loop_stop(NULL, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_loop_misc(NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_int_option(NULL, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_reconnect_delay_set(NULL, 1, 10, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_max_inflight_messages_set(NULL, 10), MOSQ_ERR_INVAL);
    CHECK(mosquitto_socket(NULL) == -1);
    mosquitto_user_data_set(NULL, NULL);

    if (!REFERENCE_LIBMOSQUITTO) {
        /* libmosquitto 2.0.11 dereferences the NULL handle in these; Culex checks it. */
        CHECK_RC(mosquitto_connect(NULL, "localhost", 1883, 60), MOSQ_ERR_INVAL);
        CHECK_RC(mosquitto_connect_async(NULL, "localhost", 1883, 60), MOSQ_ERR_INVAL);
        CHECK_RC(mosquitto_loop_read(NULL, 1), MOSQ_ERR_INVAL);
        CHECK_RC(mosquitto_loop_write(NULL, 1), MOSQ_ERR_INVAL);
        CHECK(mosquitto_want_write(NULL) == false);
        CHECK(mosquitto_userdata(NULL) == NULL);
        mosquitto_connect_callback_set(NULL, NULL);
        mosquitto_message_callback_set(NULL, NULL);
    }
}

static void test_unconnected_client(void)
{
    int mid = 0;
    struct mosquitto *mosq = mosquitto_new("culex-api-test", true, NULL);

    CHECK(mosq != NULL);
    if (mosq == NULL) {
        return;
    }

    /* Arguments that are invalid whatever the connection state. (Which of "invalid" and "not
     * connected" wins for the other checks is not specified; tests-c/roundtrip.c checks them
     * on a connected client.) */
    CHECK_RC(mosquitto_publish(mosq, &mid, NULL, 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(mosq, &mid, "a/+", 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(mosq, &mid, "a/#", 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(mosq, &mid, "a", 1, "x", 3, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(mosq, &mid, "a", -1, "x", 0, false), MOSQ_ERR_PAYLOAD_SIZE);

    /* Valid requests on a client that never connected. libmosquitto queues a QoS 1 message
     * but answers MOSQ_ERR_NO_CONN; Culex queues it and answers MOSQ_ERR_SUCCESS, so that a
     * caller never publishes it twice. Both send it once connected. */
    CHECK_RC(mosquitto_publish(mosq, &mid, "a", 1, "x", 1, false),
             REFERENCE_LIBMOSQUITTO ? MOSQ_ERR_NO_CONN : MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_publish(mosq, &mid, "a", 1, "x", 0, false), MOSQ_ERR_NO_CONN);
    CHECK_RC(mosquitto_subscribe(mosq, &mid, "a/#", 1), MOSQ_ERR_NO_CONN);
    CHECK_RC(mosquitto_unsubscribe(mosq, &mid, "a/#"), MOSQ_ERR_NO_CONN);
    CHECK_RC(mosquitto_disconnect(mosq), MOSQ_ERR_NO_CONN);
    /* Documented as MOSQ_ERR_NO_CONN; libmosquitto 2.0.11 returns MOSQ_ERR_SUCCESS. */
    int rc = mosquitto_loop_read(mosq, 1);
    CHECK(rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_SUCCESS);
    rc = mosquitto_loop_write(mosq, 1);
    CHECK(rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_loop_misc(mosq), MOSQ_ERR_NO_CONN);
    CHECK_RC(mosquitto_loop(mosq, 0, 1), MOSQ_ERR_NO_CONN);
    CHECK(mosquitto_socket(mosq) == -1);
    CHECK(mosquitto_want_write(mosq) == false);
    CHECK_RC(mosquitto_loop_stop(mosq, false), MOSQ_ERR_INVAL); /* no loop thread running */

    /* Connect arguments. */
    CHECK_RC(mosquitto_connect(mosq, NULL, 1883, 60), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_connect(mosq, "localhost", -1, 60), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_connect(mosq, "localhost", 1883, 3), MOSQ_ERR_INVAL); /* keepalive 1..4 */
    CHECK_RC(mosquitto_connect_async(mosq, NULL, 1883, 60), MOSQ_ERR_INVAL);

    /* Will. */
    CHECK_RC(mosquitto_will_set(mosq, NULL, 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_will_set(mosq, "a/+", 1, "x", 0, false), MOSQ_ERR_INVAL);
    if (!REFERENCE_LIBMOSQUITTO) {
        CHECK_RC(mosquitto_will_set(mosq, "a", 1, "x", 3, false), MOSQ_ERR_INVAL); /* 2.0.11 accepts QoS 3 */
    }
    CHECK_RC(mosquitto_will_set(mosq, "a", 1, NULL, 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_will_set(mosq, "a", 1, "x", 1, true), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_will_set(mosq, "a", 0, NULL, 1, true), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_will_clear(mosq), MOSQ_ERR_SUCCESS);

    /* Credentials and options. */
    CHECK_RC(mosquitto_username_pw_set(mosq, "user", "secret"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_username_pw_set(mosq, "user", NULL), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_username_pw_set(mosq, NULL, NULL), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, 99), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 100), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_reconnect_delay_set(mosq, 1, 10, true), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_max_inflight_messages_set(mosq, 5), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_threaded_set(mosq, true), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_threaded_set(mosq, false), MOSQ_ERR_SUCCESS);

    mosquitto_destroy(mosq);
}

static void test_message_copy(void)
{
    char topic[] = "a/b";
    char payload[] = {'x', '\0', 'y'};
    struct mosquitto_message src = {
        .mid = 7, .topic = topic, .payload = payload, .payloadlen = 3, .qos = 2, .retain = true};
    struct mosquitto_message *dst = calloc(1, sizeof *dst);

    CHECK(dst != NULL);
    if (dst == NULL) {
        return;
    }
    CHECK_RC(mosquitto_message_copy(dst, &src), MOSQ_ERR_SUCCESS);
    CHECK(dst->mid == 7 && dst->qos == 2 && dst->retain && dst->payloadlen == 3);
    CHECK(dst->topic != NULL && dst->topic != topic && strcmp(dst->topic, "a/b") == 0);
    CHECK(dst->payload != NULL && dst->payload != payload && memcmp(dst->payload, payload, 3) == 0);
    CHECK_RC(mosquitto_message_copy(NULL, &src), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_message_copy(dst, NULL), MOSQ_ERR_INVAL);
    /* Frees the contents and the struct. */
    mosquitto_message_free(&dst);
    mosquitto_message_free(NULL);
}

int main(void)
{
    test_loaded_library();
    test_versions();
    test_strings();
    test_topic_matching();
    test_topic_checks();
    test_tokenise();
    test_utf8();
    test_new_and_destroy();
    test_null_handle();
    test_unconnected_client();
    test_message_copy();
    CHECK_RC(mosquitto_lib_cleanup(), MOSQ_ERR_SUCCESS);
    return check_report("api_test");
}
