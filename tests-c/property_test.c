/*
 * property_test.c: MQTT 5 property lists through the C API. Builds lists holding every value
 * type, walks them with mosquitto_property_next(), reads repeated User Properties with the
 * skip_first idiom, copies and frees lists, and checks lists for packet types with
 * mosquitto_property_check_all(). Every allocation handed out is freed, so valgrind and ASan
 * report any leak in the library. The same program runs against Debian's libmosquitto
 * (-DCULEX_AGAINST_SYSTEM_LIBMOSQUITTO=ON); the few checks where Culex follows the documentation
 * or the MQTT 5 specification instead of libmosquitto 2.0.11 are skipped there.
 */
#include "check.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <stdlib.h>
#include <string.h>

static int count_nodes(const mosquitto_property *list)
{
    int n = 0;
    for (const mosquitto_property *p = list; p != NULL; p = mosquitto_property_next(p)) {
        n++;
    }
    return n;
}

/* A list with one property of every type, plus two more User Properties. */
static mosquitto_property *build_list(void)
{
    static const unsigned char correlation[] = {0x00, 0x01, 0xfe, 0xff};
    mosquitto_property *list = NULL;

    CHECK_RC(mosquitto_property_add_byte(&list, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "first", "1"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_int16(&list, MQTT_PROP_TOPIC_ALIAS, 7), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_int32(&list, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, 3600), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_varint(&list, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 268435455), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_binary(&list, MQTT_PROP_CORRELATION_DATA, correlation, sizeof correlation),
             MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "second", "2"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_string(&list, MQTT_PROP_CONTENT_TYPE, "application/json"), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "third", "3\xc3\xa9"),
             MOSQ_ERR_SUCCESS);
    return list;
}

/* Read every value back from `list` (built by build_list). */
static void read_list(const mosquitto_property *list)
{
    static const int expected_ids[] = {
        MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, MQTT_PROP_USER_PROPERTY, MQTT_PROP_TOPIC_ALIAS,
        MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, MQTT_PROP_CORRELATION_DATA,
        MQTT_PROP_USER_PROPERTY, MQTT_PROP_CONTENT_TYPE, MQTT_PROP_USER_PROPERTY,
    };
    static const char *const names[] = {"first", "second", "third"};
    static const char *const values[] = {"1", "2", "3\xc3\xa9"};
    const mosquitto_property *p;
    int i = 0;
    uint8_t byte = 0;
    uint16_t int16 = 0, len = 0;
    uint32_t int32 = 0, varint = 0;
    void *data = NULL;
    char *text = NULL, *name = NULL, *value = NULL;

    CHECK(count_nodes(list) == 9);
    for (p = list; p != NULL && i < 9; p = mosquitto_property_next(p), i++) {
        CHECK(mosquitto_property_identifier(p) == expected_ids[i]);
    }

    CHECK(mosquitto_property_read_byte(list, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, &byte, false) == list);
    CHECK(byte == 1);
    CHECK(mosquitto_property_read_int16(list, MQTT_PROP_TOPIC_ALIAS, &int16, false) != NULL);
    CHECK(int16 == 7);
    CHECK(mosquitto_property_read_int32(list, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &int32, false) != NULL);
    CHECK(int32 == 3600);
    CHECK(mosquitto_property_read_varint(list, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, &varint, false) != NULL);
    CHECK(varint == 268435455);

    CHECK(mosquitto_property_read_binary(list, MQTT_PROP_CORRELATION_DATA, &data, &len, false) != NULL);
    CHECK(len == 4 && data != NULL && memcmp(data, "\x00\x01\xfe\xff", 4) == 0);
    free(data);

    CHECK(mosquitto_property_read_string(list, MQTT_PROP_CONTENT_TYPE, &text, false) != NULL);
    CHECK(text != NULL && strcmp(text, "application/json") == 0);
    free(text);

    /* Every User Property, in order: pass each node found back in with skip_first. */
    i = 0;
    for (p = mosquitto_property_read_string_pair(list, MQTT_PROP_USER_PROPERTY, &name, &value, false); p != NULL;
         p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, true)) {
        CHECK(mosquitto_property_identifier(p) == MQTT_PROP_USER_PROPERTY);
        if (i < 3) {
            CHECK(name != NULL && strcmp(name, names[i]) == 0);
            CHECK(value != NULL && strcmp(value, values[i]) == 0);
        }
        free(name);
        free(value);
        name = value = NULL;
        i++;
    }
    CHECK(i == 3);

    /* skip_first passes over the first matching property: from the head it finds "second". */
    p = mosquitto_property_read_string_pair(list, MQTT_PROP_USER_PROPERTY, NULL, &value, true);
    CHECK(p != NULL && value != NULL && strcmp(value, "2") == 0);
    free(value);
    value = NULL;

    /* Out-values are optional; absent properties leave them alone. */
    CHECK(mosquitto_property_read_string(list, MQTT_PROP_CONTENT_TYPE, NULL, false) != NULL);
    int16 = 60;
    CHECK(mosquitto_property_read_int16(list, MQTT_PROP_SERVER_KEEP_ALIVE, &int16, false) == NULL);
    CHECK(int16 == 60);
    CHECK(mosquitto_property_read_string(list, MQTT_PROP_CONTENT_TYPE, &text, true) == NULL);
    /* The identifier must have the function's type. */
    CHECK(mosquitto_property_read_byte(list, MQTT_PROP_CONTENT_TYPE, &byte, false) == NULL);
    CHECK(mosquitto_property_read_string(list, MQTT_PROP_USER_PROPERTY, &text, false) == NULL);
}

static void test_build_read_copy_free(void)
{
    mosquitto_property *list = build_list();
    mosquitto_property *copy = NULL;

    read_list(list);

    CHECK_RC(mosquitto_property_copy_all(&copy, list), MOSQ_ERR_SUCCESS);
    CHECK(copy != NULL && copy != list);
    mosquitto_property_free_all(&list);
    CHECK(list == NULL);
    read_list(copy); /* the copy does not depend on the original */
    mosquitto_property_free_all(&copy);
    CHECK(copy == NULL);

    mosquitto_property_free_all(&copy); /* an empty list */
    mosquitto_property_free_all(NULL);
}

static void test_bad_arguments(void)
{
    mosquitto_property *list = NULL;

    CHECK_RC(mosquitto_property_add_byte(NULL, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_byte(&list, MQTT_PROP_CONTENT_TYPE, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_int16(&list, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_int32(&list, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_varint(&list, MQTT_PROP_SUBSCRIPTION_IDENTIFIER, 268435456), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_binary(&list, MQTT_PROP_CONTENT_TYPE, "x", 1), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_string(&list, MQTT_PROP_USER_PROPERTY, "x"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_string(&list, MQTT_PROP_CONTENT_TYPE, "\xc0\x80"), MOSQ_ERR_MALFORMED_UTF8);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_CONTENT_TYPE, "k", "v"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "\xed\xa0\x80", "v"),
             MOSQ_ERR_MALFORMED_UTF8);
    CHECK(list == NULL); /* nothing was added */
#if !REFERENCE_LIBMOSQUITTO
    /* libmosquitto 2.0.11 accepts these, against its documentation. */
    CHECK_RC(mosquitto_property_add_string(&list, MQTT_PROP_CONTENT_TYPE, NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "k", "\xc0\x80"),
             MOSQ_ERR_MALFORMED_UTF8);
    CHECK(list == NULL);
#endif

    CHECK(mosquitto_property_identifier(NULL) == 0);
    CHECK(mosquitto_property_next(NULL) == NULL);
    CHECK(mosquitto_property_read_byte(NULL, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, NULL, false) == NULL);
    CHECK_RC(mosquitto_property_add_byte(&list, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_copy_all(NULL, list), MOSQ_ERR_INVAL);
    mosquitto_property_free_all(&list);
#if !REFERENCE_LIBMOSQUITTO
    /* libmosquitto 2.0.11 answers MOSQ_ERR_SUCCESS when src is NULL too. */
    CHECK_RC(mosquitto_property_copy_all(NULL, NULL), MOSQ_ERR_INVAL);
#endif
}

/* check_all on a list of one or two properties. */
static int check_one(int command, int identifier, uint32_t value)
{
    mosquitto_property *list = NULL;
    int rc;

    switch (identifier) {
    case MQTT_PROP_MAXIMUM_QOS:
    case MQTT_PROP_PAYLOAD_FORMAT_INDICATOR:
        mosquitto_property_add_byte(&list, identifier, (uint8_t)value);
        break;
    case MQTT_PROP_RECEIVE_MAXIMUM:
    case MQTT_PROP_TOPIC_ALIAS:
        mosquitto_property_add_int16(&list, identifier, (uint16_t)value);
        break;
    case MQTT_PROP_MAXIMUM_PACKET_SIZE:
    case MQTT_PROP_WILL_DELAY_INTERVAL:
    case MQTT_PROP_SESSION_EXPIRY_INTERVAL:
        mosquitto_property_add_int32(&list, identifier, value);
        break;
    default:
        return -1;
    }
    rc = mosquitto_property_check_all(command, list);
    mosquitto_property_free_all(&list);
    return rc;
}

static void test_check(void)
{
    mosquitto_property *list = NULL;
    int cmd = 0;

    CHECK_RC(mosquitto_property_check_command(CMD_CONNECT, MQTT_PROP_RECEIVE_MAXIMUM), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_command(CMD_PUBLISH, MQTT_PROP_RECEIVE_MAXIMUM), MOSQ_ERR_PROTOCOL);
    CHECK_RC(mosquitto_property_check_command(CMD_WILL, MQTT_PROP_WILL_DELAY_INTERVAL), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_command(CMD_CONNECT, MQTT_PROP_WILL_DELAY_INTERVAL), MOSQ_ERR_PROTOCOL);
    CHECK_RC(mosquitto_property_check_command(CMD_SUBSCRIBE, MQTT_PROP_SUBSCRIPTION_IDENTIFIER), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_command(CMD_PUBACK, MQTT_PROP_REASON_STRING), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_command(CMD_SUBSCRIBE, MQTT_PROP_REASON_STRING), MOSQ_ERR_PROTOCOL);
    CHECK_RC(mosquitto_property_check_command(CMD_DISCONNECT, MQTT_PROP_USER_PROPERTY), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_command(CMD_CONNECT, 0), MOSQ_ERR_PROTOCOL);

    CHECK_RC(mosquitto_property_check_all(CMD_CONNECT, NULL), MOSQ_ERR_SUCCESS);
    CHECK_RC(check_one(CMD_CONNECT, MQTT_PROP_RECEIVE_MAXIMUM, 10), MOSQ_ERR_SUCCESS);
    CHECK_RC(check_one(CMD_CONNECT, MQTT_PROP_RECEIVE_MAXIMUM, 0), MOSQ_ERR_PROTOCOL);
    CHECK_RC(check_one(CMD_CONNECT, MQTT_PROP_MAXIMUM_PACKET_SIZE, 0), MOSQ_ERR_PROTOCOL);
    CHECK_RC(check_one(CMD_PUBLISH, MQTT_PROP_TOPIC_ALIAS, 0), MOSQ_ERR_PROTOCOL);
    CHECK_RC(check_one(CMD_CONNACK, MQTT_PROP_MAXIMUM_QOS, 2), MOSQ_ERR_PROTOCOL);
    CHECK_RC(check_one(CMD_PUBLISH, MQTT_PROP_RECEIVE_MAXIMUM, 10), MOSQ_ERR_PROTOCOL);
    CHECK_RC(check_one(CMD_WILL, MQTT_PROP_WILL_DELAY_INTERVAL, 5), MOSQ_ERR_SUCCESS);
    CHECK_RC(check_one(CMD_DISCONNECT, MQTT_PROP_SESSION_EXPIRY_INTERVAL, 5), MOSQ_ERR_SUCCESS);
#if !REFERENCE_LIBMOSQUITTO
    /* MQTT 5 allows a Payload Format Indicator of 0 or 1 only; libmosquitto 2.0.11 does not check. */
    CHECK_RC(check_one(CMD_PUBLISH, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 2), MOSQ_ERR_PROTOCOL);
#endif

    /* Repeats: User Property may, Content Type may not. */
    mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "a", "1");
    mosquitto_property_add_string_pair(&list, MQTT_PROP_USER_PROPERTY, "a", "1");
    CHECK_RC(mosquitto_property_check_all(CMD_PUBLISH, list), MOSQ_ERR_SUCCESS);
    mosquitto_property_add_string(&list, MQTT_PROP_CONTENT_TYPE, "a");
    CHECK_RC(mosquitto_property_check_all(CMD_PUBLISH, list), MOSQ_ERR_SUCCESS);
    mosquitto_property_add_string(&list, MQTT_PROP_CONTENT_TYPE, "b");
    CHECK_RC(mosquitto_property_check_all(CMD_PUBLISH, list), MOSQ_ERR_DUPLICATE_PROPERTY);
    CHECK_RC(mosquitto_property_check_all(CMD_CONNECT, list), MOSQ_ERR_PROTOCOL);
    mosquitto_property_free_all(&list);

    /* A list built here is what publish/subscribe would check. */
    list = build_list();
    CHECK_RC(mosquitto_property_check_all(CMD_PUBLISH, list), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_property_check_all(CMD_SUBSCRIBE, list), MOSQ_ERR_PROTOCOL);
    mosquitto_property_free_all(&list);

    CHECK_RC(mosquitto_string_to_command("publish", &cmd), MOSQ_ERR_SUCCESS);
    CHECK(cmd == CMD_PUBLISH);
    CHECK_RC(mosquitto_string_to_command("WILL", &cmd), MOSQ_ERR_SUCCESS);
    CHECK(cmd == CMD_WILL);
    cmd = -1;
    CHECK_RC(mosquitto_string_to_command("nonsense", &cmd), MOSQ_ERR_INVAL);
    CHECK(cmd == -1);
}

static void test_names(void)
{
    int identifier = 0, type = 0, named = 0;

    for (int id = 0; id < 256; id++) {
        const char *name = mosquitto_property_identifier_to_string(id);
        if (name == NULL) {
            continue;
        }
        named++;
        identifier = type = 0;
        CHECK_RC(mosquitto_string_to_property_info(name, &identifier, &type), MOSQ_ERR_SUCCESS);
        CHECK(identifier == id);
        CHECK(type >= MQTT_PROP_TYPE_BYTE && type <= MQTT_PROP_TYPE_STRING_PAIR);
    }
    CHECK(named == 27);
    CHECK(strcmp(mosquitto_property_identifier_to_string(MQTT_PROP_RESPONSE_TOPIC), "response-topic") == 0);
    CHECK_RC(mosquitto_string_to_property_info("Message-Expiry-Interval", &identifier, &type), MOSQ_ERR_SUCCESS);
    CHECK(identifier == MQTT_PROP_MESSAGE_EXPIRY_INTERVAL && type == MQTT_PROP_TYPE_INT32);
    CHECK_RC(mosquitto_string_to_property_info("correlation-data", &identifier, &type), MOSQ_ERR_SUCCESS);
    CHECK(identifier == MQTT_PROP_CORRELATION_DATA && type == MQTT_PROP_TYPE_BINARY);
    CHECK_RC(mosquitto_string_to_property_info("no-such-property", &identifier, &type), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_string_to_property_info(NULL, &identifier, &type), MOSQ_ERR_INVAL);
}

int main(void)
{
    test_build_read_copy_free();
    test_bad_arguments();
    test_check();
    test_names();
    return check_report("property_test");
}
