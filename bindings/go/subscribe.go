package culex

/*
#include <stdlib.h>
#include <mqtt_protocol.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// Handler gets the messages of a subscription. It runs on the library's network thread, one
// message at a time in arrival order; the Message is its own to keep.
type Handler func(*Client, *Message)

// SubscribeOptions are the MQTT 5 subscription options (ignored before MQTT 5, where they must
// stay zero) and the SUBSCRIBE properties.
type SubscribeOptions struct {
	NoLocal           bool // do not send this client's own messages back to it
	RetainAsPublished bool // keep the retain flag as published
	RetainHandling    byte // 0: send retained messages, 1: only for a new subscription, 2: never
	Properties        *Properties
}

// route is a Subscribe handler, found by number from the library's per-filter callback.
type route struct {
	filter  string
	handler Handler
}

// routeTable holds the handlers by number; the number is what the library hands back (its
// data pointer), so C holds no Go pointer and a late call for a removed route finds nothing.
type routeTable struct {
	mu       sync.RWMutex
	next     uintptr
	byID     map[uintptr]*route
	byFilter map[string]uintptr
}

func (t *routeTable) init() {
	t.byID = make(map[uintptr]*route)
	t.byFilter = make(map[string]uintptr)
}

// add returns the route's number for filter (a new one, or the filter's, with handler replaced)
// and whether it is new.
func (t *routeTable) add(filter string, handler Handler) (uintptr, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.byFilter[filter]; ok {
		t.byID[id] = &route{filter: filter, handler: handler}
		return id, false
	}
	t.next++
	t.byID[t.next] = &route{filter: filter, handler: handler}
	t.byFilter[filter] = t.next
	return t.next, true
}

func (t *routeTable) remove(filter string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.byFilter[filter]; ok {
		delete(t.byID, id)
		delete(t.byFilter, filter)
	}
}

func (t *routeTable) handler(id uintptr) Handler {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if r := t.byID[id]; r != nil {
		return r.handler
	}
	return nil
}

func (t *routeTable) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.init()
}

// Subscribe subscribes to filter at qos and waits for SUBACK; handler (if not nil) gets the
// messages whose topic matches filter, every matching handler once, and Options.DefaultHandler
// those no handler takes. It returns the QoS the broker granted; a refusal is a
// *ReasonCodeError. Subscribing to the same filter again replaces its handler.
func (c *Client) Subscribe(ctx context.Context, filter string, qos byte, handler Handler) (byte, error) {
	return c.SubscribeWith(ctx, filter, qos, handler, SubscribeOptions{})
}

// SubscribeWith is Subscribe with MQTT 5 subscription options and properties.
func (c *Client) SubscribeWith(ctx context.Context, filter string, qos byte, handler Handler, opts SubscribeOptions) (byte, error) {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.mosq == nil {
		return 0, ErrClosed
	}
	if c.onLoopThread() {
		return 0, ErrInHandler
	}
	cfilter := C.CString(filter)
	defer C.free(unsafe.Pointer(cfilter))
	if handler != nil {
		// Before SUBSCRIBE, so that the retained messages right after SUBACK find it.
		id, _ := c.routes.add(filter, handler)
		if err := check(C.culexgo_route_add(c.mosq, cfilter, C.uintptr_t(id)), nil); err != nil {
			c.routes.remove(filter)
			return 0, err
		}
	}
	failed := func(err error) (byte, error) {
		if handler != nil {
			C.culex_message_callback_remove(c.mosq, cfilter)
			c.routes.remove(filter)
		}
		return 0, err
	}
	props, err := opts.Properties.cProperties()
	if err != nil {
		return failed(err)
	}
	defer C.mosquitto_property_free_all(&props)
	var options C.int
	if opts.NoLocal {
		options |= C.MQTT_SUB_OPT_NO_LOCAL
	}
	if opts.RetainAsPublished {
		options |= C.MQTT_SUB_OPT_RETAIN_AS_PUBLISHED
	}
	options |= C.int(opts.RetainHandling&3) << 4
	o := newOp(opSubscribe, qos)
	var mid C.int
	c.mu.Lock()
	rc := C.mosquitto_subscribe_v5(c.mosq, &mid, cfilter, C.int(qos), options, props)
	if rc == 0 {
		c.ops[int(mid)] = o
	}
	c.mu.Unlock()
	if err := check(rc, nil); err != nil {
		return failed(err)
	}
	if err := c.await(ctx, o); err != nil {
		c.forget(int(mid), o)
		return failed(err)
	}
	granted := byte(0x80)
	if len(o.granted) > 0 {
		granted = o.granted[0]
	}
	if granted >= 0x80 {
		return failed(&ReasonCodeError{Packet: "SUBACK", Code: granted})
	}
	return granted, nil
}

// Unsubscribe unsubscribes from filter, waits for UNSUBACK, and drops the filter's handler.
func (c *Client) Unsubscribe(ctx context.Context, filter string) error {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.mosq == nil {
		return ErrClosed
	}
	if c.onLoopThread() {
		return ErrInHandler
	}
	cfilter := C.CString(filter)
	defer C.free(unsafe.Pointer(cfilter))
	o := newOp(opUnsubscribe, 0)
	var mid C.int
	c.mu.Lock()
	rc := C.mosquitto_unsubscribe_v5(c.mosq, &mid, cfilter, nil)
	if rc == 0 {
		c.ops[int(mid)] = o
	}
	c.mu.Unlock()
	if err := check(rc, nil); err != nil {
		return err
	}
	err := c.await(ctx, o)
	if err != nil {
		c.forget(int(mid), o)
	}
	// Messages still on their way go to the default handler from now on.
	C.culex_message_callback_remove(c.mosq, cfilter)
	c.routes.remove(filter)
	return err
}

// forget drops a command whose wait was given up, unless its answer came meanwhile.
func (c *Client) forget(mid int, o *op) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops[mid] == o {
		delete(c.ops, mid)
	}
}
