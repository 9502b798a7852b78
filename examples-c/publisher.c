/*
 * publisher.c: connect, publish N messages at a chosen QoS, wait until the library reports each
 * one as published (PUBACK/PUBCOMP received for QoS 1/2, written to the socket for QoS 0), then
 * disconnect.
 *
 *   publisher [-h host] [-p port] [-t topic] [-q qos] [-n count] [-m text]
 *
 * Uses only the libmosquitto 2.0 API, so it builds against Culex or libmosquitto alike:
 *   cc -Wall -Wextra publisher.c -lmosquitto
 */
#include <mosquitto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct publisher {
    const char *topic;
    const char *text;
    int qos;
    int count;     /* messages to send */
    int published; /* on_publish calls seen so far */
    int failed;
};

/* Called from the network loop once the broker has answered our CONNECT. */
static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct publisher *pub = obj;

    if (rc != 0) {
        fprintf(stderr, "connect refused: %s\n", mosquitto_connack_string(rc));
        pub->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    /* Calling the API from inside a callback is allowed: queue every message now. */
    for (int i = 0; i < pub->count; i++) {
        char payload[256];
        int len = snprintf(payload, sizeof payload, "%s %d", pub->text, i + 1);
        rc = mosquitto_publish(mosq, NULL, pub->topic, len, payload, pub->qos, false);
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "publish: %s\n", mosquitto_strerror(rc));
            pub->failed = 1;
            mosquitto_disconnect(mosq);
            return;
        }
    }
}

/* Called once per message when its QoS flow has completed. */
static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct publisher *pub = obj;

    (void)mid;
    pub->published++;
    if (pub->published == pub->count) {
        mosquitto_disconnect(mosq); /* makes mosquitto_loop_forever() return */
    }
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    int port = 1883;
    struct publisher pub = {.topic = "culex/example", .text = "hello from culex", .qos = 1, .count = 10};
    int opt;

    while ((opt = getopt(argc, argv, "h:p:t:q:n:m:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 't': pub.topic = optarg; break;
        case 'q': pub.qos = atoi(optarg); break;
        case 'n': pub.count = atoi(optarg); break;
        case 'm': pub.text = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-h host] [-p port] [-t topic] [-q qos] [-n count] [-m text]\n",
                    argv[0]);
            return 2;
        }
    }
    if (pub.qos < 0 || pub.qos > 2 || pub.count < 1) {
        fprintf(stderr, "qos must be 0, 1 or 2 and count at least 1\n");
        return 2;
    }

    mosquitto_lib_init();

    /* NULL id: the library picks a random client id (needs clean_session = true). */
    struct mosquitto *mosq = mosquitto_new(NULL, true, &pub);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_publish_callback_set(mosq, on_publish);

    int rc = mosquitto_connect(mosq, host, port, 60);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    /* Run the network loop in this thread until mosquitto_disconnect() has been called. */
    rc = mosquitto_loop_forever(mosq, -1, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "loop: %s\n", mosquitto_strerror(rc));
        pub.failed = 1;
    }
    printf("published %d of %d messages at QoS %d to %s\n", pub.published, pub.count, pub.qos, pub.topic);

    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return (pub.failed || pub.published != pub.count) ? 1 : 0;
}
