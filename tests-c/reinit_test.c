/*
 * reinit_test.c: mosquitto_reinitialise() while the mosquitto_loop_start() thread is delivering
 * messages.
 *
 * A publisher client feeds a topic at QoS 0 from a thread of this program, never more than
 * WINDOW messages ahead of what the subscriber has received. The subscriber runs its own loop
 * thread; its on_message callback calls back into the library (mosquitto_userdata,
 * mosquitto_want_write) on every message, so the handle is in use on that thread at any moment.
 * While messages flow, the main thread calls mosquitto_reinitialise() on the subscriber. The call
 * must return MOSQ_ERR_SUCCESS with no callback left running, give the handle its new user data,
 * and leave a handle that connects, subscribes and receives again; ROUNDS times.
 *
 *   reinit_test [host] [port]      (defaults: 127.0.0.1 and $CULEX_BROKER_PORT)
 *
 * Run by ctest through scripts/with-broker.sh, also under valgrind and AddressSanitizer, and
 * against Debian's libmosquitto as the reference.
 */
#include "check.h"

#include <mosquitto.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5
/* Messages the subscriber must have received in a round before it is reinitialised. */
#define WANT 50
/* How far the publisher may run ahead of the subscriber. */
#define WINDOW 20
/* Limit on every wait, in seconds (valgrind is slow). */
#define WAIT_LIMIT 30
/* How long the held on_message keeps running, so that mosquitto_reinitialise is called while it
 * runs. */
#define HOLD_MS 50

struct subscriber {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    const char *topic;
    int connected;
    int subscribed;
    int in_callback;      /* on_message is running */
    int hold_next;        /* the next on_message stays running for HOLD_MS */
    int holding;          /* an on_message took hold_next */
    int callback_misuse;  /* on_message saw a user data or handle it was not given */
    long received;        /* in this round */
    long received_total;  /* in all rounds */
    long outstanding;     /* published since the subscription and not yet received */
};

struct publisher {
    struct mosquitto *mosq;
    struct subscriber *sub;
    const char *topic;
    int stop;
    long sent;
    int failed;
};

static void lock(struct subscriber *s)
{
    pthread_mutex_lock(&s->lock);
}

static void unlock_and_signal(struct subscriber *s)
{
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Deadline `seconds` from now for pthread_cond_timedwait. */
static struct timespec deadline_in(long seconds, long millis)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += seconds + millis / 1000;
    t.tv_nsec += (millis % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Wait until *counter (or *flag) reaches at least `value`; the lock is held. Returns whether it
 * did within WAIT_LIMIT seconds. */
static int wait_for(struct subscriber *s, const long *counter, const int *flag, long value)
{
    struct timespec deadline = deadline_in(WAIT_LIMIT, 0);
    for (;;) {
        long now = counter ? *counter : *flag;
        if (now >= value) {
            return 1;
        }
        if (pthread_cond_timedwait(&s->changed, &s->lock, &deadline) == ETIMEDOUT) {
            return 0;
        }
    }
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct subscriber *s = obj;
    (void)mosq;
    lock(s);
    s->connected = rc == 0;
    unlock_and_signal(s);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted)
{
    struct subscriber *s = obj;
    (void)mosq;
    (void)mid;
    lock(s);
    s->subscribed = count == 1 && granted[0] == 0;
    unlock_and_signal(s);
}

/* Keep the CPU busy for `millis` ms. No cancellation point: libmosquitto cancels its loop thread
 * in mosquitto_reinitialise (pthread_cancel), and that must not happen inside this callback while
 * it holds the test's lock. */
static void spin(long millis)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L < millis);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct subscriber *s = obj;
    (void)msg;
    lock(s);
    s->in_callback = 1;
    int hold = s->hold_next;
    s->hold_next = 0;
    s->holding |= hold;
    unlock_and_signal(s);
    /* The handle is used on this thread while the main thread may be reinitialising it. */
    int misuse = mosquitto_userdata(mosq) != obj;
    (void)mosquitto_want_write(mosq);
    if (hold) {
        spin(HOLD_MS);
    }
    lock(s);
    s->callback_misuse |= misuse;
    s->received++;
    s->received_total++;
    s->outstanding--;
    s->in_callback = 0;
    unlock_and_signal(s);
}

/* The publisher thread: QoS 0 messages, at most WINDOW ahead of the subscriber; when the
 * subscriber falls behind (or is away: reinitialised, reconnecting) one every 20 ms. */
static void *publish_thread(void *arg)
{
    struct publisher *p = arg;
    static const char payload[] = "reinitialise while delivering";
    for (;;) {
        lock(p->sub);
        struct timespec pace = deadline_in(0, 20);
        while (!p->stop && p->sub->outstanding > WINDOW) {
            if (pthread_cond_timedwait(&p->sub->changed, &p->sub->lock, &pace) == ETIMEDOUT) {
                break;
            }
        }
        int stop = p->stop;
        p->sub->outstanding++;
        pthread_mutex_unlock(&p->sub->lock);
        if (stop) {
            return NULL;
        }
        int rc = mosquitto_publish(p->mosq, NULL, p->topic, (int)sizeof payload, payload, 0, false);
        if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
            fprintf(stderr, "publisher: %s\n", mosquitto_strerror(rc));
            p->failed = 1;
        }
        p->sent++;
    }
}

/* Set the callbacks, connect, start the loop thread and wait for CONNACK; whether it came. (The
 * connect comes before the loop thread: libmosquitto 2.0.11 races with itself the other way
 * round and now and then never sees the CONNACK.) */
static int start(struct mosquitto *mosq, struct subscriber *s, const char *host, int port)
{
    lock(s);
    s->connected = 0;
    s->subscribed = 0;
    s->received = 0;
    unlock_and_signal(s);
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    CHECK_RC(mosquitto_connect(mosq, host, port, 60), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_loop_start(mosq), MOSQ_ERR_SUCCESS);
    lock(s);
    int connected = wait_for(s, NULL, &s->connected, 1);
    pthread_mutex_unlock(&s->lock);
    return connected;
}

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    const char *port_text = argc > 2 ? argv[2] : getenv("CULEX_BROKER_PORT");
    if (!port_text) {
        fprintf(stderr, "usage: reinit_test host port (or set CULEX_BROKER_PORT)\n");
        return 2;
    }
    int port = atoi(port_text);
    char topic[64];
    snprintf(topic, sizeof topic, "culex/reinit/%ld", (long)getpid());

    mosquitto_lib_init();
    struct subscriber s = {.topic = topic};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.changed, NULL);
    /* A second object: the user data the handle gets back from mosquitto_reinitialise. */
    int other;

    struct mosquitto *sub = mosquitto_new("culex-reinit-sub", true, &s);
    struct mosquitto *pub = mosquitto_new("culex-reinit-pub", true, NULL);
    CHECK(sub != NULL && pub != NULL);
    if (!sub || !pub) {
        return check_report("reinit_test");
    }
    CHECK_RC(mosquitto_connect(pub, host, port, 60), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_loop_start(pub), MOSQ_ERR_SUCCESS);
    struct publisher p = {.mosq = pub, .sub = &s, .topic = topic};
    pthread_t publisher_thread;
    int busy_rounds = 0; /* rounds in which on_message ran as mosquitto_reinitialise was called */
    CHECK(pthread_create(&publisher_thread, NULL, publish_thread, &p) == 0);

    for (int round = 0; round < ROUNDS; round++) {
        CHECK(start(sub, &s, host, port));
        CHECK_RC(mosquitto_subscribe(sub, NULL, topic, 0), MOSQ_ERR_SUCCESS);
        lock(&s);
        int subscribed = wait_for(&s, NULL, &s.subscribed, 1);
        /* What was published before the subscription is not coming. */
        s.outstanding = 0;
        int flowing = subscribed && wait_for(&s, &s.received, NULL, WANT);
        long received = s.received;
        pthread_mutex_unlock(&s.lock);
        CHECK(subscribed);
        CHECK(flowing);
        if (!flowing) {
            fprintf(stderr, "round %d: %ld of %d messages\n", round, received, WANT);
            break;
        }

        /* Messages are flowing. Reinitialise while the loop thread runs on_message: the next one
         * stays running for HOLD_MS. */
        lock(&s);
        s.hold_next = 1;
        s.holding = 0;
        CHECK(wait_for(&s, NULL, &s.holding, 1));
        busy_rounds += s.in_callback;
        pthread_mutex_unlock(&s.lock);
        char id[32];
        snprintf(id, sizeof id, "culex-reinit-%d", round);
        CHECK_RC(mosquitto_reinitialise(sub, id, true, &other), MOSQ_ERR_SUCCESS);
        lock(&s);
        CHECK(s.in_callback == 0);
        pthread_mutex_unlock(&s.lock);
        CHECK(mosquitto_userdata(sub) == &other);
        /* Not connected any more, and no loop thread to stop. */
        CHECK_RC(mosquitto_disconnect(sub), MOSQ_ERR_NO_CONN);
        CHECK_RC(mosquitto_loop_stop(sub, true), MOSQ_ERR_INVAL);
        mosquitto_user_data_set(sub, &s);
    }
    lock(&s);
    CHECK(s.callback_misuse == 0);
    p.stop = 1;
    unlock_and_signal(&s);
    pthread_join(publisher_thread, NULL);
    CHECK(p.failed == 0);

    /* A last round that ends the usual way. */
    CHECK(start(sub, &s, host, port));
    CHECK_RC(mosquitto_disconnect(sub), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_loop_stop(sub, false), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_disconnect(pub), MOSQ_ERR_SUCCESS);
    CHECK_RC(mosquitto_loop_stop(pub, false), MOSQ_ERR_SUCCESS);
    mosquitto_destroy(sub);
    mosquitto_destroy(pub);
    mosquitto_lib_cleanup();
    pthread_cond_destroy(&s.changed);
    pthread_mutex_destroy(&s.lock);
    printf("reinit_test: %d rounds (%d with on_message running as it was called), %ld messages "
           "received, %ld published\n",
           ROUNDS, busy_rounds, s.received_total, p.sent);
    return check_report("reinit_test");
}
