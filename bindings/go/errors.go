package culex

/*
#include <stdlib.h>
#include <mosquitto.h>
*/
import "C"

import (
	"fmt"
	"syscall"
)

// Errno is an error code of the C library: libmosquitto's MOSQ_ERR_* values and Culex's own
// CULEX_ERR_* (100 and up). Compare with errors.Is(err, culex.ErrNoConn).
type Errno int

// The library's error codes, by their C names.
const (
	ErrNoMem                Errno = 1   // MOSQ_ERR_NOMEM
	ErrProtocol             Errno = 2   // MOSQ_ERR_PROTOCOL
	ErrInval                Errno = 3   // MOSQ_ERR_INVAL
	ErrNoConn               Errno = 4   // MOSQ_ERR_NO_CONN
	ErrConnRefused          Errno = 5   // MOSQ_ERR_CONN_REFUSED
	ErrNotFound             Errno = 6   // MOSQ_ERR_NOT_FOUND
	ErrConnLost             Errno = 7   // MOSQ_ERR_CONN_LOST
	ErrTLS                  Errno = 8   // MOSQ_ERR_TLS
	ErrPayloadSize          Errno = 9   // MOSQ_ERR_PAYLOAD_SIZE
	ErrNotSupported         Errno = 10  // MOSQ_ERR_NOT_SUPPORTED
	ErrAuth                 Errno = 11  // MOSQ_ERR_AUTH
	ErrACLDenied            Errno = 12  // MOSQ_ERR_ACL_DENIED
	ErrUnknown              Errno = 13  // MOSQ_ERR_UNKNOWN
	ErrErrno                Errno = 14  // MOSQ_ERR_ERRNO (an *OSError carries the errno)
	ErrEAI                  Errno = 15  // MOSQ_ERR_EAI
	ErrProxy                Errno = 16  // MOSQ_ERR_PROXY
	ErrPluginDefer          Errno = 17  // MOSQ_ERR_PLUGIN_DEFER
	ErrMalformedUTF8        Errno = 18  // MOSQ_ERR_MALFORMED_UTF8
	ErrKeepalive            Errno = 19  // MOSQ_ERR_KEEPALIVE
	ErrLookup               Errno = 20  // MOSQ_ERR_LOOKUP
	ErrMalformedPacket      Errno = 21  // MOSQ_ERR_MALFORMED_PACKET
	ErrDuplicateProperty    Errno = 22  // MOSQ_ERR_DUPLICATE_PROPERTY
	ErrTLSHandshake         Errno = 23  // MOSQ_ERR_TLS_HANDSHAKE
	ErrQoSNotSupported      Errno = 24  // MOSQ_ERR_QOS_NOT_SUPPORTED
	ErrOversizePacket       Errno = 25  // MOSQ_ERR_OVERSIZE_PACKET
	ErrOCSP                 Errno = 26  // MOSQ_ERR_OCSP
	ErrTimeout              Errno = 27  // MOSQ_ERR_TIMEOUT
	ErrRetainNotSupported   Errno = 28  // MOSQ_ERR_RETAIN_NOT_SUPPORTED
	ErrTopicAliasInvalid    Errno = 29  // MOSQ_ERR_TOPIC_ALIAS_INVALID
	ErrAdministrativeAction Errno = 30  // MOSQ_ERR_ADMINISTRATIVE_ACTION
	ErrAlreadyExists        Errno = 31  // MOSQ_ERR_ALREADY_EXISTS
	ErrQueueFull            Errno = 100 // CULEX_ERR_QUEUE_FULL
	ErrExpired              Errno = 101 // CULEX_ERR_EXPIRED
	ErrDiscarded            Errno = 102 // CULEX_ERR_DISCARDED
	ErrRefused              Errno = 103 // CULEX_ERR_REFUSED
)

// errnoNames are the C names of the codes above (errors_test.go checks them against the headers).
var errnoNames = map[Errno]string{
	ErrNoMem: "MOSQ_ERR_NOMEM", ErrProtocol: "MOSQ_ERR_PROTOCOL", ErrInval: "MOSQ_ERR_INVAL",
	ErrNoConn: "MOSQ_ERR_NO_CONN", ErrConnRefused: "MOSQ_ERR_CONN_REFUSED",
	ErrNotFound: "MOSQ_ERR_NOT_FOUND", ErrConnLost: "MOSQ_ERR_CONN_LOST", ErrTLS: "MOSQ_ERR_TLS",
	ErrPayloadSize: "MOSQ_ERR_PAYLOAD_SIZE", ErrNotSupported: "MOSQ_ERR_NOT_SUPPORTED",
	ErrAuth: "MOSQ_ERR_AUTH", ErrACLDenied: "MOSQ_ERR_ACL_DENIED", ErrUnknown: "MOSQ_ERR_UNKNOWN",
	ErrErrno: "MOSQ_ERR_ERRNO", ErrEAI: "MOSQ_ERR_EAI", ErrProxy: "MOSQ_ERR_PROXY",
	ErrPluginDefer: "MOSQ_ERR_PLUGIN_DEFER", ErrMalformedUTF8: "MOSQ_ERR_MALFORMED_UTF8",
	ErrKeepalive: "MOSQ_ERR_KEEPALIVE", ErrLookup: "MOSQ_ERR_LOOKUP",
	ErrMalformedPacket: "MOSQ_ERR_MALFORMED_PACKET", ErrDuplicateProperty: "MOSQ_ERR_DUPLICATE_PROPERTY",
	ErrTLSHandshake: "MOSQ_ERR_TLS_HANDSHAKE", ErrQoSNotSupported: "MOSQ_ERR_QOS_NOT_SUPPORTED",
	ErrOversizePacket: "MOSQ_ERR_OVERSIZE_PACKET", ErrOCSP: "MOSQ_ERR_OCSP",
	ErrTimeout: "MOSQ_ERR_TIMEOUT", ErrRetainNotSupported: "MOSQ_ERR_RETAIN_NOT_SUPPORTED",
	ErrTopicAliasInvalid:    "MOSQ_ERR_TOPIC_ALIAS_INVALID",
	ErrAdministrativeAction: "MOSQ_ERR_ADMINISTRATIVE_ACTION", ErrAlreadyExists: "MOSQ_ERR_ALREADY_EXISTS",
	ErrQueueFull: "CULEX_ERR_QUEUE_FULL", ErrExpired: "CULEX_ERR_EXPIRED",
	ErrDiscarded: "CULEX_ERR_DISCARDED", ErrRefused: "CULEX_ERR_REFUSED",
}

// Name is the code's C name, such as "MOSQ_ERR_NO_CONN".
func (e Errno) Name() string {
	if name, ok := errnoNames[e]; ok {
		return name
	}
	return fmt.Sprintf("error %d", int(e))
}

func (e Errno) Error() string {
	return "culex: " + e.Name() + ": " + C.GoString(C.mosquitto_strerror(C.int(e)))
}

// OSError is MOSQ_ERR_ERRNO with the system's error: errors.Is(err, culex.ErrErrno) and
// errors.Is(err, syscall.ECONNREFUSED) both hold.
type OSError struct {
	Errno syscall.Errno
}

func (e *OSError) Error() string {
	return "culex: MOSQ_ERR_ERRNO: " + e.Errno.Error()
}

// Unwrap gives the system's error.
func (e *OSError) Unwrap() error { return e.Errno }

// Is reports whether target is ErrErrno.
func (e *OSError) Is(target error) bool { return target == ErrErrno }

// ReasonCodeError is an acknowledgement that refused: a CONNACK, SUBACK, PUBACK or PUBREC with
// a failure code (MQTT 3 CONNACK codes 1 to 5, MQTT 5 reason codes 0x80 and up).
type ReasonCodeError struct {
	Packet string // "CONNACK", "SUBACK", "PUBACK" (also for PUBREC), "UNSUBACK"
	Code   byte
	Reason string // the broker's Reason String (MQTT 5), if it sent one
}

func (e *ReasonCodeError) Error() string {
	var text string
	if e.Packet == "CONNACK" && e.Code < 0x80 {
		text = C.GoString(C.mosquitto_connack_string(C.int(e.Code)))
	} else {
		text = C.GoString(C.mosquitto_reason_string(C.int(e.Code)))
	}
	s := fmt.Sprintf("culex: %s refused: %s (0x%02x)", e.Packet, text, e.Code)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is makes a refused CONNACK match ErrConnRefused and a refused publish match ErrRefused.
func (e *ReasonCodeError) Is(target error) bool {
	switch e.Packet {
	case "CONNACK":
		return target == ErrConnRefused
	case "PUBACK":
		return target == ErrRefused
	}
	return false
}

// ErrClosed is returned by the methods of a client after Disconnect.
var ErrClosed = fmt.Errorf("culex: the client is closed")

// ErrInHandler is returned by a method that would wait for the network (Subscribe,
// Unsubscribe, Token.Wait, Disconnect, Connect) when called from a message handler or another
// callback: those run on the client's network thread, which would then wait for itself.
var ErrInHandler = fmt.Errorf("culex: called from a handler, on the client's own network thread: " +
	"this would wait for itself (call it from another goroutine)")

// check turns a return code into an error (nil for MOSQ_ERR_SUCCESS); errno is what cgo gave
// with it, used for MOSQ_ERR_ERRNO.
func check(rc C.int, errno error) error {
	if rc == 0 {
		return nil
	}
	if Errno(rc) == ErrErrno {
		if en, ok := errno.(syscall.Errno); ok && en != 0 {
			return &OSError{Errno: en}
		}
	}
	return Errno(rc)
}
