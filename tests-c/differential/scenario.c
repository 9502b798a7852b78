/*
 * scenario.c: the client half of the differential suite (tests-c/differential/README.md).
 *
 *   scenario <port>  < client-script
 *
 * Reads a small script of libmosquitto API calls from standard input, one command a line, runs
 * it against whichever libmosquitto.so.1 the dynamic loader picks (Debian's, or Culex's with
 * LD_LIBRARY_PATH=<build>/lib), and prints to standard output every API call with its return
 * code and every callback with its arguments, one line each. The same binary runs on both
 * libraries; run.py compares the two outputs. Standard error gets the path of the library that
 * was loaded ("library: <path>"), which run.py checks, and diagnostics that are not compared.
 *
 * The command set is documented in tests-c/differential/README.md.
 */
#define _GNU_SOURCE
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOKENS 32
#define MAX_HOOKS 16
#define LINE_MAX_LEN 4096

enum event { EV_CONNECT, EV_DISCONNECT, EV_PUBLISH, EV_MESSAGE, EV_SUBSCRIBE, EV_UNSUBSCRIBE, EV_COUNT };
static const char *const event_names[EV_COUNT] = {
    "connect", "disconnect", "publish", "message", "subscribe", "unsubscribe",
};

struct hook {
    enum event event;
    char line[LINE_MAX_LEN];
};

/* Everything the callbacks and the script share; guarded by `lock` (callbacks may run on the
 * loop_start thread). */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned counts[EV_COUNT];
    struct hook hooks[MAX_HOOKS];
    int hook_count;
} shared = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, {{0}}, 0};

static struct mosquitto *mosq;
static int port;
static pthread_t main_thread;
/* The message being delivered, for hooks that answer it (reply). */
static const struct mosquitto_message *current_message;
static const mosquitto_property *current_props;

static void run_line(const char *line, bool in_callback);

/* ---------------------------------------------------------------------------------------------
 * Output
 */

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stdout);
    if (!pthread_equal(pthread_self(), main_thread)) {
        /* From the loop_start thread: ordered against the main thread's lines only by chance,
         * so run.py compares the two threads' lines as separate sequences. */
        fputs("~ ", stdout);
    }
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    funlockfile(stdout);
    va_end(ap);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "scenario: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    out("! script error");
    exit(2);
}

static const char *errno_name(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "?";
}

/* "rc", "rc errno=NAME" for MOSQ_ERR_ERRNO, "rc eai=N" (getaddrinfo's code, which both
 * libraries leave in errno) for MOSQ_ERR_EAI. */
static const char *rc_text(int rc, int saved_errno)
{
    static __thread char buf[64];
    if (rc == MOSQ_ERR_ERRNO) {
        snprintf(buf, sizeof buf, "%d errno=%s", rc, errno_name(saved_errno));
    } else if (rc == MOSQ_ERR_EAI) {
        snprintf(buf, sizeof buf, "%d eai=%d", rc, saved_errno);
    } else {
        snprintf(buf, sizeof buf, "%d", rc);
    }
    return buf;
}

/* Printable payload: text when it is all printable ASCII without spaces, hex otherwise, and a
 * length with the first bytes for long ones. */
static void format_bytes(char *buf, size_t size, const void *data, int len)
{
    const unsigned char *p = data;
    bool text = len > 0;
    for (int i = 0; i < len && text; i++) {
        text = p[i] > 0x20 && p[i] < 0x7f && p[i] != ']' && p[i] != ',';
    }
    if (len == 0) {
        snprintf(buf, size, "(empty)");
    } else if (len > 64) {
        unsigned sum = 0;
        for (int i = 0; i < len; i++) {
            sum = sum * 31 + p[i];
        }
        snprintf(buf, size, "(%d bytes, sum %08x)", len, sum);
    } else if (text) {
        snprintf(buf, size, "%.*s", len, (const char *)p);
    } else {
        size_t used = (size_t)snprintf(buf, size, "hex:");
        for (int i = 0; i < len && used + 3 < size; i++) {
            used += (size_t)snprintf(buf + used, size - used, "%02x", p[i]);
        }
    }
}

/* "[name=value,...]" for a property list. */
static void format_props(char *buf, size_t size, const mosquitto_property *props)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (const mosquitto_property *p = props; p && used < size; p = mosquitto_property_next(p)) {
        int id = mosquitto_property_identifier(p);
        const char *name = mosquitto_property_identifier_to_string(id);
        int type_id = 0;
        int type = 0;
        char value[300] = "?";
        if (name && mosquitto_string_to_property_info(name, &type_id, &type) == MOSQ_ERR_SUCCESS) {
            uint8_t u8;
            uint16_t u16;
            uint32_t u32;
            void *bin = NULL;
            uint16_t bin_len = 0;
            char *s1 = NULL;
            char *s2 = NULL;
            switch (type) {
            case MQTT_PROP_TYPE_BYTE:
                mosquitto_property_read_byte(p, id, &u8, false);
                snprintf(value, sizeof value, "%u", u8);
                break;
            case MQTT_PROP_TYPE_INT16:
                mosquitto_property_read_int16(p, id, &u16, false);
                snprintf(value, sizeof value, "%u", u16);
                break;
            case MQTT_PROP_TYPE_INT32:
                mosquitto_property_read_int32(p, id, &u32, false);
                snprintf(value, sizeof value, "%u", u32);
                break;
            case MQTT_PROP_TYPE_VARINT:
                mosquitto_property_read_varint(p, id, &u32, false);
                snprintf(value, sizeof value, "%u", u32);
                break;
            case MQTT_PROP_TYPE_BINARY:
                mosquitto_property_read_binary(p, id, &bin, &bin_len, false);
                format_bytes(value, sizeof value, bin, bin_len);
                free(bin);
                break;
            case MQTT_PROP_TYPE_STRING:
                mosquitto_property_read_string(p, id, &s1, false);
                snprintf(value, sizeof value, "%s", s1 ? s1 : "(null)");
                free(s1);
                break;
            case MQTT_PROP_TYPE_STRING_PAIR:
                mosquitto_property_read_string_pair(p, id, &s1, &s2, false);
                snprintf(value, sizeof value, "%s:%s", s1 ? s1 : "(null)", s2 ? s2 : "(null)");
                free(s1);
                free(s2);
                break;
            default:
                break;
            }
        }
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%s", p == props ? "" : ",",
                                 name ? name : "?", value);
    }
    if (used < size) {
        snprintf(buf + used, size - used, "]");
    }
}

/* ---------------------------------------------------------------------------------------------
 * Callbacks: print, count, run the hooks registered for the event, wake waiters.
 */

static void event_happened(enum event event)
{
    char lines[MAX_HOOKS][LINE_MAX_LEN];
    int n = 0;
    pthread_mutex_lock(&shared.lock);
    shared.counts[event]++;
    /* Hooks are one-shot: take the ones for this event, in the order they were set. */
    int kept = 0;
    for (int i = 0; i < shared.hook_count; i++) {
        if (shared.hooks[i].event == event) {
            memcpy(lines[n++], shared.hooks[i].line, LINE_MAX_LEN);
        } else {
            shared.hooks[kept++] = shared.hooks[i];
        }
    }
    shared.hook_count = kept;
    pthread_cond_broadcast(&shared.changed);
    pthread_mutex_unlock(&shared.lock);
    for (int i = 0; i < n; i++) {
        run_line(lines[i], true);
    }
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    (void)obj;
    out("< on_connect rc=%d", rc);
}

static void on_connect_with_flags(struct mosquitto *m, void *obj, int rc, int flags)
{
    (void)m;
    (void)obj;
    out("< on_connect_with_flags rc=%d flags=%d", rc, flags);
}

static void on_connect_v5(struct mosquitto *m, void *obj, int rc, int flags, const mosquitto_property *props)
{
    char p[2048];
    (void)m;
    (void)obj;
    format_props(p, sizeof p, props);
    out("< on_connect_v5 rc=%d flags=%d props=%s", rc, flags, p);
    event_happened(EV_CONNECT);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    (void)obj;
    out("< on_disconnect rc=%d", rc);
}

static void on_disconnect_v5(struct mosquitto *m, void *obj, int rc, const mosquitto_property *props)
{
    char p[2048];
    (void)m;
    (void)obj;
    format_props(p, sizeof p, props);
    out("< on_disconnect_v5 rc=%d props=%s", rc, p);
    event_happened(EV_DISCONNECT);
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)obj;
    out("< on_publish mid=%d", mid);
}

static void on_publish_v5(struct mosquitto *m, void *obj, int mid, int rc, const mosquitto_property *props)
{
    char p[2048];
    (void)m;
    (void)obj;
    format_props(p, sizeof p, props);
    out("< on_publish_v5 mid=%d rc=%d props=%s", mid, rc, p);
    event_happened(EV_PUBLISH);
}

static void print_message(const char *name, const struct mosquitto_message *msg, const mosquitto_property *props)
{
    char payload[300];
    char p[2048] = "";
    format_bytes(payload, sizeof payload, msg->payload, msg->payloadlen);
    if (props != NULL || strcmp(name, "on_message_v5") == 0) {
        format_props(p, sizeof p, props);
    }
    out("< %s mid=%d topic=%s qos=%d retain=%d payload=%s%s%s", name, msg->mid,
        msg->topic ? msg->topic : "(null)", msg->qos, msg->retain ? 1 : 0, payload,
        p[0] ? " props=" : "", p);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    (void)obj;
    print_message("on_message", msg, NULL);
}

static void on_message_v5(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
                          const mosquitto_property *props)
{
    (void)m;
    (void)obj;
    print_message("on_message_v5", msg, props);
    current_message = msg;
    current_props = props;
    event_happened(EV_MESSAGE);
    current_message = NULL;
    current_props = NULL;
}

static void format_granted(char *buf, size_t size, int count, const int *granted)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < count && used < size; i++) {
        used += (size_t)snprintf(buf + used, size - used, "%s%d", i ? "," : "", granted[i]);
    }
    if (used < size) {
        snprintf(buf + used, size - used, "]");
    }
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int count, const int *granted)
{
    char g[256];
    (void)m;
    (void)obj;
    format_granted(g, sizeof g, count, granted);
    out("< on_subscribe mid=%d granted=%s", mid, g);
}

static void on_subscribe_v5(struct mosquitto *m, void *obj, int mid, int count, const int *granted,
                            const mosquitto_property *props)
{
    char g[256];
    char p[2048];
    (void)m;
    (void)obj;
    format_granted(g, sizeof g, count, granted);
    format_props(p, sizeof p, props);
    out("< on_subscribe_v5 mid=%d granted=%s props=%s", mid, g, p);
    event_happened(EV_SUBSCRIBE);
}

static void on_unsubscribe(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    (void)obj;
    out("< on_unsubscribe mid=%d", mid);
}

static void on_unsubscribe_v5(struct mosquitto *m, void *obj, int mid, const mosquitto_property *props)
{
    char p[2048];
    (void)m;
    (void)obj;
    format_props(p, sizeof p, props);
    out("< on_unsubscribe_v5 mid=%d props=%s", mid, p);
    event_happened(EV_UNSUBSCRIBE);
}

static void on_log(struct mosquitto *m, void *obj, int level, const char *text)
{
    (void)m;
    (void)obj;
    fprintf(stderr, "log %d: %s\n", level, text);
}

static void set_callbacks(void)
{
    /* Every variant is set: the libraries call each that is set, in an order the suite compares. */
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_connect_with_flags_callback_set(mosq, on_connect_with_flags);
    mosquitto_connect_v5_callback_set(mosq, on_connect_v5);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_disconnect_v5_callback_set(mosq, on_disconnect_v5);
    mosquitto_publish_callback_set(mosq, on_publish);
    mosquitto_publish_v5_callback_set(mosq, on_publish_v5);
    mosquitto_message_callback_set(mosq, on_message);
    mosquitto_message_v5_callback_set(mosq, on_message_v5);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_subscribe_v5_callback_set(mosq, on_subscribe_v5);
    mosquitto_unsubscribe_callback_set(mosq, on_unsubscribe);
    mosquitto_unsubscribe_v5_callback_set(mosq, on_unsubscribe_v5);
    mosquitto_log_callback_set(mosq, on_log);
}

/* ---------------------------------------------------------------------------------------------
 * Arguments
 */

static long number(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || *end || end == s) {
        fail("not a number: %s", s);
    }
    return v;
}

/* "-" is NULL, "''" the empty string, anything else the text itself. */
static const char *text_or_null(const char *s)
{
    if (strcmp(s, "-") == 0) {
        return NULL;
    }
    return strcmp(s, "''") == 0 ? "" : s;
}

/* A payload token: "-" (none), "size:N" (N bytes of 'x'), "hex:0a0b", "''" (empty, not NULL),
 * or literal text. The buffer is static per slot; `len` gets the length. */
static const void *payload(const char *s, int *len)
{
    static __thread unsigned char buf[2][1 << 17];
    static __thread int slot;
    unsigned char *b = buf[slot ^= 1];
    if (strcmp(s, "-") == 0) {
        *len = 0;
        return NULL;
    }
    if (strcmp(s, "''") == 0) {
        *len = 0;
        return b;
    }
    if (strncmp(s, "size:", 5) == 0) {
        long n = number(s + 5);
        if (n < 0 || n > (long)sizeof buf[0]) {
            fail("payload size out of range: %s", s);
        }
        memset(b, 'x', (size_t)n);
        *len = (int)n;
        return b;
    }
    if (strncmp(s, "hex:", 4) == 0) {
        size_t n = strlen(s + 4) / 2;
        for (size_t i = 0; i < n; i++) {
            unsigned v;
            if (sscanf(s + 4 + 2 * i, "%2x", &v) != 1) {
                fail("bad hex: %s", s);
            }
            b[i] = (unsigned char)v;
        }
        *len = (int)n;
        return b;
    }
    *len = (int)strlen(s);
    return s;
}

/* Property tokens "+name=value" (at the end of a command) into a list; NULL when there are none.
 * string-pair values are "key:value"; binary values take payload syntax. */
static mosquitto_property *properties(char **tok, int ntok, int from)
{
    mosquitto_property *props = NULL;
    for (int i = from; i < ntok; i++) {
        if (tok[i][0] != '+') {
            fail("expected +property=value, got %s", tok[i]);
        }
        char name[128];
        const char *eq = strchr(tok[i], '=');
        if (!eq || (size_t)(eq - tok[i]) >= sizeof name) {
            fail("bad property: %s", tok[i]);
        }
        snprintf(name, sizeof name, "%.*s", (int)(eq - tok[i] - 1), tok[i] + 1);
        const char *value = eq + 1;
        int id;
        int type;
        if (mosquitto_string_to_property_info(name, &id, &type) != MOSQ_ERR_SUCCESS) {
            fail("unknown property: %s", name);
        }
        int rc = MOSQ_ERR_INVAL;
        int len;
        const void *bin;
        char key[1024];
        const char *colon;
        switch (type) {
        case MQTT_PROP_TYPE_BYTE:
            rc = mosquitto_property_add_byte(&props, id, (uint8_t)number(value));
            break;
        case MQTT_PROP_TYPE_INT16:
            rc = mosquitto_property_add_int16(&props, id, (uint16_t)number(value));
            break;
        case MQTT_PROP_TYPE_INT32:
            rc = mosquitto_property_add_int32(&props, id, (uint32_t)number(value));
            break;
        case MQTT_PROP_TYPE_VARINT:
            rc = mosquitto_property_add_varint(&props, id, (uint32_t)number(value));
            break;
        case MQTT_PROP_TYPE_BINARY:
            bin = payload(value, &len);
            rc = mosquitto_property_add_binary(&props, id, bin, (uint16_t)len);
            break;
        case MQTT_PROP_TYPE_STRING:
            rc = mosquitto_property_add_string(&props, id, value);
            break;
        case MQTT_PROP_TYPE_STRING_PAIR:
            colon = strchr(value, ':');
            if (!colon) {
                fail("string pair needs key:value: %s", tok[i]);
            }
            snprintf(key, sizeof key, "%.*s", (int)(colon - value), value);
            rc = mosquitto_property_add_string_pair(&props, id, key, colon + 1);
            break;
        default:
            break;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            /* Both libraries refuse the same way: record it, then go on without the property. */
            out("> property_add %s -> %d", name, rc);
        }
    }
    return props;
}

/* The first index at or after `from` holding a +property token (or ntok). */
static int props_start(char **tok, int ntok, int from)
{
    int i = from;
    while (i < ntok && tok[i][0] != '+') {
        i++;
    }
    return i;
}

static int option_number(const char *name)
{
    static const struct {
        const char *name;
        int value;
    } options[] = {
        {"protocol_version", MOSQ_OPT_PROTOCOL_VERSION},
        {"ssl_ctx_with_defaults", MOSQ_OPT_SSL_CTX_WITH_DEFAULTS},
        {"receive_maximum", MOSQ_OPT_RECEIVE_MAXIMUM},
        {"send_maximum", MOSQ_OPT_SEND_MAXIMUM},
        {"tls_ocsp_required", MOSQ_OPT_TLS_OCSP_REQUIRED},
        {"tcp_nodelay", MOSQ_OPT_TCP_NODELAY},
        {"tls_use_os_certs", MOSQ_OPT_TLS_USE_OS_CERTS},
    };
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        if (strcmp(options[i].name, name) == 0) {
            return options[i].value;
        }
    }
    fail("unknown option: %s", name);
}

/* ---------------------------------------------------------------------------------------------
 * Driving the loop
 */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static unsigned count_of(enum event event)
{
    pthread_mutex_lock(&shared.lock);
    unsigned n = shared.counts[event];
    pthread_mutex_unlock(&shared.lock);
    return n;
}

static enum event event_number(const char *name)
{
    for (int i = 0; i < EV_COUNT; i++) {
        if (strcmp(event_names[i], name) == 0) {
            return (enum event)i;
        }
    }
    fail("unknown event: %s", name);
}

/* Every non-zero return code of the loop helpers' mosquitto_loop() calls, in order, repeats
 * collapsed: "7,4" for 0 0 7 4 4 0 4. Which call returns what depends on how many packets a
 * library handles per call (libmosquitto: about one; Culex: all that one read brings), so the
 * codes are reported once, for the whole program, at the end. Successes say nothing and are left
 * out. */
static struct {
    char text[512];
    int last;
} trail;

static void trail_add(int rc, int saved_errno)
{
    if (rc == MOSQ_ERR_SUCCESS || rc == trail.last) {
        return;
    }
    size_t used = strlen(trail.text);
    if (used + 40 < sizeof trail.text) {
        snprintf(trail.text + used, sizeof trail.text - used, "%s%s", used ? "," : "", rc_text(rc, saved_errno));
    }
    trail.last = rc;
}

/* mosquitto_loop() until `target` `event`s in all (counted since the program started),
 * `timeout_ms` passes, or the same error three times in a row (mosquitto_loop never reconnects,
 * so nothing more would happen). */
static void loop_until(enum event event, unsigned target, int timeout_ms)
{
    int last = -1;
    int repeats = 0;
    double deadline = now_ms() + timeout_ms;
    const char *outcome = "timeout";
    for (;;) {
        if (count_of(event) >= target) {
            outcome = "ok";
            break;
        }
        if (now_ms() > deadline) {
            break;
        }
        int rc = mosquitto_loop(mosq, 50, 1);
        trail_add(rc, errno);
        repeats = rc == last ? repeats + 1 : 1;
        last = rc;
        if (rc != MOSQ_ERR_SUCCESS && repeats >= 3) {
            outcome = count_of(event) >= target ? "ok" : "gave up";
            break;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            /* libmosquitto returns at once when offline: don't spin. */
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    out("> loop_until %s %u -> %s", event_names[event], target, outcome);
}

/* mosquitto_loop() for `ms` milliseconds, whatever happens. */
static void loop_for(int ms)
{
    double deadline = now_ms() + ms;
    while (now_ms() < deadline) {
        int rc = mosquitto_loop(mosq, 50, 1);
        trail_add(rc, errno);
        if (rc != MOSQ_ERR_SUCCESS) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    out("> loop_for %d", ms);
}

/* Wait (without driving the loop: loop_start's thread does) until `target` `event`s in all. */
static void wait_for(enum event event, unsigned target, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&shared.lock);
    int rc = 0;
    while (shared.counts[event] < target && rc == 0) {
        rc = pthread_cond_timedwait(&shared.changed, &shared.lock, &deadline);
    }
    bool ok = shared.counts[event] >= target;
    pthread_mutex_unlock(&shared.lock);
    out("> wait %s %u -> %s", event_names[event], target, ok ? "ok" : "timeout");
}

/* ---------------------------------------------------------------------------------------------
 * Commands
 */

static int tokenize(char *line, char **tok)
{
    int n = 0;
    for (char *s = strtok(line, " \t"); s && n < MAX_TOKENS; s = strtok(NULL, " \t")) {
        tok[n++] = s;
    }
    return n;
}

static void need(int ntok, int min, const char *usage)
{
    if (ntok < min) {
        fail("usage: %s", usage);
    }
}

static void need_client(const char *cmd)
{
    if (!mosq) {
        fail("%s: no client (use new first)", cmd);
    }
}

/* Answer the message being delivered: publish to `topic` with the Correlation Data read from the
 * message's properties, passing the pointer mosquitto_property_read_binary() returns as the
 * property list (as request/response responders do). */
static void reply(const char *topic, int qos, const char *text)
{
    if (!current_props) {
        out("> reply -> no message properties");
        return;
    }
    void *data = NULL;
    uint16_t len = 0;
    const mosquitto_property *correlation =
        mosquitto_property_read_binary(current_props, MQTT_PROP_CORRELATION_DATA, &data, &len, false);
    free(data);
    int mid = 0;
    int len_out;
    const void *body = payload(text, &len_out);
    int rc = mosquitto_publish_v5(mosq, &mid, topic, len_out, body, qos, false, correlation);
    out("> reply -> %s mid=%d", rc_text(rc, errno), mid);
}

static void run_tokens(char **tok, int ntok, bool in_callback)
{
    const char *cmd = tok[0];
    const char *where = in_callback ? " (in callback)" : "";
    int rc;
    int mid = 0;

    if (strcmp(cmd, "new") == 0) {
        need(ntok, 3, "new <id|-> <clean 0|1>");
        mosq = mosquitto_new(text_or_null(tok[1]), number(tok[2]) != 0, NULL);
        int e = errno;
        if (mosq) {
            set_callbacks();
            out("> new -> ok");
        } else {
            out("> new -> NULL errno=%s", errno_name(e));
        }
        return;
    }
    if (strcmp(cmd, "lib_version") == 0) {
        int major, minor, revision;
        mosquitto_lib_version(&major, &minor, &revision);
        fprintf(stderr, "version %d.%d.%d\n", major, minor, revision);
        return;
    }
    need_client(cmd);
    if (strcmp(cmd, "version") == 0) {
        need(ntok, 2, "version <31|311|5>");
        long v = number(tok[1]);
        int value = v == 31 ? MQTT_PROTOCOL_V31 : v == 311 ? MQTT_PROTOCOL_V311 : v == 5 ? MQTT_PROTOCOL_V5 : (int)v;
        rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, value);
        out("> version %s -> %d", tok[1], rc);
    } else if (strcmp(cmd, "int_option") == 0) {
        need(ntok, 3, "int_option <name> <value>");
        rc = mosquitto_int_option(mosq, option_number(tok[1]), (int)number(tok[2]));
        out("> int_option %s %s -> %d", tok[1], tok[2], rc);
    } else if (strcmp(cmd, "will") == 0) {
        need(ntok, 5, "will <topic> <qos> <retain> <payload> [+props]");
        int start = props_start(tok, ntok, 5);
        int len;
        const void *body = payload(tok[4], &len);
        if (start < ntok) {
            mosquitto_property *props = properties(tok, ntok, start);
            rc = mosquitto_will_set_v5(mosq, text_or_null(tok[1]), len, body, (int)number(tok[2]),
                                       number(tok[3]) != 0, props);
            if (rc != MOSQ_ERR_SUCCESS) {
                mosquitto_property_free_all(&props);
            }
        } else {
            rc = mosquitto_will_set(mosq, text_or_null(tok[1]), len, body, (int)number(tok[2]), number(tok[3]) != 0);
        }
        out("> will -> %d", rc);
    } else if (strcmp(cmd, "will_clear") == 0) {
        out("> will_clear -> %d", mosquitto_will_clear(mosq));
    } else if (strcmp(cmd, "username_pw") == 0) {
        need(ntok, 3, "username_pw <user|-> <password|->");
        out("> username_pw -> %d", mosquitto_username_pw_set(mosq, text_or_null(tok[1]), text_or_null(tok[2])));
    } else if (strcmp(cmd, "max_inflight") == 0) {
        need(ntok, 2, "max_inflight <n>");
        out("> max_inflight -> %d", mosquitto_max_inflight_messages_set(mosq, (unsigned)number(tok[1])));
    } else if (strcmp(cmd, "reconnect_delay") == 0) {
        need(ntok, 4, "reconnect_delay <delay> <max> <exponential>");
        out("> reconnect_delay -> %d",
            mosquitto_reconnect_delay_set(mosq, (unsigned)number(tok[1]), (unsigned)number(tok[2]), number(tok[3]) != 0));
    } else if (strcmp(cmd, "tls_set") == 0) {
        need(ntok, 2, "tls_set <cafile> [certfile keyfile]");
        rc = mosquitto_tls_set(mosq, tok[1], NULL, ntok > 3 ? tok[2] : NULL, ntok > 3 ? tok[3] : NULL, NULL);
        out("> tls_set -> %d", rc);
    } else if (strcmp(cmd, "tls_insecure") == 0) {
        need(ntok, 2, "tls_insecure <0|1>");
        out("> tls_insecure -> %d", mosquitto_tls_insecure_set(mosq, number(tok[1]) != 0));
    } else if (strcmp(cmd, "connect") == 0 || strcmp(cmd, "connect_async") == 0) {
        need(ntok, 2, "connect <keepalive> [+props]");
        int keepalive = (int)number(tok[1]);
        bool async = strcmp(cmd, "connect_async") == 0;
        if (ntok > 2) {
            mosquitto_property *props = properties(tok, ntok, 2);
            errno = 0;
            rc = async ? MOSQ_ERR_NOT_SUPPORTED
                       : mosquitto_connect_bind_v5(mosq, "127.0.0.1", port, keepalive, NULL, props);
            mosquitto_property_free_all(&props);
        } else {
            errno = 0;
            rc = async ? mosquitto_connect_async(mosq, "127.0.0.1", port, keepalive)
                       : mosquitto_connect(mosq, "127.0.0.1", port, keepalive);
        }
        out("> %s -> %s%s", cmd, rc_text(rc, errno), where);
    } else if (strcmp(cmd, "connect_host") == 0 || strcmp(cmd, "connect_async_host") == 0) {
        need(ntok, 3, "connect_host <host> <keepalive>");
        errno = 0;
        rc = strcmp(cmd, "connect_async_host") == 0
                 ? mosquitto_connect_async(mosq, tok[1], port, (int)number(tok[2]))
                 : mosquitto_connect(mosq, tok[1], port, (int)number(tok[2]));
        out("> %s %s -> %s%s", cmd, tok[1], rc_text(rc, errno), where);
    } else if (strcmp(cmd, "reconnect") == 0) {
        errno = 0;
        rc = mosquitto_reconnect(mosq);
        out("> reconnect -> %s%s", rc_text(rc, errno), where);
    } else if (strcmp(cmd, "disconnect") == 0) {
        if (ntok > 1) {
            int start = props_start(tok, ntok, 2);
            mosquitto_property *props = properties(tok, ntok, start);
            rc = mosquitto_disconnect_v5(mosq, (int)number(tok[1]), props);
            mosquitto_property_free_all(&props);
        } else {
            rc = mosquitto_disconnect(mosq);
        }
        out("> disconnect -> %d%s", rc, where);
    } else if (strcmp(cmd, "publish") == 0) {
        need(ntok, 5, "publish <topic> <qos> <retain> <payload> [+props]");
        int len;
        const void *body = payload(tok[4], &len);
        int start = props_start(tok, ntok, 5);
        errno = 0;
        if (start < ntok) {
            mosquitto_property *props = properties(tok, ntok, start);
            rc = mosquitto_publish_v5(mosq, &mid, text_or_null(tok[1]), len, body, (int)number(tok[2]),
                                      number(tok[3]) != 0, props);
            mosquitto_property_free_all(&props);
        } else {
            rc = mosquitto_publish(mosq, &mid, text_or_null(tok[1]), len, body, (int)number(tok[2]),
                                   number(tok[3]) != 0);
        }
        out("> publish -> %s mid=%d%s", rc_text(rc, errno), mid, where);
    } else if (strcmp(cmd, "subscribe") == 0) {
        need(ntok, 3, "subscribe <filter> <qos|options> [+props]");
        if (ntok > 3) {
            mosquitto_property *props = properties(tok, ntok, 3);
            rc = mosquitto_subscribe_v5(mosq, &mid, text_or_null(tok[1]), (int)number(tok[2]), 0, props);
            mosquitto_property_free_all(&props);
        } else {
            rc = mosquitto_subscribe(mosq, &mid, text_or_null(tok[1]), (int)number(tok[2]));
        }
        out("> subscribe -> %d mid=%d%s", rc, mid, where);
    } else if (strcmp(cmd, "subscribe_v5") == 0) {
        need(ntok, 4, "subscribe_v5 <filter> <qos> <options> [+props]");
        mosquitto_property *props = properties(tok, ntok, 4);
        rc = mosquitto_subscribe_v5(mosq, &mid, tok[1], (int)number(tok[2]), (int)number(tok[3]), props);
        mosquitto_property_free_all(&props);
        out("> subscribe_v5 -> %d mid=%d%s", rc, mid, where);
    } else if (strcmp(cmd, "subscribe_multiple") == 0 || strcmp(cmd, "unsubscribe_multiple") == 0) {
        bool sub = cmd[0] == 's';
        need(ntok, sub ? 4 : 2, "subscribe_multiple <qos> <options> <filter>... | unsubscribe_multiple <filter>...");
        int first = sub ? 3 : 1;
        int start = props_start(tok, ntok, first);
        char *filters[MAX_TOKENS];
        int count = 0;
        for (int i = first; i < start; i++) {
            filters[count++] = tok[i];
        }
        mosquitto_property *props = properties(tok, ntok, start);
        rc = sub ? mosquitto_subscribe_multiple(mosq, &mid, count, filters, (int)number(tok[1]), (int)number(tok[2]), props)
                 : mosquitto_unsubscribe_multiple(mosq, &mid, count, filters, props);
        mosquitto_property_free_all(&props);
        out("> %s -> %d mid=%d%s", cmd, rc, mid, where);
    } else if (strcmp(cmd, "unsubscribe") == 0) {
        need(ntok, 2, "unsubscribe <filter> [+props]");
        if (ntok > 2) {
            mosquitto_property *props = properties(tok, ntok, 2);
            rc = mosquitto_unsubscribe_v5(mosq, &mid, tok[1], props);
            mosquitto_property_free_all(&props);
        } else {
            rc = mosquitto_unsubscribe(mosq, &mid, tok[1]);
        }
        out("> unsubscribe -> %d mid=%d%s", rc, mid, where);
    } else if (strcmp(cmd, "reply") == 0) {
        need(ntok, 4, "reply <topic> <qos> <payload>");
        reply(tok[1], (int)number(tok[2]), tok[3]);
    } else if (strcmp(cmd, "loop_until") == 0) {
        need(ntok, 2, "loop_until <event> [n] [timeout_ms]");
        loop_until(event_number(tok[1]), ntok > 2 ? (unsigned)number(tok[2]) : 1, ntok > 3 ? (int)number(tok[3]) : 5000);
    } else if (strcmp(cmd, "loop_for") == 0) {
        need(ntok, 2, "loop_for <ms>");
        loop_for((int)number(tok[1]));
    } else if (strcmp(cmd, "loop") == 0) {
        need(ntok, 2, "loop <timeout_ms>");
        errno = 0;
        rc = mosquitto_loop(mosq, (int)number(tok[1]), 1);
        out("> loop -> %s", rc_text(rc, errno));
    } else if (strcmp(cmd, "loop_forever") == 0) {
        errno = 0;
        rc = mosquitto_loop_forever(mosq, ntok > 1 ? (int)number(tok[1]) : -1, 1);
        out("> loop_forever -> %s", rc_text(rc, errno));
    } else if (strcmp(cmd, "loop_start") == 0) {
        out("> loop_start -> %d", mosquitto_loop_start(mosq));
    } else if (strcmp(cmd, "loop_stop") == 0) {
        out("> loop_stop -> %d", mosquitto_loop_stop(mosq, ntok > 1 && number(tok[1]) != 0));
    } else if (strcmp(cmd, "wait") == 0) {
        need(ntok, 2, "wait <event> [n] [timeout_ms]");
        wait_for(event_number(tok[1]), ntok > 2 ? (unsigned)number(tok[2]) : 1, ntok > 3 ? (int)number(tok[3]) : 5000);
    } else if (strcmp(cmd, "want_write") == 0) {
        out("> want_write -> %d", mosquitto_want_write(mosq) ? 1 : 0);
    } else if (strcmp(cmd, "socket_valid") == 0) {
        out("> socket_valid -> %d", mosquitto_socket(mosq) >= 0 ? 1 : 0);
    } else if (strcmp(cmd, "on") == 0) {
        need(ntok, 3, "on <event> <command...>");
        enum event event = event_number(tok[1]);
        pthread_mutex_lock(&shared.lock);
        if (shared.hook_count == MAX_HOOKS) {
            pthread_mutex_unlock(&shared.lock);
            fail("too many hooks");
        }
        struct hook *h = &shared.hooks[shared.hook_count++];
        h->event = event;
        h->line[0] = '\0';
        for (int i = 2; i < ntok; i++) {
            strncat(h->line, tok[i], LINE_MAX_LEN - strlen(h->line) - 2);
            strcat(h->line, " ");
        }
        pthread_mutex_unlock(&shared.lock);
    } else if (strcmp(cmd, "destroy") == 0) {
        mosquitto_destroy(mosq);
        mosq = NULL;
        out("> destroy%s", where);
    } else if (strcmp(cmd, "exit") == 0) {
        /* Leave the process at once, as a program that exits from a callback does. */
        out("> exit%s, loop helpers returned [%s]", where, trail.text);
        _exit(0);
    } else {
        fail("unknown command: %s", cmd);
    }
}

static void run_line(const char *line, bool in_callback)
{
    char copy[LINE_MAX_LEN];
    char *tok[MAX_TOKENS];
    size_t n = strnlen(line, sizeof copy - 1);
    memcpy(copy, line, n);
    copy[n] = '\0';
    int ntok = tokenize(copy, tok);
    if (ntok > 0 && tok[0][0] != '#') {
        run_tokens(tok, ntok, in_callback);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: scenario <port> < client-script\n");
        return 2;
    }
    port = (int)number(argv[1]);
    main_thread = pthread_self();

    Dl_info info;
    if (dladdr((void *)mosquitto_lib_init, &info) && info.dli_fname) {
        fprintf(stderr, "library: %s\n", info.dli_fname);
    }
    mosquitto_lib_init();

    char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        run_line(line, false);
    }
    if (mosq) {
        mosquitto_destroy(mosq);
    }
    mosquitto_lib_cleanup();
    out("> end, loop helpers returned [%s]", trail.text);
    return 0;
}
