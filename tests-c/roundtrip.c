/*
 * roundtrip.c: publish and receive through a real broker at QoS 0, 1 and 2, with two clients
 * driven by mosquitto_loop() from one thread. Also: retained messages, unsubscribe, argument
 * checks on a connected client, clean disconnect.
 *
 *   roundtrip [host] [port]      (defaults: 127.0.0.1 and $CULEX_BROKER_PORT)
 *
 * Run by ctest through scripts/with-broker.sh, which starts a private broker on a free port.
 */
#include "check.h"

#include <mosquitto.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MESSAGES 16

struct client {
    const char *name;
    struct mosquitto *mosq;
    int connected;
    int disconnected;
    int disconnect_rc;
    int subscribed;   /* SUBACKs received */
    int granted_qos;  /* of the last SUBACK */
    int unsubscribed; /* UNSUBACKs received */
    int published;    /* on_publish calls */
    int received;
    struct mosquitto_message messages[MAX_MESSAGES]; /* copies of what on_message got */
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct client *c = obj;
    (void)mosq;
    if (rc != 0) {
        fprintf(stderr, "%s: connect refused: %s\n", c->name, mosquitto_connack_string(rc));
    }
    c->connected = rc == 0;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    struct client *c = obj;
    (void)mosq;
    c->disconnected = 1;
    c->disconnect_rc = rc;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    struct client *c = obj;
    (void)mosq;
    (void)mid;
    c->granted_qos = count > 0 ? granted[0] : -1;
    c->subscribed++;
}

static void on_unsubscribe(struct mosquitto *mosq, void *obj, int mid)
{
    struct client *c = obj;
    (void)mosq;
    (void)mid;
    c->unsubscribed++;
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct client *c = obj;
    (void)mosq;
    (void)mid;
    c->published++;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct client *c = obj;
    (void)mosq;
    if (c->received < MAX_MESSAGES) {
        /* The message belongs to the library and is freed after we return: keep a copy. */
        CHECK_RC(mosquitto_message_copy(&c->messages[c->received], msg), MOSQ_ERR_SUCCESS);
    }
    c->received++;
}

static void forget_messages(struct client *c)
{
    for (int i = 0; i < c->received && i < MAX_MESSAGES; i++) {
        mosquitto_message_free_contents(&c->messages[i]);
    }
    memset(c->messages, 0, sizeof c->messages);
    c->received = 0;
}

static struct client *clients[2];

/* Drive both clients until *value >= target; false after 10 s. */
static int run_until(const int *value, int target)
{
    time_t deadline = time(NULL) + 10;

    while (*value < target) {
        if (time(NULL) > deadline) {
            fprintf(stderr, "timed out waiting for %d (have %d)\n", target, *value);
            return 0;
        }
        for (int i = 0; i < 2; i++) {
            int rc = mosquitto_loop(clients[i]->mosq, 10, 1);
            if (rc != MOSQ_ERR_SUCCESS && !clients[i]->disconnected) {
                fprintf(stderr, "%s: loop: %s\n", clients[i]->name, mosquitto_strerror(rc));
                return 0;
            }
        }
    }
    return 1;
}

static void client_init(struct client *c, const char *name, const char *host, int port)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->mosq = mosquitto_new(NULL, true, c);
    CHECK(c->mosq != NULL);
    if (c->mosq == NULL) {
        exit(check_report("roundtrip"));
    }
    mosquitto_connect_callback_set(c->mosq, on_connect);
    mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
    mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
    mosquitto_unsubscribe_callback_set(c->mosq, on_unsubscribe);
    mosquitto_publish_callback_set(c->mosq, on_publish);
    mosquitto_message_callback_set(c->mosq, on_message);
    int rc = mosquitto_connect(c->mosq, host, port, 30);
    CHECK_RC(rc, MOSQ_ERR_SUCCESS);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "cannot connect to %s:%d\n", host, port);
        exit(check_report("roundtrip"));
    }
}

static void test_qos(struct client *pub, struct client *sub, int qos)
{
    char topic[128];
    static char big[65536];
    const struct {
        const void *data;
        int len;
    } payloads[] = {{"", 0}, {"hello", 5}, {"a\0b", 3}, {big, (int)sizeof big}};
    const int n = (int)(sizeof payloads / sizeof payloads[0]);
    int mids[4];

    memset(big, 'z', sizeof big);
    snprintf(topic, sizeof topic, "culex/roundtrip/%d/qos%d", (int)getpid(), qos);
    printf("QoS %d on %s\n", qos, topic);

    int subacks = sub->subscribed;
    CHECK_RC(mosquitto_subscribe(sub->mosq, NULL, topic, qos), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&sub->subscribed, subacks + 1));
    CHECK(sub->granted_qos == qos);

    forget_messages(sub);
    pub->published = 0;
    for (int i = 0; i < n; i++) {
        mids[i] = -1;
        CHECK_RC(mosquitto_publish(pub->mosq, &mids[i], topic, payloads[i].len, payloads[i].data, qos, false),
                 MOSQ_ERR_SUCCESS);
        CHECK(mids[i] > 0);
        for (int j = 0; j < i; j++) {
            CHECK(mids[i] != mids[j]);
        }
    }
    CHECK(run_until(&pub->published, n));
    CHECK(run_until(&sub->received, n));
    CHECK(sub->received == n);

    /* Same topic, same QoS, one publisher: the broker keeps the order. */
    for (int i = 0; i < n && i < sub->received; i++) {
        const struct mosquitto_message *m = &sub->messages[i];
        CHECK(m->topic != NULL && strcmp(m->topic, topic) == 0);
        CHECK(m->qos == qos);
        CHECK(!m->retain);
        CHECK(m->payloadlen == payloads[i].len);
        if (m->payloadlen == payloads[i].len && payloads[i].len > 0) {
            CHECK(m->payload != NULL && memcmp(m->payload, payloads[i].data, (size_t)payloads[i].len) == 0);
        }
    }

    int unsubacks = sub->unsubscribed;
    CHECK_RC(mosquitto_unsubscribe(sub->mosq, NULL, topic), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&sub->unsubscribed, unsubacks + 1));
}

static void test_retained(struct client *pub, struct client *sub)
{
    char topic[128];
    snprintf(topic, sizeof topic, "culex/roundtrip/%d/retained", (int)getpid());
    printf("retained on %s\n", topic);

    pub->published = 0;
    CHECK_RC(mosquitto_publish(pub->mosq, NULL, topic, 4, "kept", 1, true), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&pub->published, 1));

    forget_messages(sub);
    int subacks = sub->subscribed;
    CHECK_RC(mosquitto_subscribe(sub->mosq, NULL, topic, 1), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&sub->subscribed, subacks + 1));
    CHECK(run_until(&sub->received, 1));
    if (sub->received >= 1) {
        CHECK(sub->messages[0].retain);
        CHECK(sub->messages[0].payloadlen == 4 && memcmp(sub->messages[0].payload, "kept", 4) == 0);
    }

    /* An empty retained message clears it. */
    CHECK_RC(mosquitto_publish(pub->mosq, NULL, topic, 0, NULL, 1, true), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&pub->published, 2));
    forget_messages(sub);
}

static void test_arguments_when_connected(struct client *c)
{
    int mid = 0;
    CHECK_RC(mosquitto_subscribe(c->mosq, &mid, NULL, 0), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_subscribe(c->mosq, &mid, "a/#/b", 0), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_subscribe(c->mosq, &mid, "a", 3), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_unsubscribe(c->mosq, &mid, NULL), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_unsubscribe(c->mosq, &mid, "a/#/b"), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(c->mosq, &mid, "a/+", 1, "x", 0, false), MOSQ_ERR_INVAL);
    CHECK_RC(mosquitto_publish(c->mosq, &mid, "a", 1, "x", 3, false), MOSQ_ERR_INVAL);
    if (!REFERENCE_LIBMOSQUITTO) {
        /* libmosquitto 2.0.11 copies from the NULL payload and crashes. */
        CHECK_RC(mosquitto_publish(c->mosq, &mid, "a", 1, NULL, 0, false), MOSQ_ERR_INVAL);
    }
    CHECK_RC(mosquitto_publish(c->mosq, &mid, "a", -1, "x", 0, false), MOSQ_ERR_PAYLOAD_SIZE);
}

int main(int argc, char *argv[])
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *port_text = argc > 2 ? argv[2] : getenv("CULEX_BROKER_PORT");
    int port = port_text ? atoi(port_text) : 0;
    struct client pub, sub;

    if (port <= 0) {
        fprintf(stderr, "usage: %s host port (or set CULEX_BROKER_PORT)\n", argv[0]);
        return 2;
    }

    mosquitto_lib_init();
    client_init(&pub, "publisher", host, port);
    client_init(&sub, "subscriber", host, port);
    clients[0] = &pub;
    clients[1] = &sub;
    CHECK(run_until(&pub.connected, 1));
    CHECK(run_until(&sub.connected, 1));

    if (pub.connected && sub.connected) {
        test_arguments_when_connected(&pub);
        for (int qos = 0; qos <= 2; qos++) {
            test_qos(&pub, &sub, qos);
        }
        test_retained(&pub, &sub);
    }

    CHECK_RC(mosquitto_disconnect(pub.mosq), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_disconnect(sub.mosq), MOSQ_ERR_SUCCESS);
    CHECK(run_until(&pub.disconnected, 1));
    CHECK(run_until(&sub.disconnected, 1));
    CHECK(pub.disconnect_rc == 0 && sub.disconnect_rc == 0);

    forget_messages(&sub);
    mosquitto_destroy(pub.mosq);
    mosquitto_destroy(sub.mosq);
    mosquitto_lib_cleanup();
    return check_report("roundtrip");
}
