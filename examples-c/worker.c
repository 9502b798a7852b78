/*
 * worker.c: a job worker that loses no job. Jobs arrive as QoS 1 messages under <base>/jobs/;
 * a job is acknowledged to the broker only once its result has reached the broker, so a worker
 * that dies half-way gets the job again on its next connection (its session is kept).
 *
 * Culex's Paho conveniences, together:
 *   culex_message_callback_add()  one callback per kind of job, by subscription filter
 *                                 (<base>/jobs/+/resize, <base>/jobs/urgent/#); on_message gets
 *                                 the jobs no filter claims
 *   culex_manual_ack_set()        PUBACK leaves only when the worker calls culex_ack()
 *   culex_wait_for_publish()      the result is at the broker (PUBACK) before the job is acked
 *   culex_publish_multiple()      the demo posts its own jobs, one-shot, and checks each went out
 *
 * The callbacks run on the mosquitto_loop_start() thread and only hand jobs to the main thread,
 * which does the work, publishes the result, waits for it and acknowledges the job.
 *
 *   worker [-h host] [-p port] [-t base] [-n jobs]
 *
 * Culex only (culex.h): cc -Wall -Wextra worker.c -lculex -lpthread
 */
#include <culex.h>
#include <mosquitto.h>

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 64

/* One job handed from a callback to the main thread. */
struct job {
    int mid;
    int qos;
    const char *kind;
    char topic[256];
    char payload[128];
};

struct app {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct job jobs[MAX_JOBS]; /* a ring of jobs not yet taken by the main thread */
    int head, tail;
    int subscribed;            /* 1 after SUBACK, -1 if refused */
    int by_kind[3];            /* resize, urgent, other */
};

static void push_job(struct app *app, const struct mosquitto_message *msg, const char *kind, int slot)
{
    pthread_mutex_lock(&app->lock);
    if (app->tail - app->head < MAX_JOBS) {
        struct job *j = &app->jobs[app->tail % MAX_JOBS];
        j->mid = msg->mid;
        j->qos = msg->qos;
        j->kind = kind;
        snprintf(j->topic, sizeof j->topic, "%s", msg->topic);
        snprintf(j->payload, sizeof j->payload, "%.*s", msg->payloadlen, (const char *)msg->payload);
        app->tail++;
        app->by_kind[slot]++;
    }
    /* else: not acknowledged, so the broker sends the job again after a reconnect. */
    pthread_cond_broadcast(&app->changed);
    pthread_mutex_unlock(&app->lock);
}

static void on_resize(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    (void)mosq;
    push_job(obj, msg, "resize", 0);
}

static void on_urgent(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    (void)mosq;
    push_job(obj, msg, "urgent", 1);
}

static void on_other(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
    (void)mosq;
    push_job(obj, msg, "other", 2);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    struct app *app = obj;

    (void)mosq;
    (void)mid;
    pthread_mutex_lock(&app->lock);
    app->subscribed = (qos_count == 1 && granted_qos[0] == 1) ? 1 : -1;
    pthread_cond_broadcast(&app->changed);
    pthread_mutex_unlock(&app->lock);
}

/* Wait until `ready` is true or `seconds` passed; the lock is held on entry and return. */
static bool wait_for(struct app *app, bool (*ready)(struct app *), int seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    while (!ready(app)) {
        if (pthread_cond_timedwait(&app->changed, &app->lock, &until) != 0) {
            return ready(app);
        }
    }
    return true;
}

static bool subscribe_answered(struct app *app) { return app->subscribed != 0; }
static bool job_waiting(struct app *app) { return app->tail > app->head; }

/* The demo's jobs, posted by a one-shot connection. */
static int post_jobs(const char *host, int port, const char *base, int count)
{
    static const char *const kinds[] = {"images/resize", "urgent/restart", "misc", "video/resize"};
    struct culex_publish_message msgs[MAX_JOBS];
    char topics[MAX_JOBS][200];
    char payloads[MAX_JOBS][32];

    for (int i = 0; i < count; i++) {
        snprintf(topics[i], sizeof topics[i], "%s/jobs/%s", base, kinds[i % 4]);
        int len = snprintf(payloads[i], sizeof payloads[i], "job %d", i + 1);
        msgs[i] = (struct culex_publish_message){
            .topic = topics[i], .payload = payloads[i], .payloadlen = len, .qos = 1,
        };
    }
    struct culex_connect_options options = {.size = sizeof options};
    options.host = host;
    options.port = port;
    options.timeout_ms = 10000;
    int rc = culex_publish_multiple(&options, msgs, count);
    for (int i = 0; i < count; i++) {
        if (msgs[i].result == CULEX_ERR_REFUSED) {
            fprintf(stderr, "job %d refused by the broker: %s\n", i + 1, mosquitto_reason_string(msgs[i].reason_code));
        } else if (msgs[i].result != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "job %d not posted: %s\n", i + 1, mosquitto_strerror(msgs[i].result));
        }
    }
    return rc;
}

int main(int argc, char *argv[])
{
    const char *host = "localhost";
    const char *base = "culex/worker";
    int port = 1883;
    int count = 8;
    int opt;

    while ((opt = getopt(argc, argv, "h:p:t:n:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 't': base = optarg; break;
        case 'n': count = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-h host] [-p port] [-t base] [-n jobs]\n", argv[0]);
            return 2;
        }
    }
    if (count < 1 || count > MAX_JOBS) {
        fprintf(stderr, "jobs must be between 1 and %d\n", MAX_JOBS);
        return 2;
    }

    struct app app = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    char id[64], all_jobs[256], resize[256], urgent[256];
    snprintf(id, sizeof id, "culex-worker-%ld", (long)getpid());
    snprintf(all_jobs, sizeof all_jobs, "%s/jobs/#", base);
    snprintf(resize, sizeof resize, "%s/jobs/+/resize", base);
    snprintf(urgent, sizeof urgent, "%s/jobs/urgent/#", base);

    mosquitto_lib_init();
    /* A kept session: jobs not acknowledged when the worker stops come again next time. */
    struct mosquitto *mosq = mosquitto_new(id, false, &app);
    if (mosq == NULL) {
        perror("mosquitto_new");
        return 1;
    }
    culex_manual_ack_set(mosq, true);
    culex_message_callback_add(mosq, resize, on_resize);
    culex_message_callback_add(mosq, urgent, on_urgent);
    mosquitto_message_callback_set(mosq, on_other);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);

    int rc = mosquitto_connect(mosq, host, port, 60);
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_loop_start(mosq);
    }
    if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_subscribe(mosq, NULL, all_jobs, 1);
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "worker: %s\n", mosquitto_strerror(rc));
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }
    pthread_mutex_lock(&app.lock);
    bool subscribed = wait_for(&app, subscribe_answered, 10) && app.subscribed == 1;
    pthread_mutex_unlock(&app.lock);
    if (!subscribed || post_jobs(host, port, base, count) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "worker: %s\n", subscribed ? "posting the jobs failed" : "not subscribed");
        mosquitto_loop_stop(mosq, true);
        mosquitto_destroy(mosq);
        mosquitto_lib_cleanup();
        return 1;
    }

    int done = 0;
    int failed = 0;
    while (done < count && !failed) {
        pthread_mutex_lock(&app.lock);
        if (!wait_for(&app, job_waiting, 10)) {
            pthread_mutex_unlock(&app.lock);
            fprintf(stderr, "worker: no job came for 10 s\n");
            failed = 1;
            break;
        }
        struct job job = app.jobs[app.head % MAX_JOBS];
        app.head++;
        pthread_mutex_unlock(&app.lock);

        /* The work: the payload in capitals, published as the job's result. */
        char result[128], result_topic[300];
        int len = snprintf(result, sizeof result, "%s", job.payload);
        for (int i = 0; i < len; i++) {
            result[i] = (char)toupper((unsigned char)result[i]);
        }
        snprintf(result_topic, sizeof result_topic, "%s/results/%s", base, job.kind);
        int result_mid = 0;
        rc = mosquitto_publish(mosq, &result_mid, result_topic, len, result, 1, false);
        int reason = 0;
        if (rc == MOSQ_ERR_SUCCESS) {
            /* Returns as soon as the broker has it, MOSQ_ERR_TIMEOUT after 5 s. */
            rc = culex_wait_for_publish(mosq, result_mid, 5000, &reason);
        }
        if (rc == MOSQ_ERR_SUCCESS) {
            /* The result is safe: now the job may go. */
            rc = culex_ack(mosq, job.mid, job.qos);
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "job '%s' (%s): %s\n", job.payload, job.topic, mosquitto_strerror(rc));
            failed = 1;
            break;
        }
        printf("%-6s %s -> %s\n", job.kind, job.topic, result);
        fflush(stdout);
        done++;
    }

    /* Jobs i % 4 == 0 and 3 are resizes, 1 urgent, 2 claimed by no filter (post_jobs). */
    int expected[3] = {0, 0, 0};
    for (int i = 0; i < count; i++) {
        expected[i % 4 == 1 ? 1 : i % 4 == 2 ? 2 : 0]++;
    }
    printf("done %d of %d (resize %d, urgent %d, other %d)\n", done, count, app.by_kind[0], app.by_kind[1],
           app.by_kind[2]);
    if (memcmp(expected, app.by_kind, sizeof expected) != 0) {
        fprintf(stderr, "worker: jobs went to the wrong callbacks\n");
        failed = 1;
    }

    mosquitto_disconnect(mosq);
    mosquitto_loop_stop(mosq, false);
    mosquitto_destroy(mosq);
    mosquitto_lib_cleanup();
    return (!failed && done == count) ? 0 : 1;
}
