/*
 * consumer.c: a program written against libmosquitto 2.0's documented API (mosquitto.h and
 * mqtt_protocol.h only), built from outside the Culex tree against an installed Culex: with
 * pkg-config (libmosquitto, libculex) and with find_package(Culex). It also builds unchanged
 * against Debian's libmosquitto-dev. It uses a broad set of functions, types and constants, and
 * checks what it can without a broker; given HOST PORT it also does a publish/subscribe round
 * trip at QoS 1 over MQTT 5 with a user property.
 *
 *   consumer [HOST PORT]
 *
 * Prints the file the library was loaded from (so the caller can check which library ran).
 */
#define _GNU_SOURCE
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                                \
        }                                                                              \
    } while (0)

struct state {
    bool connected;
    bool subscribed;
    bool received;
    int granted_qos;
    char payload[64];
    char user_value[64];
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
                       const mosquitto_property *props)
{
    struct state *s = obj;
    (void)flags;
    (void)props;
    if (rc == MQTT_RC_SUCCESS) {
        s->connected = true;
        CHECK(mosquitto_subscribe_v5(mosq, NULL, "culex/consumer/#", 1,
                                     MQTT_SUB_OPT_SEND_RETAIN_ALWAYS, NULL) == MOSQ_ERR_SUCCESS);
    }
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count,
                         const int *granted_qos, const mosquitto_property *props)
{
    struct state *s = obj;
    mosquitto_property *out = NULL;
    (void)mid;
    (void)props;
    if (qos_count >= 1) {
        s->granted_qos = granted_qos[0];
    }
    s->subscribed = true;
    CHECK(mosquitto_property_add_string_pair(&out, MQTT_PROP_USER_PROPERTY, "origin", "consumer")
          == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_publish_v5(mosq, NULL, "culex/consumer/t", 5, "hello", 1, false, out)
          == MOSQ_ERR_SUCCESS);
    mosquitto_property_free_all(&out);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    struct state *s = obj;
    char *name = NULL, *value = NULL;
    const mosquitto_property *p;
    bool match = false;

    CHECK(mosquitto_topic_matches_sub("culex/consumer/#", msg->topic, &match) == MOSQ_ERR_SUCCESS);
    CHECK(match);
    snprintf(s->payload, sizeof s->payload, "%.*s", msg->payloadlen, (const char *)msg->payload);
    p = mosquitto_property_read_string_pair(props, MQTT_PROP_USER_PROPERTY, &name, &value, false);
    if (p != NULL) {
        snprintf(s->user_value, sizeof s->user_value, "%s=%s", name, value);
        free(name);
        free(value);
    }
    s->received = true;
    mosquitto_disconnect_v5(mosq, MQTT_RC_NORMAL_DISCONNECTION, NULL);
}

static void on_log(struct mosquitto *mosq, void *obj, int level, const char *line)
{
    (void)mosq;
    (void)obj;
    (void)level;
    (void)line;
}

static void offline_checks(void)
{
    int major = 0, minor = 0, revision = 0;
    char **tokens = NULL;
    int count = 0;
    bool match = false;
    struct mosquitto *mosq;
    struct mosquitto_message src, dst;
    mosquitto_property *props = NULL;
    int cmd = 0, type = 0, identifier = 0;

    CHECK(mosquitto_lib_version(&major, &minor, &revision) == LIBMOSQUITTO_VERSION_NUMBER);
    CHECK(major == LIBMOSQUITTO_MAJOR && minor == LIBMOSQUITTO_MINOR);
    CHECK(mosquitto_strerror(MOSQ_ERR_NO_CONN) != NULL);
    CHECK(mosquitto_connack_string(CONNACK_REFUSED_NOT_AUTHORIZED) != NULL);
    CHECK(mosquitto_reason_string(MQTT_RC_QUOTA_EXCEEDED) != NULL);
    CHECK(mosquitto_string_to_command("publish", &cmd) == MOSQ_ERR_SUCCESS && cmd == CMD_PUBLISH);
    CHECK(mosquitto_string_to_property_info("user-property", &identifier, &type) == MOSQ_ERR_SUCCESS);
    CHECK(identifier == MQTT_PROP_USER_PROPERTY && type == MQTT_PROP_TYPE_STRING_PAIR);

    CHECK(mosquitto_sub_topic_tokenise("a/b/c", &tokens, &count) == MOSQ_ERR_SUCCESS && count == 3);
    CHECK(mosquitto_sub_topic_tokens_free(&tokens, count) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_topic_matches_sub2("a/+", 3, "a/b", 3, &match) == MOSQ_ERR_SUCCESS && match);
    CHECK(mosquitto_pub_topic_check("a/#") == MOSQ_ERR_INVAL);
    CHECK(mosquitto_pub_topic_check2("a/b", 3) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_sub_topic_check("a/#") == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_sub_topic_check2("a/#/b", 5) == MOSQ_ERR_INVAL);
    CHECK(mosquitto_validate_utf8("caf\xc3\xa9", 5) == MOSQ_ERR_SUCCESS);

    CHECK(mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 60) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, "text/plain") == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_property_check_all(CMD_PUBLISH, props) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_property_identifier(props) == MQTT_PROP_MESSAGE_EXPIRY_INTERVAL);
    CHECK(mosquitto_property_next(props) != NULL);
    mosquitto_property_free_all(&props);
    CHECK(props == NULL);

    memset(&src, 0, sizeof src);
    src.topic = "t";
    src.payload = "p";
    src.payloadlen = 1;
    src.qos = 1;
    CHECK(mosquitto_message_copy(&dst, &src) == MOSQ_ERR_SUCCESS);
    CHECK(strcmp(dst.topic, "t") == 0 && dst.payloadlen == 1);
    mosquitto_message_free_contents(&dst);

    mosq = mosquitto_new(NULL, true, NULL);
    CHECK(mosq != NULL);
    if (mosq == NULL) {
        return;
    }
    CHECK(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 20) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_will_set(mosq, "culex/consumer/will", 4, "gone", 1, false) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_will_clear(mosq) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_username_pw_set(mosq, "user", "pass") == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_reconnect_delay_set(mosq, 1, 10, true) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_max_inflight_messages_set(mosq, 20) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_threaded_set(mosq, false) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_publish(mosq, NULL, "t", 0, NULL, 0, false) == MOSQ_ERR_NO_CONN);
    CHECK(mosquitto_socket(mosq) == -1);
    CHECK(!mosquitto_want_write(mosq));
    CHECK(mosquitto_ssl_get(mosq) == NULL);
    mosquitto_user_data_set(mosq, &failures);
    CHECK(mosquitto_userdata(mosq) == &failures);
    mosquitto_destroy(mosq);
}

static void round_trip(const char *host, int port)
{
    struct state s;
    struct mosquitto *mosq;

    memset(&s, 0, sizeof s);
    mosq = mosquitto_new("culex-consumer", true, &s);
    CHECK(mosq != NULL);
    if (mosq == NULL) {
        return;
    }
    CHECK(mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5) == MOSQ_ERR_SUCCESS);
    mosquitto_connect_v5_callback_set(mosq, on_connect);
    mosquitto_subscribe_v5_callback_set(mosq, on_subscribe);
    mosquitto_message_v5_callback_set(mosq, on_message);
    mosquitto_log_callback_set(mosq, on_log);
    CHECK(mosquitto_connect_bind_v5(mosq, host, port, 60, NULL, NULL) == MOSQ_ERR_SUCCESS);
    CHECK(mosquitto_loop_forever(mosq, 1000, 1) == MOSQ_ERR_SUCCESS);
    CHECK(s.connected && s.subscribed && s.received);
    CHECK(s.granted_qos == 1);
    CHECK(strcmp(s.payload, "hello") == 0);
    CHECK(strcmp(s.user_value, "origin=consumer") == 0);
    mosquitto_destroy(mosq);
}

int main(int argc, char **argv)
{
    Dl_info info;

    CHECK(mosquitto_lib_init() == MOSQ_ERR_SUCCESS);
    if (dladdr((void *)mosquitto_lib_version, &info) != 0 && info.dli_fname != NULL) {
        printf("library: %s\n", info.dli_fname);
    } else {
        printf("library: (linked statically)\n");
    }
    offline_checks();
    if (argc == 3) {
        round_trip(argv[1], atoi(argv[2]));
    }
    CHECK(mosquitto_lib_cleanup() == MOSQ_ERR_SUCCESS);
    if (failures != 0) {
        fprintf(stderr, "consumer: %d checks failed\n", failures);
        return 1;
    }
    printf("consumer: all checks passed%s\n", argc == 3 ? " (with a broker round trip)" : "");
    return 0;
}
