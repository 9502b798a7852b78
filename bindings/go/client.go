// Package culex is an MQTT client (3.1, 3.1.1 and 5) for Go, on Culex's C library
// (libculex, found with pkg-config).
//
// A Client connects, publishes (a Token says when the broker has the message), subscribes
// with a handler per filter, unsubscribes and disconnects. Every method may be called from any
// goroutine. The network runs on the library's own thread, which also calls the handlers and
// the Options callbacks, one at a time, in the order things happened: they must not block,
// and the methods that wait for the network return ErrInHandler when called from them.
//
// Call Disconnect when done: it ends the session cleanly and frees the client's C memory and
// thread.
package culex

/*
#cgo pkg-config: libculex
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Client is one MQTT client (one connection to one broker at a time).
type Client struct {
	opts   Options
	host   string
	port   int
	handle cgo.Handle

	// life guards mosq: every C call holds it for reading; Disconnect takes it to destroy.
	life sync.RWMutex
	mosq *C.struct_mosquitto

	// mu guards what the library's callbacks share with the methods. Held across the C call
	// that issues a command and the registration of its mid, so that the acknowledgement's
	// callback finds it registered.
	mu        sync.Mutex
	ops       map[int]*op // publishes, subscribes and unsubscribes awaiting their acknowledgement
	connected bool
	closing   bool
	closed    bool
	connWait  chan connResult // the Connect waiting for CONNACK, if any
	gone      chan struct{}   // closed when the DISCONNECT of Disconnect has been written

	routes routeTable
	// loopThread is the OS thread id of the library's network thread, once a callback saw it.
	loopThread atomic.Int32
}

type connResult struct {
	ack ConnAck
	err error
}

var libInit sync.Once

// NewClient makes a client; Connect connects it.
func NewClient(opts Options) (*Client, error) {
	host, port, useTLS, err := opts.broker()
	if err != nil {
		return nil, err
	}
	libInit.Do(func() { C.mosquitto_lib_init() })
	c := &Client{opts: opts, host: host, port: port, ops: make(map[int]*op)}
	c.routes.init()
	c.handle = cgo.NewHandle(c)
	var id *C.char
	if opts.ClientID != "" {
		id = C.CString(opts.ClientID)
		defer C.free(unsafe.Pointer(id))
	}
	mosq, errno := C.culexgo_new(id, C.bool(!opts.KeepSession), C.uintptr_t(c.handle))
	if mosq == nil {
		// errno says why, as with libmosquitto: EINVAL (no client id for a kept session, ...)
		// or ENOMEM.
		c.handle.Delete()
		if errno == syscall.ENOMEM {
			return nil, ErrNoMem
		}
		return nil, ErrInval
	}
	c.mosq = mosq
	fail := func(err error) (*Client, error) {
		C.mosquitto_destroy(mosq)
		c.handle.Delete()
		return nil, err
	}
	if err := opts.apply(mosq, useTLS); err != nil {
		return fail(err)
	}
	C.culexgo_set_callbacks(mosq, C.bool(opts.OnLog != nil))
	if err := check(C.mosquitto_loop_start(mosq), nil); err != nil {
		return fail(err)
	}
	return c, nil
}

// Connect makes a client with opts and connects it (see Client.Connect).
func Connect(ctx context.Context, opts Options) (*Client, error) {
	c, err := NewClient(opts)
	if err != nil {
		return nil, err
	}
	if _, err := c.Connect(ctx); err != nil {
		_ = c.Disconnect(context.Background())
		return nil, err
	}
	return c, nil
}

// Connect connects to the broker and waits for its CONNACK. A refusal is a *ReasonCodeError
// (errors.Is(err, ErrConnRefused)); a failure before CONNACK is the library's Errno (ErrEAI,
// ErrTLS, ErrTimeout, an *OSError, ...). Once connected, the client reconnects by itself after
// a lost connection until Disconnect.
func (c *Client) Connect(ctx context.Context) (*ConnAck, error) {
	c.life.RLock()
	defer c.life.RUnlock()
	if c.mosq == nil {
		return nil, ErrClosed
	}
	if c.onLoopThread() {
		return nil, ErrInHandler
	}
	wait := make(chan connResult, 1)
	c.mu.Lock()
	c.connWait = wait
	c.mu.Unlock()

	timeout := c.opts.ConnectTimeout
	if deadline, ok := ctx.Deadline(); ok {
		if left := time.Until(deadline); timeout <= 0 || left < timeout {
			timeout = left
		}
	}
	if timeout > 0 {
		ms := timeout.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		C.culex_connect_timeout_set(c.mosq, C.int(ms))
	}
	props, err := c.opts.ConnectProperties.cProperties()
	if err != nil {
		return nil, err
	}
	defer C.mosquitto_property_free_all(&props)
	host := C.CString(c.host)
	defer C.free(unsafe.Pointer(host))
	keepalive := C.int(seconds(c.opts.KeepAlive, 60*time.Second))
	// Name lookup and TCP on this goroutine's thread (bounded by the connect timeout); TLS and
	// CONNACK on the library's.
	rc, errno := C.mosquitto_connect_bind_v5(c.mosq, host, C.int(c.port), keepalive, nil, props)
	if err := check(rc, errno); err != nil {
		c.mu.Lock()
		c.connWait = nil
		c.mu.Unlock()
		return nil, err
	}
	select {
	case r := <-wait:
		if r.err != nil {
			return nil, r.err
		}
		return &r.ack, nil
	case <-ctx.Done():
		c.mu.Lock()
		c.connWait = nil
		c.mu.Unlock()
		C.mosquitto_disconnect(c.mosq)
		return nil, ctx.Err()
	}
}

// IsConnected reports whether the client is connected now.
func (c *Client) IsConnected() bool {
	c.life.RLock()
	defer c.life.RUnlock()
	return c.mosq != nil && bool(C.culex_is_connected(c.mosq))
}

// Disconnect sends DISCONNECT, waits (at most until ctx is done) until it is written, and frees
// the client: its handlers are dropped, its pending Tokens fail with ErrClosed, and every method
// returns ErrClosed afterwards. The broker discards the Will. It returns ctx's error if the
// DISCONNECT was not written in time (the client is freed all the same).
func (c *Client) Disconnect(ctx context.Context) error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	c.closing = true
	c.gone = make(chan struct{})
	gone := c.gone
	c.mu.Unlock()

	c.life.RLock()
	if c.onLoopThread() {
		c.life.RUnlock()
		c.mu.Lock()
		c.closing = false
		c.mu.Unlock()
		return ErrInHandler
	}
	var waitErr error
	if C.mosquitto_disconnect(c.mosq) == 0 {
		select {
		case <-gone:
		case <-ctx.Done():
			waitErr = ctx.Err()
		}
	}
	// Never hangs: a DISCONNECT still being written gets a moment, then the thread stops.
	C.mosquitto_loop_stop(c.mosq, false)
	c.life.RUnlock()

	// The library's thread is gone: no callback can run any more.
	c.life.Lock()
	C.mosquitto_destroy(c.mosq)
	c.mosq = nil
	c.life.Unlock()
	c.handle.Delete()

	c.mu.Lock()
	c.closed = true
	ops := c.ops
	c.ops = nil
	c.mu.Unlock()
	for _, o := range ops {
		o.finish(ErrClosed)
	}
	c.routes.clear()
	return waitErr
}

// onLoopThread reports whether the caller runs on the library's network thread, that is inside
// a handler or callback: Go code runs on that (C) thread only during a callback, locked to it,
// so the thread id tells.
func (c *Client) onLoopThread() bool {
	tid := c.loopThread.Load()
	return tid != 0 && tid == int32(syscall.Gettid())
}

// inCallback notes the thread of a callback: the library's network thread (mosquitto_loop_start
// runs one for the client's life).
func (c *Client) inCallback() {
	if c.loopThread.Load() == 0 {
		c.loopThread.Store(int32(syscall.Gettid()))
	}
}
