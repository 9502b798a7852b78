/*
 * external_loop.c: drive the client from the application's own poll() loop, as an event-loop
 * host (epoll, libuv, ...) would. The library never blocks and never starts a thread:
 *
 *   mosquitto_socket()      the fd to watch
 *   mosquitto_want_write()  true while outgoing data is queued: watch for POLLOUT too
 *   mosquitto_loop_read()   call when the fd is readable
 *   mosquitto_loop_write()  call when the fd is writable
 *   mosquitto_loop_misc()   call regularly (at least once a second): keepalive pings, retries
 *
 * The client subscribes to a topic, publishes -n messages to it, and exits once it has received
 * them all back.
 *
 *   external_loop [-h host] [-p port] [-t topic] [-q qos] [-n count]
 *
 * Uses only the libmosquitto 2.0 API, so it builds against Culex or libmosquitto alike:
 *   cc -Wall -Wextra external_loop.c -lmosquitto
 */
#include <mosquitto.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct app {
    const char *topic;
    int qos;
    int count;
    int received;
    int done;   /* set once the connection is closed */
    int failed;
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct app *app = obj;

    if (rc != 0) {
        fprintf(stderr, "connect refused: %s\n", mosquitto_connack_string(rc));
        app->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    mosquitto_subscribe(mosq, NULL, app->topic, app->qos);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    struct app *app = obj;

    (void)mid;
    if (qos_count < 1 || granted_qos[0] > 2) {
        app->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    /* Subscribed: now publish. The packets are queued; want_write() turns true. */
    for (int i = 0; i < app->count; i++) {
        char payload[64];
        int len = snprintf(payload, sizeof payload, "external %d", i + 1);
        mosquitto_publish(mosq, NULL, app->topic, len, payload, app->qos, false);
    }
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct app *app = obj;

    printf("%s %d %.*s\n", msg->topic, msg->qos, msg->payloadlen, (const char *)msg->payload);
    fflush(stdout);
    if (++app->received == app->count) {
        mosquitto_disconnect(mosq);
    }
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    struct app *app = obj;

    (void)mosq;
    if (rc != 0) {
        fprintf(stderr, "connection lost: %s\n", mosquitto_strerror(rc));
        app->failed = 1;
    }
    app->done = 1;
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    int port = 1883;
    struct app app = {.topic = "culex/external", .qos = 1, .count = 10};
    int opt;

    while ((opt = getopt(argc, argv, "h:p:t:q:n:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 't': app.topic = optarg; break;
        case 'q': app.qos = atoi(optarg); break;
        case 'n': app.count = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-h host] [-p port] [-t topic] [-q qos] [-n count]\n", argv[0]);
            return 2;
        }
    }
    if (app.qos < 0 || app.qos > 2 || app.count < 1) {
        fprintf(stderr, "qos must be 0, 1 or 2 and count at least 1\n");
        return 2;
    }

    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(NULL, true, &app);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);

    /* Opens the TCP connection and queues CONNECT; everything else happens in the loop below. */
    int rc = mosquitto_connect(mosq, host, port, 60);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    time_t give_up = time(NULL) + 30;
    while (!app.done && time(NULL) < give_up) {
        int fd = mosquitto_socket(mosq);
        if (fd < 0) {
            break; /* connection closed */
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (mosquitto_want_write(mosq)) {
            pfd.events |= POLLOUT;
        }
        /* Wake at least once a second so loop_misc() can keep the connection alive. */
        if (poll(&pfd, 1, 1000) < 0) {
            perror("poll");
            break;
        }
        rc = MOSQ_ERR_SUCCESS;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            rc = mosquitto_loop_read(mosq, 1);
        }
        if (rc == MOSQ_ERR_SUCCESS && (pfd.revents & POLLOUT)) {
            rc = mosquitto_loop_write(mosq, 1);
        }
        if (rc == MOSQ_ERR_SUCCESS) {
            rc = mosquitto_loop_misc(mosq);
        }
        if (rc != MOSQ_ERR_SUCCESS && !app.done) {
            /* A real application could call mosquitto_reconnect() here. */
            fprintf(stderr, "network: %s\n", mosquitto_strerror(rc));
            app.failed = 1;
            break;
        }
    }
    printf("received %d of %d\n", app.received, app.count);

    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return (!app.failed && app.received == app.count) ? 0 : 1;
}
