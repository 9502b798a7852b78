/*
 * The C side of the Go binding: the callbacks Culex calls, each handing its arguments to an
 * exported Go function (callbacks.go). The client's user data and a route's data are not
 * pointers but cgo.Handle values and route numbers, cast to void * here and back to uintptr_t
 * in the callbacks: C never holds a Go pointer.
 */
#ifndef CULEX_GO_SHIM_H
#define CULEX_GO_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include <culex.h>
#include <mosquitto.h>

/* mosquitto_new with the client's cgo.Handle as its user data. */
struct mosquitto *culexgo_new(const char *id, bool clean_session, uintptr_t client);

/* Set every callback the binding uses (on_log only when `with_log`). */
void culexgo_set_callbacks(struct mosquitto *mosq, bool with_log);

/* culex_message_callback_add_data for `filter`, with the route's number as its data. */
int culexgo_route_add(struct mosquitto *mosq, const char *filter, uintptr_t route);

#endif
