/*
 * tls_epoll.c: a TLS client driven entirely by an epoll loop of this program, through the
 * external-loop calls (mosquitto_socket, mosquitto_want_write, mosquitto_loop_read/write/misc):
 * the TLS handshake after an asynchronous connect, 10,000 QoS 1 messages to itself, then 10 s
 * idle with a 5 s keepalive (the smallest libmosquitto accepts). The idle phase prints the CPU time used and fails above 0.2 s: the
 * loop must sleep in epoll_wait, not spin. Staying connected through it shows that keepalive
 * PINGREQs went out (the broker drops a client silent for 1.5 keepalives).
 *
 *   tls_epoll <host> <port> <cafile>
 *
 * Uses only the libmosquitto 2.0 API (builds against Culex or libmosquitto alike).
 */
#include "check.h"

#include <mosquitto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MESSAGES 10000
#define KEEPALIVE 5

static int connected = -1;
static int disconnected = -1;
static int published;
static int received;
static int subscribed;

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    (void)obj;
    connected = rc;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    (void)obj;
    disconnected = rc;
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    (void)mosq;
    (void)obj;
    (void)mid;
    published++;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    (void)mosq;
    (void)obj;
    (void)mid;
    (void)count;
    (void)granted;
    subscribed = 1;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    (void)mosq;
    (void)obj;
    (void)msg;
    received++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* The epoll state: the registered socket and its interest. */
static int ep = -1;
static int watched = -1;
static unsigned watched_events;
static double last_misc;
static long wakeups;

/* One turn of the loop: register the current socket with the right interest, wait up to
 * timeout_ms, and call loop_read / loop_write / loop_misc as needed. Returns the last error. */
static int turn(struct mosquitto *mosq, int timeout_ms)
{
    int fd = mosquitto_socket(mosq);
    unsigned want = EPOLLIN | (mosquitto_want_write(mosq) ? EPOLLOUT : 0u);
    if (fd != watched) {
        if (watched >= 0) {
            epoll_ctl(ep, EPOLL_CTL_DEL, watched, NULL);
        }
        watched = -1;
        if (fd >= 0) {
            struct epoll_event ev = {.events = want, .data.fd = fd};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0) {
                watched = fd;
                watched_events = want;
            }
        }
    } else if (fd >= 0 && want != watched_events) {
        struct epoll_event ev = {.events = want, .data.fd = fd};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        watched_events = want;
    }
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, timeout_ms);
    int rc = MOSQ_ERR_SUCCESS;
    if (n > 0) {
        wakeups++;
        if (got.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            rc = mosquitto_loop_read(mosq, 1);
        }
        if (rc == MOSQ_ERR_SUCCESS && (got.events & EPOLLOUT)) {
            rc = mosquitto_loop_write(mosq, 1);
        }
    }
    if (now_s() - last_misc >= 0.1) {
        int misc = mosquitto_loop_misc(mosq);
        if (rc == MOSQ_ERR_SUCCESS) {
            rc = misc;
        }
        last_misc = now_s();
    }
    return rc;
}

/* Turn until *flag reaches want or the deadline passes. */
static int run_until(struct mosquitto *mosq, const int *flag, int want, double seconds)
{
    double deadline = now_s() + seconds;
    while (*flag < want && now_s() < deadline) {
        int rc = turn(mosq, 100);
        if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
            fprintf(stderr, "tls_epoll: loop error %d (%s)\n", rc, mosquitto_strerror(rc));
            return rc;
        }
    }
    return *flag >= want ? MOSQ_ERR_SUCCESS : MOSQ_ERR_TIMEOUT;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tls_epoll <host> <port> <cafile>\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    mosquitto_lib_init();
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct mosquitto *mosq = mosquitto_new(NULL, true, NULL);
    CHECK(mosq != NULL);
    if (!mosq || ep < 0) {
        return check_report("tls_epoll");
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_publish_callback_set(mosq, on_publish);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    CHECK_RC(mosquitto_tls_set(mosq, argv[3], NULL, NULL, NULL, NULL), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_connect_async(mosq, host, port, KEEPALIVE), MOSQ_ERR_SUCCESS);

    /* The handshake and CONNACK, through the epoll loop only. */
    double cpu0 = cpu_s();
    CHECK_RC(run_until(mosq, &connected, 0, 10.0), MOSQ_ERR_SUCCESS);
    CHECK(connected == 0);
    CHECK(mosquitto_ssl_get(mosq) != NULL);
    printf("tls_epoll: connected over TLS after %.3f s CPU, %ld wake-ups\n", cpu_s() - cpu0,
           wakeups);

    /* 10,000 QoS 1 messages to ourselves. */
    CHECK_RC(mosquitto_subscribe(mosq, NULL, "culex/tls-epoll", 1), MOSQ_ERR_SUCCESS);
    CHECK_RC(run_until(mosq, &subscribed, 1, 10.0), MOSQ_ERR_SUCCESS);
    double t0 = now_s();
    char payload[64];
    for (int i = 0; i < MESSAGES; i++) {
        int len = snprintf(payload, sizeof payload, "message %d", i);
        int rc = mosquitto_publish(mosq, NULL, "culex/tls-epoll", len, payload, 1, false);
        if (rc != MOSQ_ERR_SUCCESS) {
            CHECK_RC(rc, MOSQ_ERR_SUCCESS);
            break;
        }
        if (i % 100 == 99) {
            turn(mosq, 0);
        }
    }
    CHECK_RC(run_until(mosq, &published, MESSAGES, 60.0), MOSQ_ERR_SUCCESS);
    CHECK_RC(run_until(mosq, &received, MESSAGES, 60.0), MOSQ_ERR_SUCCESS);
    CHECK(published == MESSAGES);
    CHECK(received == MESSAGES);
    printf("tls_epoll: %d QoS 1 messages published and received in %.2f s\n", received,
           now_s() - t0);

    /* Idle: 10 s with nothing to send but keepalive. */
    double idle_cpu0 = cpu_s();
    long idle_wakeups0 = wakeups;
    double idle_end = now_s() + 10.0;
    while (now_s() < idle_end) {
        int rc = turn(mosq, 1000);
        if (rc != MOSQ_ERR_SUCCESS) {
            CHECK_RC(rc, MOSQ_ERR_SUCCESS);
            break;
        }
    }
    double idle_cpu = cpu_s() - idle_cpu0;
    printf("tls_epoll: idle 10 s: %.3f s CPU, %ld socket wake-ups, still connected: %s\n",
           idle_cpu, wakeups - idle_wakeups0, disconnected < 0 ? "yes" : "no");
    CHECK(idle_cpu < 0.2);
    CHECK(disconnected < 0);
    /* Keepalive: about one PINGRESP per keepalive period woke the socket. */
    CHECK(wakeups - idle_wakeups0 >= 10 / KEEPALIVE - 1);

    CHECK_RC(mosquitto_disconnect(mosq), MOSQ_ERR_SUCCESS);
    run_until(mosq, &disconnected, 0, 5.0);
    CHECK(disconnected == 0);
    mosquitto_destroy(mosq);
    close(ep);
    mosquitto_lib_cleanup();
    return check_report("tls_epoll");
}
