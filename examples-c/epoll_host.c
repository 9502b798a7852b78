/*
 * epoll_host.c: an event-loop host (epoll here; libuv, libevent or a GUI loop alike) that learns
 * everything about the client's socket from Culex's socket callbacks and never asks
 * mosquitto_want_write():
 *
 *   on_socket_open(fd)              add fd to the epoll set, for reading
 *   on_socket_register_write(fd)    the client has bytes to write: watch fd for writing too
 *   on_socket_unregister_write(fd)  all written: back to reading only
 *   on_socket_close(fd)             fd is closed: forget it
 *
 * and calls mosquitto_loop_read() / mosquitto_loop_write() when epoll says so, and
 * mosquitto_loop_misc() at least once a second (keepalive). A lost connection is taken up again
 * with mosquitto_reconnect_async(); each failed attempt is reported by on_connect_fail.
 *
 * The client subscribes to a topic, publishes -n messages to it, and exits once it has received
 * them all back.
 *
 *   epoll_host [-h host] [-p port] [-t topic] [-q qos] [-n count]
 *
 * Culex only (culex.h): cc -Wall -Wextra epoll_host.c -lculex
 */
#include <culex.h>
#include <mosquitto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct app {
    int epoll;
    int fd;          /* the client's socket, -1 while there is none */
    const char *topic;
    int qos;
    int count;
    int received;
    int writes;      /* how often the client asked to be watched for writing */
    int done;
    int failed;
};

/* Change what epoll watches on `fd`. */
static void watch(struct app *app, int op, int fd, unsigned events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(app->epoll, op, fd, &ev) != 0 && op != EPOLL_CTL_DEL) {
        perror("epoll_ctl");
        app->failed = 1;
    }
}

static void on_socket_open(struct mosquitto *mosq, void *obj, int fd)
{
    struct app *app = obj;

    (void)mosq;
    app->fd = fd;
    watch(app, EPOLL_CTL_ADD, fd, EPOLLIN);
}

static void on_socket_register_write(struct mosquitto *mosq, void *obj, int fd)
{
    struct app *app = obj;

    (void)mosq;
    app->writes++;
    watch(app, EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLOUT);
}

static void on_socket_unregister_write(struct mosquitto *mosq, void *obj, int fd)
{
    struct app *app = obj;

    (void)mosq;
    watch(app, EPOLL_CTL_MOD, fd, EPOLLIN);
}

static void on_socket_close(struct mosquitto *mosq, void *obj, int fd)
{
    struct app *app = obj;

    (void)mosq;
    /* The descriptor is closed already, so the kernel has dropped it from the set; the DEL
     * only keeps the bookkeeping honest and may fail harmlessly. */
    watch(app, EPOLL_CTL_DEL, fd, 0);
    app->fd = -1;
}

static void on_connect_fail(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    (void)obj;
    fprintf(stderr, "connection attempt failed: %s\n", mosquitto_strerror(rc));
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct app *app = obj;

    if (rc != 0) {
        fprintf(stderr, "connect refused: %s\n", mosquitto_connack_string(rc));
        app->failed = 1;
        mosquitto_disconnect(mosq);
        return;
    }
    if (culex_socket_state(mosq) != CULEX_SOCKET_CONNECTED) {
        fprintf(stderr, "on_connect, but the socket state is %d\n", culex_socket_state(mosq));
        app->failed = 1;
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
    /* Queued here; on_socket_register_write tells the host to watch for writing. */
    for (int i = 0; i < app->count; i++) {
        char payload[64];
        int len = snprintf(payload, sizeof payload, "epoll %d", i + 1);
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

    if (rc == 0) {
        app->done = 1; /* our own disconnect */
        return;
    }
    fprintf(stderr, "connection lost (%s), reconnecting\n", mosquitto_strerror(rc));
    mosquitto_reconnect_async(mosq);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    int port = 1883;
    struct app app = {.fd = -1, .topic = "culex/epoll", .qos = 1, .count = 10};
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
    app.epoll = epoll_create1(EPOLL_CLOEXEC);
    if (app.epoll < 0) {
        perror("epoll_create1");
        return 1;
    }

    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(NULL, true, &app);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    /* Before connecting: the socket opens inside the connect call. */
    culex_socket_open_callback_set(mosq, on_socket_open);
    culex_socket_register_write_callback_set(mosq, on_socket_register_write);
    culex_socket_unregister_write_callback_set(mosq, on_socket_unregister_write);
    culex_socket_close_callback_set(mosq, on_socket_close);
    culex_connect_fail_callback_set(mosq, on_connect_fail);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);

    int rc = mosquitto_connect_async(mosq, host, port, 60);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    double give_up = now_s() + 30;
    while (!app.done && !app.failed && now_s() < give_up) {
        struct epoll_event events[4];
        /* Wake at least once a second for loop_misc(): keepalive, and finishing the connect
         * while the host name is looked up (there is no socket to watch yet). */
        int n = epoll_wait(app.epoll, events, 4, app.fd < 0 ? 50 : 1000);
        if (n < 0) {
            perror("epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.fd != app.fd) {
                continue; /* closed by an earlier event of this round */
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                mosquitto_loop_read(mosq, 1);
            }
            if (app.fd >= 0 && (events[i].events & EPOLLOUT)) {
                mosquitto_loop_write(mosq, 1);
            }
        }
        mosquitto_loop_misc(mosq);
    }
    printf("received %d of %d (asked to watch for writing %d times)\n", app.received, app.count, app.writes);

    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    close(app.epoll);
    return (!app.failed && app.received == app.count && app.writes > 0) ? 0 : 1;
}
