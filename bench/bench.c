/*
 * bench.c: Culex's benchmark client. Uses only the libmosquitto 2.0 API, and is compiled twice from
 * this one source: against Culex (include/ + libculex.so) and against Debian's libmosquitto.
 * bench/run.sh drives it; every scenario prints one line
 *
 *   RESULT scenario=<name> key=value key=value ...
 *
 * with CPU time from getrusage() of this process as the main figure. Scenarios:
 *
 *   pub      publish -n messages of -s bytes at QoS -q, at most -w unacknowledged (QoS 0: at most -w
 *            not yet reported written by on_publish); an application poll() loop around the
 *            external-loop calls drives the connection (see external_step()).
 *   recv     subscribe to the sink's flood topic bench/flood/<n>/<s>/<w> at QoS -q and receive it;
 *            mosquitto_loop() drives the connection. With -P port, the messages come through a
 *            real broker instead: a child process (its CPU is not counted) publishes them over
 *            plain TCP to that port, at most -w unacknowledged, once we are subscribed.
 *   rtt      through a real broker: publish one message to a topic we subscribe to, wait for it,
 *            repeat -n times (TCP_NODELAY on); round-trip p50/p99; mosquitto_loop() drives it.
 *   idle     -c clients in this process on this thread, driven through the external-loop calls
 *            (mosquitto_socket/want_write/loop_read/loop_write/loop_misc) with epoll; RSS growth
 *            per connection and the time until every CONNACK has arrived.
 *   cpuidle  one client connected with keepalive -k on the library's own thread (loop_start),
 *            otherwise idle for -d seconds: CPU used and context switches (wake-ups).
 *   limit    no library at all: pre-encoded QoS 0 PUBLISH packets written to the sink in large
 *            batches over a raw socket, the most any client could reach here.
 *
 *   bench <scenario> [-h host] [-p port] [-q qos] [-s size] [-n count] [-w window] [-c clients]
 *                    [-k keepalive] [-d seconds] [-V 4|5] [-t seconds-limit] [-W] [-P port]
 *
 * -W: the measured client speaks MQTT over WebSockets (culex_transport_set; built against Culex
 * only, with -DBENCH_CULEX: libmosquitto 2.0 has no WebSocket client).
 *
 * Every wait is bounded by -t (default 120 s); on a timeout or error the program prints why and
 * exits non-zero.
 */
#define _GNU_SOURCE
#include <mosquitto.h>
#ifdef BENCH_CULEX
#include <culex.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct config {
    const char *scenario;
    const char *host;
    int port;
    int qos;
    int size;
    long count;
    int window;
    int clients;
    int keepalive;
    double duration;
    int version;
    double time_limit;
    int websockets;
    int feed_port;
};

static struct config cfg = {
    .host = "127.0.0.1", .port = 1883, .qos = 0, .size = 64, .count = 100000, .window = 100,
    .clients = 1000, .keepalive = 60, .duration = 60, .version = 4, .time_limit = 120,
};

/* ---------------------------------------------------------------- measuring */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sample {
    double wall;
    double cpu;   /* user + system seconds */
    long nvcsw;   /* voluntary context switches */
    long nivcsw;  /* involuntary context switches */
    long maxrss;  /* KiB */
};

static struct sample sample(void)
{
    struct rusage ru;
    struct sample s;
    getrusage(RUSAGE_SELF, &ru);
    s.wall = now_s();
    s.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
          + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    s.nvcsw = ru.ru_nvcsw;
    s.nivcsw = ru.ru_nivcsw;
    s.maxrss = ru.ru_maxrss;
    return s;
}

/* Current resident set size in bytes (not the peak). */
static long current_rss(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) {
        return -1;
    }
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) {
        pages_resident = -1;
    }
    fclose(f);
    return pages_resident * sysconf(_SC_PAGESIZE);
}

static void fail(const char *what, int rc)
{
    fprintf(stderr, "bench %s: %s: %s\n", cfg.scenario, what, rc ? mosquitto_strerror(rc) : "failed");
    exit(1);
}

static void print_throughput(const struct sample *a, const struct sample *b, long messages)
{
    double cpu = b->cpu - a->cpu, wall = b->wall - a->wall;
    printf("RESULT scenario=%s qos=%d size=%d count=%ld cpu_us_per_msg=%.4f msgs_per_s=%.0f "
           "maxrss_kb=%ld wall_s=%.3f cpu_s=%.3f\n",
           cfg.scenario, cfg.qos, cfg.size, messages, cpu * 1e6 / (double)messages,
           (double)messages / (wall > 0 ? wall : 1e-9), b->maxrss, wall, cpu);
}

/* ---------------------------------------------------------------- one client */

struct client {
    volatile int connected;
    volatile int subscribed;
    volatile int disconnected;
    int connack_rc;
    long published;   /* on_publish callbacks */
    long received;    /* on_message callbacks */
    long bad;         /* messages of the wrong size */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static void client_init(struct client *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
}

static void signal_client(struct client *c)
{
    pthread_mutex_lock(&c->lock);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct client *c = obj;
    (void)mosq;
    c->connack_rc = rc;
    c->connected = rc == 0 ? 1 : -1;
    signal_client(c);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    struct client *c = obj;
    (void)mosq;
    (void)rc;
    c->disconnected = 1;
    signal_client(c);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    struct client *c = obj;
    (void)mosq;
    (void)mid;
    c->published++;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    struct client *c = obj;
    (void)mosq;
    (void)mid;
    c->subscribed = (count == 1 && granted[0] <= 2) ? 1 : -1;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct client *c = obj;
    (void)mosq;
    if (msg->payloadlen != cfg.size) {
        c->bad++;
    }
    c->received++;
}

static struct mosquitto *new_client(struct client *c, int nodelay)
{
    struct mosquitto *mosq = mosquitto_new(NULL, true, c);
    if (!mosq) {
        fail("mosquitto_new", 0);
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_publish_callback_set(mosq, on_publish);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    int rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
                                  cfg.version == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
    if (rc) {
        fail("protocol version option", rc);
    }
    if (cfg.version == 5 && (rc = mosquitto_int_option(mosq, MOSQ_OPT_RECEIVE_MAXIMUM, cfg.window)) != 0) {
        fail("receive maximum option", rc);
    }
    rc = mosquitto_max_inflight_messages_set(mosq, (unsigned)cfg.window);
    if (rc) {
        fail("max_inflight_messages_set", rc);
    }
    if (nodelay && (rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1)) != 0) {
        fail("TCP_NODELAY option", rc);
    }
    if (cfg.websockets) {
#ifdef BENCH_CULEX
        if ((rc = culex_transport_set(mosq, CULEX_TRANSPORT_WEBSOCKETS)) != 0) {
            fail("culex_transport_set", rc);
        }
#else
        fprintf(stderr, "bench: -W needs Culex (libmosquitto 2.0 has no WebSocket client)\n");
        exit(2);
#endif
    }
    return mosq;
}

/* Step the loop until *flag is non-zero (or the time limit passes). */
static void loop_until(struct mosquitto *mosq, volatile int *flag, const char *what)
{
    double deadline = now_s() + cfg.time_limit;
    while (!*flag) {
        int rc = mosquitto_loop(mosq, 100, 1);
        if (rc) {
            fail(what, rc);
        }
        if (now_s() > deadline) {
            fprintf(stderr, "bench %s: %s: timed out\n", cfg.scenario, what);
            exit(1);
        }
    }
}

static struct mosquitto *connect_client(struct client *c, int nodelay)
{
    struct mosquitto *mosq = new_client(c, nodelay);
    int rc = mosquitto_connect(mosq, cfg.host, cfg.port, cfg.keepalive);
    if (rc) {
        fail("connect", rc);
    }
    loop_until(mosq, &c->connected, "waiting for CONNACK");
    if (c->connected < 0) {
        fail("CONNACK refused", 0);
    }
    return mosq;
}

static void disconnect_client(struct mosquitto *mosq, struct client *c)
{
    int rc = mosquitto_disconnect(mosq);
    if (rc == MOSQ_ERR_SUCCESS) {
        double deadline = now_s() + 5;
        while (!c->disconnected && now_s() < deadline) {
            if (mosquitto_loop(mosq, 100, 1) != MOSQ_ERR_SUCCESS) {
                break;
            }
        }
    }
    mosquitto_destroy(mosq);
}

/* One step of an application's own poll() loop around the external-loop calls: wait for the
 * socket (readable, and writable while want_write), then loop_read/loop_write; loop_misc about
 * once a second. */
static void external_step(struct mosquitto *mosq, int timeout_ms)
{
    static double next_misc;
    struct pollfd pfd = {.fd = mosquitto_socket(mosq), .events = POLLIN};
    if (pfd.fd < 0) {
        fail("socket", MOSQ_ERR_NO_CONN);
    }
    if (mosquitto_want_write(mosq)) {
        pfd.events |= POLLOUT;
    }
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0 && errno != EINTR) {
        perror("poll");
        exit(1);
    }
    int rc;
    if (n > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) && (rc = mosquitto_loop_read(mosq, 1)) != 0) {
        fail("loop_read", rc);
    }
    if (n > 0 && (pfd.revents & POLLOUT) && (rc = mosquitto_loop_write(mosq, 1)) != 0) {
        fail("loop_write", rc);
    }
    double t = now_s();
    if (t >= next_misc) {
        if ((rc = mosquitto_loop_misc(mosq)) != 0) {
            fail("loop_misc", rc);
        }
        next_misc = t + 1;
    }
}

static void make_payload(char *p, int size)
{
    for (int i = 0; i < size; i++) {
        p[i] = (char)('a' + i % 26);
    }
}

/* ---------------------------------------------------------------- scenarios */

/* Publish cfg.count messages to `topic`, at most cfg.window unacknowledged; 0 once all are. */
static int publish_all(struct mosquitto *mosq, struct client *c, const char *topic)
{
    char *payload = malloc((size_t)cfg.size + 1);
    make_payload(payload, cfg.size);
    double deadline = now_s() + cfg.time_limit;
    long sent = 0;
    while (c->published < cfg.count) {
        while (sent < cfg.count && sent - c->published < cfg.window) {
            int rc = mosquitto_publish(mosq, NULL, topic, cfg.size, payload, cfg.qos, false);
            if (rc) {
                fail("publish", rc);
            }
            sent++;
        }
        if (c->published >= cfg.count) {
            break;
        }
        external_step(mosq, 1000);
        if (c->published < cfg.count && now_s() > deadline) {
            fprintf(stderr, "bench %s: timeout with %ld of %ld acknowledged\n", cfg.scenario, c->published,
                    cfg.count);
            free(payload);
            return 1;
        }
    }
    free(payload);
    return 0;
}

/* The child process of `recv -P`: wait for the parent's go (one byte on `go`), then publish the
 * messages over plain TCP to the broker at cfg.feed_port. */
static void feed(int go, const char *topic)
{
    char byte;
    if (read(go, &byte, 1) != 1) {
        _exit(1);
    }
    cfg.websockets = 0;
    cfg.port = cfg.feed_port;
    struct client c;
    client_init(&c);
    struct mosquitto *mosq = connect_client(&c, 0);
    int status = publish_all(mosq, &c, topic);
    disconnect_client(mosq, &c);
    _exit(status);
}

static int scenario_pub(void)
{
    struct client c;
    client_init(&c);
    struct mosquitto *mosq = connect_client(&c, 0);
    char topic[64];
    snprintf(topic, sizeof topic, "bench/pub/%d", (int)getpid());
    struct sample a = sample();
    if (publish_all(mosq, &c, topic)) {
        return 1;
    }
    struct sample b = sample();
    print_throughput(&a, &b, cfg.count);
    disconnect_client(mosq, &c);
    return 0;
}

static int scenario_recv(void)
{
    char topic[96];
    if (cfg.feed_port) {
        snprintf(topic, sizeof topic, "bench/feed/%d", (int)getpid());
    } else {
        snprintf(topic, sizeof topic, "bench/flood/%ld/%d/%d", cfg.count, cfg.size, cfg.window);
    }
    int go[2] = {-1, -1};
    pid_t feeder = -1;
    if (cfg.feed_port) {
        if (pipe(go) != 0 || (feeder = fork()) < 0) {
            perror("bench recv: feeder");
            return 1;
        }
        if (feeder == 0) {
            close(go[1]);
            feed(go[0], topic);
        }
        close(go[0]);
    }
    struct client c;
    client_init(&c);
    struct mosquitto *mosq = connect_client(&c, 0);

    double deadline = now_s() + cfg.time_limit;
    struct sample a = sample();
    int rc = mosquitto_subscribe(mosq, NULL, topic, cfg.qos);
    if (rc) {
        fail("subscribe", rc);
    }
    if (cfg.feed_port) {
        loop_until(mosq, &c.subscribed, "waiting for SUBACK");
        if (write(go[1], "g", 1) != 1) {
            perror("bench recv: starting the feeder");
            return 1;
        }
        close(go[1]);
    }
    while (c.received < cfg.count) {
        rc = mosquitto_loop(mosq, 1000, 1);
        if (rc) {
            fail("loop", rc);
        }
        if (now_s() > deadline) {
            fprintf(stderr, "bench recv: timeout with %ld of %ld received\n", c.received, cfg.count);
            return 1;
        }
    }
    struct sample b = sample();
    if (c.bad || c.subscribed != 1) {
        fprintf(stderr, "bench recv: %ld messages of the wrong size, subscribed=%d\n", c.bad, c.subscribed);
        return 1;
    }
    print_throughput(&a, &b, cfg.count);
    disconnect_client(mosq, &c);
    if (feeder > 0) {
        int status = 0;
        if (waitpid(feeder, &status, 0) != feeder || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench recv: the feeder failed\n");
            return 1;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int scenario_rtt(void)
{
    struct client c;
    client_init(&c);
    struct mosquitto *mosq = connect_client(&c, 1);
    char *payload = malloc((size_t)cfg.size + 1);
    make_payload(payload, cfg.size);
    char topic[64];
    snprintf(topic, sizeof topic, "bench/rtt/%d", (int)getpid());
    int rc = mosquitto_subscribe(mosq, NULL, topic, cfg.qos);
    if (rc) {
        fail("subscribe", rc);
    }
    loop_until(mosq, &c.subscribed, "waiting for SUBACK");

    long warmup = cfg.count / 10 < 100 ? cfg.count / 10 : 100;
    long total = cfg.count + warmup;
    double *rtt = calloc((size_t)cfg.count, sizeof *rtt);
    double deadline = now_s() + cfg.time_limit;
    struct sample a = sample();
    for (long i = 0; i < total; i++) {
        if (i == warmup) {
            a = sample();
        }
        double t0 = now_s();
        rc = mosquitto_publish(mosq, NULL, topic, cfg.size, payload, cfg.qos, false);
        if (rc) {
            fail("publish", rc);
        }
        while (c.received <= i) {
            rc = mosquitto_loop(mosq, 1000, 1);
            if (rc) {
                fail("loop", rc);
            }
            if (now_s() > deadline) {
                fprintf(stderr, "bench rtt: timeout after %ld round trips\n", i);
                return 1;
            }
        }
        if (i >= warmup) {
            rtt[i - warmup] = now_s() - t0;
        }
    }
    struct sample b = sample();
    qsort(rtt, (size_t)cfg.count, sizeof *rtt, cmp_double);
    double p50 = rtt[cfg.count / 2], p99 = rtt[(cfg.count * 99) / 100];
    printf("RESULT scenario=rtt qos=%d size=%d count=%ld p50_us=%.2f p99_us=%.2f cpu_us_per_msg=%.4f "
           "msgs_per_s=%.0f maxrss_kb=%ld\n",
           cfg.qos, cfg.size, cfg.count, p50 * 1e6, p99 * 1e6, (b.cpu - a.cpu) * 1e6 / (double)cfg.count,
           (double)cfg.count / (b.wall - a.wall), b.maxrss);
    free(rtt);
    free(payload);
    disconnect_client(mosq, &c);
    return 0;
}

struct idle_slot {
    struct mosquitto *mosq;
    struct client state;
    int fd;            /* registered socket, -1 if none */
    uint32_t events;   /* registered interest */
};

/* Room for `want` descriptors: above the hard limit when privileged (libmosquitto uses three
 * descriptors per client: its socket and a socketpair for wake-ups), else up to the hard limit. */
static void raise_fd_limit(rlim_t want)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= want) {
        return;
    }
    struct rlimit more = {.rlim_cur = want, .rlim_max = want > lim.rlim_max ? want : lim.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &more) != 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

/* Keep the epoll registration of one client in step with its socket and want_write. */
static void idle_watch(int ep, struct idle_slot *s, uint32_t index)
{
    int fd = mosquitto_socket(s->mosq);
    uint32_t want = EPOLLIN | (mosquitto_want_write(s->mosq) ? EPOLLOUT : 0);
    if (fd != s->fd) {
        if (s->fd >= 0) {
            epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
        }
        s->fd = fd;
        s->events = 0;
        if (fd < 0) {
            return;
        }
        struct epoll_event ev = {.events = want, .data.u32 = index};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            perror("epoll_ctl add");
            exit(1);
        }
        s->events = want;
    } else if (fd >= 0 && want != s->events) {
        struct epoll_event ev = {.events = want, .data.u32 = index};
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        s->events = want;
    }
}

static int scenario_idle(void)
{
    int n = cfg.clients;
    raise_fd_limit((rlim_t)n * 3 + 64);
    struct idle_slot *slots = calloc((size_t)n, sizeof *slots);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event events[512];
    /* Touch everything the measurement itself needs before the baseline. */
    for (int i = 0; i < n; i++) {
        slots[i].fd = -1;
    }
    long rss0 = current_rss();
    struct sample a = sample();
    double deadline = a.wall + cfg.time_limit;
    int connected = 0, created = 0;
    double next_misc = a.wall + 1;
    while (connected < n) {
        /* Open new connections in bursts of 256 between event-loop passes. */
        for (int burst = 0; burst < 256 && created < n; burst++, created++) {
            struct idle_slot *s = &slots[created];
            client_init(&s->state);
            s->fd = -1;
            s->mosq = mosquitto_new(NULL, true, &s->state);
            if (!s->mosq) {
                fail("mosquitto_new", 0);
            }
            mosquitto_connect_callback_set(s->mosq, on_connect);
            mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
            int rc = mosquitto_connect_async(s->mosq, cfg.host, cfg.port, cfg.keepalive);
            if (rc) {
                fprintf(stderr, "bench idle: connect_async of client %d: %s\n", created, mosquitto_strerror(rc));
                return 1;
            }
            idle_watch(ep, s, (uint32_t)created);
        }
        int ready = epoll_wait(ep, events, 512, created < n ? 0 : 100);
        for (int e = 0; e < ready; e++) {
            uint32_t i = events[e].data.u32;
            struct idle_slot *s = &slots[i];
            int was = s->state.connected;
            if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                mosquitto_loop_read(s->mosq, 1);
            }
            if (events[e].events & EPOLLOUT) {
                mosquitto_loop_write(s->mosq, 1);
            }
            if (s->state.connected < 0) {
                fprintf(stderr, "bench idle: client %u refused\n", i);
                return 1;
            }
            if (!was && s->state.connected) {
                connected++;
            }
            idle_watch(ep, s, i);
        }
        double t = now_s();
        if (t >= next_misc) {
            /* Keepalive duty, as an external-loop host must do at least once a second; also picks
             * up sockets that appeared late. */
            for (int i = 0; i < created; i++) {
                mosquitto_loop_misc(slots[i].mosq);
                idle_watch(ep, &slots[i], (uint32_t)i);
            }
            next_misc = t + 1;
        }
        if (t > deadline) {
            fprintf(stderr, "bench idle: timeout with %d of %d connected\n", connected, n);
            return 1;
        }
    }
    struct sample b = sample();
    long rss1 = current_rss();
    printf("RESULT scenario=idle clients=%d rss_per_conn_bytes=%.0f connect_all_ms=%.1f cpu_us_per_conn=%.2f "
           "maxrss_kb=%ld\n",
           n, (double)(rss1 - rss0) / n, (b.wall - a.wall) * 1e3, (b.cpu - a.cpu) * 1e6 / n, b.maxrss);
    fflush(stdout);
    /* Disconnect cleanly and let the sink close first, so that TIME_WAIT stays on its side and
     * does not eat this machine's ephemeral ports. */
    int closed = 0;
    for (int i = 0; i < n; i++) {
        if (mosquitto_disconnect(slots[i].mosq) != MOSQ_ERR_SUCCESS) {
            slots[i].state.disconnected = 1;
        }
        closed += slots[i].state.disconnected;
        idle_watch(ep, &slots[i], (uint32_t)i);
    }
    deadline = now_s() + 20;
    while (closed < n && now_s() < deadline) {
        int ready = epoll_wait(ep, events, 512, 100);
        for (int e = 0; e < ready; e++) {
            uint32_t i = events[e].data.u32;
            struct idle_slot *s = &slots[i];
            int was = s->state.disconnected;
            if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                mosquitto_loop_read(s->mosq, 1);
            }
            if (events[e].events & EPOLLOUT) {
                mosquitto_loop_write(s->mosq, 1);
            }
            closed += !was && s->state.disconnected;
            idle_watch(ep, s, i);
        }
    }
    for (int i = 0; i < n; i++) {
        mosquitto_destroy(slots[i].mosq);
    }
    close(ep);
    free(slots);
    return 0;
}

static int scenario_cpuidle(void)
{
    struct client c;
    client_init(&c);
    struct mosquitto *mosq = new_client(&c, 0);
    int rc = mosquitto_connect(mosq, cfg.host, cfg.port, cfg.keepalive);
    if (rc) {
        fail("connect", rc);
    }
    rc = mosquitto_loop_start(mosq);
    if (rc) {
        fail("loop_start", rc);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)cfg.time_limit;
    pthread_mutex_lock(&c.lock);
    while (!c.connected) {
        if (pthread_cond_timedwait(&c.cond, &c.lock, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&c.lock);
            fail("waiting for CONNACK", 0);
        }
    }
    pthread_mutex_unlock(&c.lock);
    if (c.connected < 0) {
        fail("CONNACK refused", 0);
    }
    struct sample a = sample();
    struct timespec pause = {.tv_sec = (time_t)cfg.duration,
                             .tv_nsec = (long)((cfg.duration - (double)(time_t)cfg.duration) * 1e9)};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
    struct sample b = sample();
    int still = c.connected == 1 && !c.disconnected;
    /* Context switches of the whole process; the main thread's own sleep accounts for one. */
    long wakeups = (b.nvcsw - a.nvcsw) + (b.nivcsw - a.nivcsw) - 1;
    printf("RESULT scenario=cpuidle seconds=%.1f keepalive=%d cpu_us=%.0f wakeups=%ld wakeups_per_s=%.2f "
           "maxrss_kb=%ld\n",
           b.wall - a.wall, cfg.keepalive, (b.cpu - a.cpu) * 1e6, wakeups, (double)wakeups / (b.wall - a.wall),
           b.maxrss);
    fflush(stdout);
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    if (!still) {
        fprintf(stderr, "bench cpuidle: the connection dropped while idle\n");
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the limit: no library */

static void write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("bench limit: write");
            exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
}

static void read_exact(int fd, unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            fprintf(stderr, "bench limit: read: %s\n", n == 0 ? "connection closed" : strerror(errno));
            exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
}

static size_t put_varint(unsigned char *p, size_t n)
{
    size_t i = 0;
    do {
        unsigned char b = n % 128;
        n /= 128;
        p[i++] = b | (n ? 0x80 : 0);
    } while (n);
    return i;
}

static int scenario_limit(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port)};
    inet_pton(AF_INET, cfg.host, &addr.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("bench limit: connect");
        return 1;
    }
    static const unsigned char connect_pkt[] = {0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 2, 'l', 'm'};
    write_all(fd, connect_pkt, sizeof connect_pkt);
    unsigned char connack[4];
    read_exact(fd, connack, sizeof connack);
    if (connack[0] != 0x20 || connack[3] != 0) {
        fprintf(stderr, "bench limit: bad CONNACK\n");
        return 1;
    }
    /* One PUBLISH, then as many copies as fill 256 KiB. */
    static const char topic[] = "bench/limit";
    size_t body = 2 + strlen(topic) + (size_t)cfg.size;
    unsigned char *one = malloc(body + 8);
    size_t hdr = 1 + put_varint(one + 1, body);
    one[0] = 0x30;
    one[hdr] = 0;
    one[hdr + 1] = (unsigned char)strlen(topic);
    memcpy(one + hdr + 2, topic, strlen(topic));
    make_payload((char *)one + hdr + 2 + strlen(topic), cfg.size);
    size_t plen = hdr + body;
    size_t per_batch = (256 * 1024) / plen ? (256 * 1024) / plen : 1;
    unsigned char *batch = malloc(per_batch * plen);
    for (size_t i = 0; i < per_batch; i++) {
        memcpy(batch + i * plen, one, plen);
    }
    struct sample a = sample();
    long left = cfg.count;
    while (left > 0) {
        size_t k = (size_t)left < per_batch ? (size_t)left : per_batch;
        write_all(fd, batch, k * plen);
        left -= (long)k;
    }
    /* A PINGRESP after the last PUBLISH: the sink has read everything. */
    static const unsigned char ping[] = {0xc0, 0};
    write_all(fd, ping, sizeof ping);
    unsigned char pong[2];
    read_exact(fd, pong, sizeof pong);
    struct sample b = sample();
    if (pong[0] != 0xd0) {
        fprintf(stderr, "bench limit: expected PINGRESP\n");
        return 1;
    }
    print_throughput(&a, &b, cfg.count);
    close(fd);
    free(batch);
    free(one);
    return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr, "usage: bench pub|recv|rtt|idle|cpuidle|limit [-h host] [-p port] [-q qos] [-s size]\n"
                    "       [-n count] [-w window] [-c clients] [-k keepalive] [-d seconds] [-V 4|5]\n"
                    "       [-t time-limit-seconds] [-W] [-P feed-port]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
    }
    cfg.scenario = argv[1];
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "h:p:q:s:n:w:c:k:d:V:t:WP:")) != -1) {
        switch (opt) {
        case 'h': cfg.host = optarg; break;
        case 'p': cfg.port = atoi(optarg); break;
        case 'q': cfg.qos = atoi(optarg); break;
        case 's': cfg.size = atoi(optarg); break;
        case 'n': cfg.count = atol(optarg); break;
        case 'w': cfg.window = atoi(optarg); break;
        case 'c': cfg.clients = atoi(optarg); break;
        case 'k': cfg.keepalive = atoi(optarg); break;
        case 'd': cfg.duration = atof(optarg); break;
        case 'V': cfg.version = atoi(optarg); break;
        case 't': cfg.time_limit = atof(optarg); break;
        case 'W': cfg.websockets = 1; break;
        case 'P': cfg.feed_port = atoi(optarg); break;
        default: usage();
        }
    }
    if (cfg.qos < 0 || cfg.qos > 2 || cfg.size < 0 || cfg.count < 1 || cfg.window < 1 || cfg.clients < 1) {
        usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    mosquitto_lib_init();
    int status;
    if (!strcmp(cfg.scenario, "pub")) {
        status = scenario_pub();
    } else if (!strcmp(cfg.scenario, "recv")) {
        status = scenario_recv();
    } else if (!strcmp(cfg.scenario, "rtt")) {
        status = scenario_rtt();
    } else if (!strcmp(cfg.scenario, "idle")) {
        status = scenario_idle();
    } else if (!strcmp(cfg.scenario, "cpuidle")) {
        status = scenario_cpuidle();
    } else if (!strcmp(cfg.scenario, "limit")) {
        status = scenario_limit();
    } else {
        usage();
        status = 2;
    }
    mosquitto_lib_cleanup();
    return status;
}
