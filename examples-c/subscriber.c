/*
 * subscriber.c: subscribe to a topic and print every message as "topic qos payload", one per line.
 * Stops after -C messages (like mosquitto_sub -C), or runs until interrupted.
 *
 *   subscriber [-h host] [-p port] [-t topic] [-q qos] [-C count]
 *
 * Prints "subscribed" on stderr once the broker has acknowledged the subscription, so a script can
 * wait for that line before it starts publishing.
 *
 * Uses only the libmosquitto 2.0 API, so it builds against Culex or libmosquitto alike:
 *   cc -Wall -Wextra subscriber.c -lmosquitto
 */
#include <mosquitto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct subscriber {
    const char *topic;
    int qos;
    int limit;    /* stop after this many messages; 0 = run forever */
    int received;
    int failed;
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct subscriber *sub = obj;

    if (rc != 0) {
        fprintf(stderr, "connect refused: %s\n", mosquitto_connack_string(rc));
        sub->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    /* Subscribing here (rather than once before the loop) renews the subscription after a
     * reconnect too. */
    rc = mosquitto_subscribe(mosq, NULL, sub->topic, sub->qos);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "subscribe: %s\n", mosquitto_strerror(rc));
        sub->failed = 1;
        mosquitto_disconnect(mosq);
    }
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    struct subscriber *sub = obj;

    (void)mid;
    /* 128 (0x80) is the broker's "subscription refused". */
    if (qos_count < 1 || granted_qos[0] > 2) {
        fprintf(stderr, "subscription to %s refused\n", sub->topic);
        sub->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    fprintf(stderr, "subscribed\n");
}

/* msg belongs to the library and is freed when this function returns: copy what you keep. */
static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct subscriber *sub = obj;

    printf("%s %d %.*s\n", msg->topic, msg->qos, msg->payloadlen, (const char *)msg->payload);
    fflush(stdout);
    sub->received++;
    if (sub->limit > 0 && sub->received >= sub->limit) {
        mosquitto_disconnect(mosq);
    }
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    int port = 1883;
    struct subscriber sub = {.topic = "culex/example", .qos = 1};
    int opt;

    while ((opt = getopt(argc, argv, "h:p:t:q:C:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 't': sub.topic = optarg; break;
        case 'q': sub.qos = atoi(optarg); break;
        case 'C': sub.limit = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-h host] [-p port] [-t topic] [-q qos] [-C count]\n", argv[0]);
            return 2;
        }
    }
    if (sub.qos < 0 || sub.qos > 2 || sub.limit < 0) {
        fprintf(stderr, "qos must be 0, 1 or 2 and count not negative\n");
        return 2;
    }

    mosquitto_lib_init();

    struct mosquitto *mosq = mosquitto_new(NULL, true, &sub);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);

    int rc = mosquitto_connect(mosq, host, port, 60);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    /* Blocks, reconnecting if the connection drops, until mosquitto_disconnect() is called. */
    rc = mosquitto_loop_forever(mosq, -1, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "loop: %s\n", mosquitto_strerror(rc));
        sub.failed = 1;
    }

    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return sub.failed ? 1 : 0;
}
