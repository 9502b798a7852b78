package culex

/*
#include <stdlib.h>
#include <culex.h>
#include <mosquitto.h>
*/
import "C"

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
	"unsafe"
)

// Options say how a Client connects. The zero value is a clean MQTT 3.1.1 session with
// localhost:1883, keepalive 60 s and a client id chosen by the broker.
type Options struct {
	// Broker is "mqtt://host:port" (also "tcp://"), "mqtts://host:port" (also "ssl://",
	// "tls://": TLS, default port 8883) or "host:port". Default "mqtt://localhost:1883".
	Broker string
	// ClientID; empty lets the broker choose one (needs a clean session before MQTT 5).
	ClientID string
	// KeepSession asks the broker to keep the session across connections (clean session /
	// clean start off).
	KeepSession bool
	// KeepAlive between control packets (default 60 s; whole seconds).
	KeepAlive time.Duration
	// ProtocolVersion: 3 (MQTT 3.1), 4 (3.1.1, the default) or 5.
	ProtocolVersion int
	// Username and Password, if the broker asks for them.
	Username, Password string
	// Will is published by the broker if the connection ends without Disconnect.
	Will *Will
	// TLS settings; a "mqtts://" broker without them verifies it against the system's CAs.
	TLS *TLSConfig
	// ConnectProperties go with CONNECT (MQTT 5): Session Expiry, Receive Maximum, User
	// Properties, ...
	ConnectProperties *Properties
	// ConnectTimeout bounds each attempt, from name lookup to CONNACK (default 30 s, or the
	// context's deadline when sooner).
	ConnectTimeout time.Duration
	// ReconnectDelay and MaxReconnectDelay: after a lost connection the client reconnects by
	// itself, waiting ReconnectDelay (default 1 s), doubling up to MaxReconnectDelay (default
	// 30 s).
	ReconnectDelay, MaxReconnectDelay time.Duration
	// MaxInflight is how many QoS 1 and 2 messages may await their acknowledgement (default 20;
	// MQTT 5 brokers may lower it with Receive Maximum).
	MaxInflight int
	// MaxQueued limits the messages waiting to be sent beyond that window or while offline (0:
	// no limit); a Publish beyond it fails with ErrQueueFull.
	MaxQueued int

	// OnConnect is called after every successful connection, reconnects included.
	OnConnect func(*Client, ConnAck)
	// OnConnectionLost is called when an established connection ends other than by
	// Disconnect; the client then reconnects by itself.
	OnConnectionLost func(*Client, error)
	// DefaultHandler gets the messages that match no Subscribe handler.
	DefaultHandler Handler
	// OnLog gets the library's log lines (level is a MOSQ_LOG_* value). It is called on
	// whatever thread made the call that logged, with the client busy: it must not call the
	// client.
	OnLog func(level int, line string)
}

// Will is the message the broker publishes when the client goes away without Disconnect.
type Will struct {
	Topic      string
	Payload    []byte
	QoS        byte
	Retain     bool
	Properties *Properties // MQTT 5: Will Delay, Message Expiry, Content Type, ...
}

// TLSConfig: how to verify the broker and, optionally, who the client is. Files or PEM text
// in memory; OpenSSL does the work.
type TLSConfig struct {
	CAFile, CAPath string // trusted CAs: a PEM file, a directory prepared with c_rehash
	CAPEM          []byte // or PEM text (replaces CAFile)
	CertFile       string // the client's certificate and key, for brokers that ask for one
	KeyFile        string
	CertPEM        []byte // or as PEM text (both, with CAPEM)
	KeyPEM         []byte
	// InsecureSkipVerify skips the check of the broker's host name against its certificate
	// (the certificate chain is still verified).
	InsecureSkipVerify bool
	// Version: "tlsv1.2" or "tlsv1.3" (default: what OpenSSL allows).
	Version string
	// Ciphers, in OpenSSL's cipher list format.
	Ciphers string
}

// ConnAck is the broker's answer to CONNECT.
type ConnAck struct {
	SessionPresent bool
	ReasonCode     byte
	Properties     *Properties // MQTT 5
}

// broker splits Options.Broker into host, port and whether TLS is meant.
func (o *Options) broker() (host string, port int, tls bool, err error) {
	addr := o.Broker
	if addr == "" {
		addr = "mqtt://localhost:1883"
	}
	hostport := addr
	if u, perr := url.Parse(addr); perr == nil && u.Scheme != "" && u.Host != "" {
		switch u.Scheme {
		case "mqtt", "tcp":
		case "mqtts", "ssl", "tls":
			tls = true
		default:
			return "", 0, false, fmt.Errorf("culex: unsupported broker scheme %q (mqtt, mqtts, tcp, ssl or tls)", u.Scheme)
		}
		hostport = u.Host
	}
	port = 1883
	if tls {
		port = 8883
	}
	host = hostport
	if h, p, serr := net.SplitHostPort(hostport); serr == nil {
		host = h
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", 0, false, fmt.Errorf("culex: bad port in broker address %q", addr)
		}
	}
	if host == "" {
		return "", 0, false, fmt.Errorf("culex: no host in broker address %q", addr)
	}
	return host, port, tls, nil
}

func seconds(d, otherwise time.Duration) C.uint {
	if d <= 0 {
		d = otherwise
	}
	s := (d + time.Second - 1) / time.Second
	return C.uint(s)
}

// apply sets the options on a new handle.
func (o *Options) apply(mosq *C.struct_mosquitto, useTLS bool) error {
	version := o.ProtocolVersion
	switch version {
	case 0, 4:
		version = C.MQTT_PROTOCOL_V311
	case 3, 5:
	default:
		return fmt.Errorf("culex: ProtocolVersion must be 3, 4 or 5, not %d", version)
	}
	if err := check(C.mosquitto_int_option(mosq, C.MOSQ_OPT_PROTOCOL_VERSION, C.int(version)), nil); err != nil {
		return err
	}
	if o.Username != "" || o.Password != "" {
		user, pass := C.CString(o.Username), C.CString(o.Password)
		defer C.free(unsafe.Pointer(user))
		defer C.free(unsafe.Pointer(pass))
		if err := check(C.mosquitto_username_pw_set(mosq, user, pass), nil); err != nil {
			return err
		}
	}
	if o.Will != nil {
		if err := o.Will.apply(mosq); err != nil {
			return err
		}
	}
	if useTLS || o.TLS != nil {
		if err := o.TLS.apply(mosq); err != nil {
			return err
		}
	}
	if err := check(C.mosquitto_reconnect_delay_set(mosq, seconds(o.ReconnectDelay, time.Second),
		seconds(o.MaxReconnectDelay, 30*time.Second), true), nil); err != nil {
		return err
	}
	if o.MaxInflight > 0 {
		if err := check(C.mosquitto_max_inflight_messages_set(mosq, C.uint(o.MaxInflight)), nil); err != nil {
			return err
		}
	}
	if o.MaxQueued > 0 {
		if err := check(C.culex_max_queued_messages_set(mosq, C.uint(o.MaxQueued), 0), nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *Will) apply(mosq *C.struct_mosquitto) error {
	topic := C.CString(w.Topic)
	defer C.free(unsafe.Pointer(topic))
	props, err := w.Properties.cProperties()
	if err != nil {
		return err
	}
	var payload unsafe.Pointer
	if len(w.Payload) > 0 {
		payload = unsafe.Pointer(&w.Payload[0])
	}
	rc := C.mosquitto_will_set_v5(mosq, topic, C.int(len(w.Payload)), payload, C.int(w.QoS), C.bool(w.Retain), props)
	if rc != 0 {
		// Taken by the library only on success.
		C.mosquitto_property_free_all(&props)
	}
	return check(rc, nil)
}

// apply sets TLS up; a nil config means the system's trusted CAs.
func (t *TLSConfig) apply(mosq *C.struct_mosquitto) error {
	if t == nil {
		return check(C.mosquitto_int_option(mosq, C.MOSQ_OPT_TLS_USE_OS_CERTS, 1), nil)
	}
	cstr := func(s string) *C.char {
		if s == "" {
			return nil
		}
		return C.CString(s)
	}
	free := func(ps ...*C.char) {
		for _, p := range ps {
			C.free(unsafe.Pointer(p))
		}
	}
	switch {
	case len(t.CAPEM) > 0:
		ca, cert, key := cstr(string(t.CAPEM)), cstr(string(t.CertPEM)), cstr(string(t.KeyPEM))
		defer free(ca, cert, key)
		if err := check(C.culex_tls_set_pem(mosq, ca, cert, key, nil), nil); err != nil {
			return err
		}
	case t.CAFile != "" || t.CAPath != "":
		ca, capath, cert, key := cstr(t.CAFile), cstr(t.CAPath), cstr(t.CertFile), cstr(t.KeyFile)
		defer free(ca, capath, cert, key)
		if err := check(C.mosquitto_tls_set(mosq, ca, capath, cert, key, nil), nil); err != nil {
			return err
		}
	default:
		if err := check(C.mosquitto_int_option(mosq, C.MOSQ_OPT_TLS_USE_OS_CERTS, 1), nil); err != nil {
			return err
		}
	}
	if t.Version != "" || t.Ciphers != "" {
		version, ciphers := cstr(t.Version), cstr(t.Ciphers)
		defer free(version, ciphers)
		if err := check(C.mosquitto_tls_opts_set(mosq, 1, version, ciphers), nil); err != nil {
			return err
		}
	}
	return check(C.mosquitto_tls_insecure_set(mosq, C.bool(t.InsecureSkipVerify)), nil)
}
