package culex

/*
#include <stdlib.h>
#include <mosquitto.h>
*/
import "C"

import (
	"context"
	"unsafe"
)

// Message is a message received, or one to publish with PublishMessage.
type Message struct {
	Topic      string
	Payload    []byte
	QoS        byte
	Retain     bool
	ID         int         // the packet identifier of a received QoS 1 or 2 message
	Properties *Properties // MQTT 5 (nil for none)
}

// op is a command awaiting its acknowledgement: a publish (its Token), a subscribe or an
// unsubscribe. It is finished once, by whoever takes it out of Client.ops.
type op struct {
	kind    opKind
	qos     byte
	done    chan struct{}
	err     error
	reason  byte   // publish: the MQTT 5 reason code of PUBACK / PUBCOMP
	granted []byte // subscribe: the granted QoS (or reason codes) of SUBACK
}

type opKind byte

const (
	opPublish opKind = iota
	opSubscribe
	opUnsubscribe
)

func newOp(kind opKind, qos byte) *op {
	return &op{kind: kind, qos: qos, done: make(chan struct{})}
}

func (o *op) finish(err error) {
	o.err = err
	close(o.done)
}

// await waits for o or ctx.
func (c *Client) await(ctx context.Context, o *op) error {
	select {
	case <-o.done:
		return o.err
	default:
	}
	if c.onLoopThread() {
		return ErrInHandler
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Token follows a published message to the broker.
type Token struct {
	c   *Client
	mid int
	op  *op
}

// Wait waits until the message is published: QoS 0 written to the socket, QoS 1 acknowledged
// by PUBACK, QoS 2 by PUBCOMP. It returns nil then; a *ReasonCodeError when an MQTT 5 broker
// refused it (errors.Is(err, ErrRefused)); ErrDiscarded for a QoS 0 message whose connection
// ended first; ErrClosed after Disconnect; ctx's error when ctx is done first (the message may
// still be published later). QoS 1 and 2 messages survive reconnects.
func (t *Token) Wait(ctx context.Context) error {
	return t.c.await(ctx, t.op)
}

// Done is closed when the outcome is known (then Err tells it).
func (t *Token) Done() <-chan struct{} { return t.op.done }

// Err is the outcome once Done is closed (nil: published), and nil before.
func (t *Token) Err() error {
	select {
	case <-t.op.done:
		return t.op.err
	default:
		return nil
	}
}

// MessageID is the message's id (the MQTT packet identifier for QoS 1 and 2).
func (t *Token) MessageID() int { return t.mid }

// ReasonCode is the MQTT 5 reason code of the acknowledgement, once Done (0 before MQTT 5).
func (t *Token) ReasonCode() byte {
	<-t.op.done
	return t.op.reason
}

// Publish sends payload to topic at qos (0, 1 or 2). It never waits for the network: the
// message is queued (also while reconnecting, for QoS 1 and 2) and the Token tells when the
// broker has it. Errors: ErrNoConn (QoS 0 while not connected), ErrQueueFull (Options.MaxQueued),
// ErrInval, ErrPayloadSize, ErrOversizePacket, ErrClosed.
func (c *Client) Publish(topic string, qos byte, retain bool, payload []byte) (*Token, error) {
	return c.PublishMessage(&Message{Topic: topic, QoS: qos, Retain: retain, Payload: payload})
}

// PublishMessage publishes m, with its MQTT 5 Properties (Content Type, Response Topic,
// Correlation Data, User Properties, Message Expiry, ...).
func (c *Client) PublishMessage(m *Message) (*Token, error) {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.mosq == nil {
		return nil, ErrClosed
	}
	props, err := m.Properties.cProperties()
	if err != nil {
		return nil, err
	}
	defer C.mosquitto_property_free_all(&props)
	topic := C.CString(m.Topic)
	defer C.free(unsafe.Pointer(topic))
	var payload unsafe.Pointer
	if len(m.Payload) > 0 {
		// Copied by the library during the call.
		payload = unsafe.Pointer(&m.Payload[0])
	}
	var mid C.int
	o := newOp(opPublish, m.QoS)
	c.mu.Lock()
	defer c.mu.Unlock()
	rc := C.mosquitto_publish_v5(c.mosq, &mid, topic, C.int(len(m.Payload)), payload, C.int(m.QoS), C.bool(m.Retain), props)
	if err := check(rc, nil); err != nil {
		return nil, err
	}
	c.ops[int(mid)] = o
	return &Token{c: c, mid: int(mid), op: o}, nil
}
