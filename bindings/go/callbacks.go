package culex

// The library's callbacks (shim.c forwards them here). They run on the library's network
// thread; the client is found from its cgo.Handle, which lives until Disconnect has stopped that
// thread.

/*
#include "shim.h"
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

func clientOf(h C.uintptr_t) *Client {
	c := cgo.Handle(h).Value().(*Client)
	c.inCallback()
	return c
}

// take removes and returns the command awaiting mid's acknowledgement.
func (c *Client) take(mid C.int) *op {
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.ops[int(mid)]
	if o != nil {
		delete(c.ops, int(mid))
	}
	return o
}

//export culexGoConnect
func culexGoConnect(h C.uintptr_t, rc, flags C.int, props *C.mosquitto_property) {
	c := clientOf(h)
	ack := ConnAck{SessionPresent: flags&1 != 0, ReasonCode: byte(rc), Properties: goProperties(props)}
	var err error
	if rc != 0 {
		err = &ReasonCodeError{Packet: "CONNACK", Code: byte(rc)}
		if ack.Properties != nil {
			err.(*ReasonCodeError).Reason = ack.Properties.ReasonString
		}
	}
	c.mu.Lock()
	wait := c.connWait
	c.connWait = nil
	c.connected = rc == 0
	c.mu.Unlock()
	if wait != nil {
		if err != nil {
			// A refused first connection is not retried.
			C.mosquitto_disconnect(c.mosq)
		}
		wait <- connResult{ack: ack, err: err}
	}
	if err == nil && c.opts.OnConnect != nil {
		c.opts.OnConnect(c, ack)
	}
}

//export culexGoConnectFail
func culexGoConnectFail(h C.uintptr_t, rc C.int) {
	c := clientOf(h)
	c.mu.Lock()
	wait := c.connWait
	c.connWait = nil
	c.mu.Unlock()
	c.dropUnanswered()
	if wait != nil {
		// A first connection that fails is not retried.
		C.mosquitto_disconnect(c.mosq)
		wait <- connResult{err: check(rc, nil)}
	}
}

//export culexGoDisconnect
func culexGoDisconnect(h C.uintptr_t, rc C.int, props *C.mosquitto_property) {
	c := clientOf(h)
	c.mu.Lock()
	wasConnected := c.connected
	c.connected = false
	closing, gone := c.closing, c.gone
	c.mu.Unlock()
	c.dropUnanswered()
	if closing {
		if gone != nil {
			close(gone)
			c.mu.Lock()
			c.gone = nil
			c.mu.Unlock()
		}
		return
	}
	if !wasConnected || c.opts.OnConnectionLost == nil {
		return
	}
	var err error
	switch {
	case rc >= 0x80:
		// The broker's MQTT 5 DISCONNECT, with its reason.
		err = reasonError("DISCONNECT", rc, props)
	case rc != 0:
		err = Errno(rc)
	default:
		err = ErrConnLost
	}
	c.opts.OnConnectionLost(c, err)
}

// dropUnanswered finishes what a connection that ended (or never came) leaves unanswered:
// subscribes and unsubscribes (ErrConnLost) and QoS 0 messages not yet written (ErrDiscarded).
// QoS 1 and 2 messages stay: they go out again on the next connection.
func (c *Client) dropUnanswered() {
	var lost []*op
	c.mu.Lock()
	for mid, o := range c.ops {
		if o.kind != opPublish || o.qos == 0 {
			lost = append(lost, o)
			delete(c.ops, mid)
		}
	}
	c.mu.Unlock()
	for _, o := range lost {
		if o.kind == opPublish {
			o.finish(ErrDiscarded)
		} else {
			o.finish(ErrConnLost)
		}
	}
}

// reasonError is a refusal with its MQTT 5 reason code and the broker's Reason String, if any.
func reasonError(packet string, code C.int, props *C.mosquitto_property) *ReasonCodeError {
	e := &ReasonCodeError{Packet: packet, Code: byte(code)}
	if p := goProperties(props); p != nil {
		e.Reason = p.ReasonString
	}
	return e
}

//export culexGoPublish
func culexGoPublish(h C.uintptr_t, mid, reason C.int, props *C.mosquitto_property) {
	c := clientOf(h)
	o := c.take(mid)
	if o == nil {
		return
	}
	o.reason = byte(reason)
	if reason >= 0x80 {
		o.finish(reasonError("PUBACK", reason, props))
		return
	}
	o.finish(nil)
}

//export culexGoSubscribe
func culexGoSubscribe(h C.uintptr_t, mid, count C.int, granted *C.int) {
	c := clientOf(h)
	o := c.take(mid)
	if o == nil {
		return
	}
	codes := unsafe.Slice(granted, int(count))
	o.granted = make([]byte, len(codes))
	for i, g := range codes {
		o.granted[i] = byte(g)
	}
	o.finish(nil)
}

//export culexGoUnsubscribe
func culexGoUnsubscribe(h C.uintptr_t, mid C.int) {
	c := clientOf(h)
	if o := c.take(mid); o != nil {
		o.finish(nil)
	}
}

//export culexGoMessage
func culexGoMessage(h C.uintptr_t, route C.uintptr_t, msg *C.struct_mosquitto_message, props *C.mosquitto_property) {
	c := clientOf(h)
	handler := c.opts.DefaultHandler
	if route != 0 {
		handler = c.routes.handler(uintptr(route))
	}
	if handler == nil {
		return
	}
	m := &Message{
		Topic:      C.GoString(msg.topic),
		QoS:        byte(msg.qos),
		Retain:     bool(msg.retain),
		ID:         int(msg.mid),
		Properties: goProperties(props),
	}
	if msg.payloadlen > 0 {
		m.Payload = C.GoBytes(msg.payload, msg.payloadlen)
	}
	handler(c, m)
}

//export culexGoLog
func culexGoLog(h C.uintptr_t, level C.int, line *C.char) {
	c := cgo.Handle(h).Value().(*Client)
	c.opts.OnLog(int(level), C.GoString(line))
}
