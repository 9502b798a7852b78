/*
 * threaded.c: let the library run the network loop in its own thread (mosquitto_loop_start),
 * publish from the main thread, receive in on_message on the loop thread, then stop the loop.
 *
 *   threaded [-h host] [-p port] [-t topic] [-q qos] [-n count]
 *
 * The client subscribes to the topic it publishes to, so it receives its own messages.
 * Callbacks run on the loop thread: data they share with the main thread needs a lock.
 *
 * Uses only the libmosquitto 2.0 API, so it builds against Culex or libmosquitto alike:
 *   cc -Wall -Wextra -pthread threaded.c -lmosquitto
 */
#include <mosquitto.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* signalled whenever a field below changes */
    const char *topic;
    int qos;
    int subscribed;
    int received;
    int failed;
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
    struct shared *s = obj;

    if (rc == 0) {
        rc = mosquitto_subscribe(mosq, NULL, s->topic, s->qos);
    } else {
        fprintf(stderr, "connect refused: %s\n", mosquitto_connack_string(rc));
    }
    if (rc != 0) {
        pthread_mutex_lock(&s->lock);
        s->failed = 1;
        pthread_cond_broadcast(&s->changed);
        pthread_mutex_unlock(&s->lock);
    }
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    struct shared *s = obj;

    (void)mosq;
    (void)mid;
    pthread_mutex_lock(&s->lock);
    if (qos_count < 1 || granted_qos[0] > 2) {
        s->failed = 1;
    } else {
        s->subscribed = 1;
    }
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    struct shared *s = obj;

    (void)mosq;
    printf("loop thread got: %s %d %.*s\n", msg->topic, msg->qos, msg->payloadlen, (const char *)msg->payload);
    fflush(stdout);
    pthread_mutex_lock(&s->lock);
    s->received++;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Wait (holding s->lock) until *field >= target or something failed, for at most `seconds`. */
static int wait_for(struct shared *s, const int *field, int target, int seconds)
{
    struct timespec deadline;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    while (*field < target && !s->failed && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&s->changed, &s->lock, &deadline);
    }
    return *field >= target && !s->failed;
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    int port = 1883;
    int count = 10;
    struct shared s = {.topic = "culex/threaded", .qos = 1};
    int opt;

    while ((opt = getopt(argc, argv, "h:p:t:q:n:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 't': s.topic = optarg; break;
        case 'q': s.qos = atoi(optarg); break;
        case 'n': count = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-h host] [-p port] [-t topic] [-q qos] [-n count]\n", argv[0]);
            return 2;
        }
    }
    if (s.qos < 0 || s.qos > 2 || count < 1) {
        fprintf(stderr, "qos must be 0, 1 or 2 and count at least 1\n");
        return 2;
    }
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.changed, NULL);

    mosquitto_lib_init();
    struct mosquitto *mosq = mosquitto_new(NULL, true, &s);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);

    /* connect_async returns at once; the loop thread finishes connecting (and reconnects). */
    int rc = mosquitto_connect_async(mosq, host, port, 60);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_loop_start(mosq);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    int ok = 0;
    pthread_mutex_lock(&s.lock);
    int subscribed = wait_for(&s, &s.subscribed, 1, 10);
    pthread_mutex_unlock(&s.lock);

    if (subscribed) {
        /* Publishing from this thread while the loop thread runs is safe. */
        for (int i = 0; i < count; i++) {
            char payload[64];
            int len = snprintf(payload, sizeof payload, "message %d", i + 1);
            rc = mosquitto_publish(mosq, NULL, s.topic, len, payload, s.qos, false);
            if (rc != MOSQ_ERR_SUCCESS) {
                fprintf(stderr, "publish: %s\n", mosquitto_strerror(rc));
                break;
            }
        }
        pthread_mutex_lock(&s.lock);
        ok = rc == MOSQ_ERR_SUCCESS && wait_for(&s, &s.received, count, 10);
        printf("main thread: received %d of %d\n", s.received, count);
        pthread_mutex_unlock(&s.lock);
    } else {
        fprintf(stderr, "not subscribed within 10 s\n");
    }

    /* Disconnect, then wait for the loop thread to finish (force = false: let it exit by itself). */
    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);

    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    pthread_cond_destroy(&s.changed);
    pthread_mutex_destroy(&s.lock);
    return ok ? 0 : 1;
}
