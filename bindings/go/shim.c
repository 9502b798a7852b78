#include "shim.h"

#include "_cgo_export.h"

static uintptr_t client_of(void *obj)
{
    return (uintptr_t)obj;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
    (void)mosq;
    culexGoConnect(client_of(obj), rc, flags, (mosquitto_property *)props);
}

static void on_connect_fail(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    culexGoConnectFail(client_of(obj), rc);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
    (void)mosq;
    culexGoDisconnect(client_of(obj), rc, (mosquitto_property *)props);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid, int reason_code, const mosquitto_property *props)
{
    (void)mosq;
    culexGoPublish(client_of(obj), mid, reason_code, (mosquitto_property *)props);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count, const int *granted,
                         const mosquitto_property *props)
{
    (void)mosq;
    (void)props;
    culexGoSubscribe(client_of(obj), mid, count, (int *)granted);
}

static void on_unsubscribe(struct mosquitto *mosq, void *obj, int mid, const mosquitto_property *props)
{
    (void)mosq;
    (void)props;
    culexGoUnsubscribe(client_of(obj), mid);
}

/* Messages no route claims. */
static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
                       const mosquitto_property *props)
{
    (void)mosq;
    culexGoMessage(client_of(obj), 0, (struct mosquitto_message *)msg, (mosquitto_property *)props);
}

/* Messages of one route (a Subscribe with a handler). */
static void on_route(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg,
                     const mosquitto_property *props, void *data)
{
    (void)mosq;
    culexGoMessage(client_of(obj), (uintptr_t)data, (struct mosquitto_message *)msg, (mosquitto_property *)props);
}

static void on_log(struct mosquitto *mosq, void *obj, int level, const char *line)
{
    (void)mosq;
    culexGoLog(client_of(obj), level, (char *)line);
}

struct mosquitto *culexgo_new(const char *id, bool clean_session, uintptr_t client)
{
    return mosquitto_new(id, clean_session, (void *)client);
}

void culexgo_set_callbacks(struct mosquitto *mosq, bool with_log)
{
    mosquitto_connect_v5_callback_set(mosq, on_connect);
    culex_connect_fail_callback_set(mosq, on_connect_fail);
    mosquitto_disconnect_v5_callback_set(mosq, on_disconnect);
    mosquitto_publish_v5_callback_set(mosq, on_publish);
    mosquitto_subscribe_v5_callback_set(mosq, on_subscribe);
    mosquitto_unsubscribe_v5_callback_set(mosq, on_unsubscribe);
    mosquitto_message_v5_callback_set(mosq, on_message);
    if (with_log) {
        mosquitto_log_callback_set(mosq, on_log);
    }
}

int culexgo_route_add(struct mosquitto *mosq, const char *filter, uintptr_t route)
{
    return culex_message_callback_add_data(mosq, filter, on_route, (void *)route);
}
