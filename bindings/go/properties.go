package culex

/*
#include <stdlib.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
*/
import "C"

import "unsafe"

// Properties are MQTT 5 properties. Which ones a packet may carry is MQTT's rule (a CONNECT's
// Session Expiry, a PUBLISH's Content Type, ...); the library refuses the others. Pointer fields
// are absent when nil; strings and byte slices when empty.
type Properties struct {
	PayloadFormat          *byte
	MessageExpiry          *uint32
	ContentType            string
	ResponseTopic          string
	CorrelationData        []byte
	SubscriptionIdentifier []uint32 // a PUBLISH may carry several; a SUBSCRIBE one
	SessionExpiry          *uint32
	AssignedClientID       string
	ServerKeepAlive        *uint16
	AuthMethod             string
	AuthData               []byte
	RequestProblemInfo     *byte
	WillDelay              *uint32
	RequestResponseInfo    *byte
	ResponseInfo           string
	ServerReference        string
	ReasonString           string
	ReceiveMaximum         *uint16
	TopicAliasMaximum      *uint16
	TopicAlias             *uint16
	MaximumQoS             *byte
	RetainAvailable        *byte
	User                   []UserProperty
	MaximumPacketSize      *uint32
	WildcardSubAvailable   *byte
	SubIDAvailable         *byte
	SharedSubAvailable     *byte
}

// UserProperty is one User Property: a name and a value, both UTF-8. A packet may carry the
// same name more than once.
type UserProperty struct {
	Key, Value string
}

// The fields of each property type, by identifier (one table for both directions).
func (p *Properties) bytes() []struct {
	id C.int
	f  **byte
} {
	return []struct {
		id C.int
		f  **byte
	}{
		{C.MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, &p.PayloadFormat},
		{C.MQTT_PROP_REQUEST_PROBLEM_INFORMATION, &p.RequestProblemInfo},
		{C.MQTT_PROP_REQUEST_RESPONSE_INFORMATION, &p.RequestResponseInfo},
		{C.MQTT_PROP_MAXIMUM_QOS, &p.MaximumQoS},
		{C.MQTT_PROP_RETAIN_AVAILABLE, &p.RetainAvailable},
		{C.MQTT_PROP_WILDCARD_SUB_AVAILABLE, &p.WildcardSubAvailable},
		{C.MQTT_PROP_SUBSCRIPTION_ID_AVAILABLE, &p.SubIDAvailable},
		{C.MQTT_PROP_SHARED_SUB_AVAILABLE, &p.SharedSubAvailable},
	}
}

func (p *Properties) int16s() []struct {
	id C.int
	f  **uint16
} {
	return []struct {
		id C.int
		f  **uint16
	}{
		{C.MQTT_PROP_SERVER_KEEP_ALIVE, &p.ServerKeepAlive},
		{C.MQTT_PROP_RECEIVE_MAXIMUM, &p.ReceiveMaximum},
		{C.MQTT_PROP_TOPIC_ALIAS_MAXIMUM, &p.TopicAliasMaximum},
		{C.MQTT_PROP_TOPIC_ALIAS, &p.TopicAlias},
	}
}

func (p *Properties) int32s() []struct {
	id C.int
	f  **uint32
} {
	return []struct {
		id C.int
		f  **uint32
	}{
		{C.MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &p.MessageExpiry},
		{C.MQTT_PROP_SESSION_EXPIRY_INTERVAL, &p.SessionExpiry},
		{C.MQTT_PROP_WILL_DELAY_INTERVAL, &p.WillDelay},
		{C.MQTT_PROP_MAXIMUM_PACKET_SIZE, &p.MaximumPacketSize},
	}
}

func (p *Properties) strings() []struct {
	id C.int
	f  *string
} {
	return []struct {
		id C.int
		f  *string
	}{
		{C.MQTT_PROP_CONTENT_TYPE, &p.ContentType},
		{C.MQTT_PROP_RESPONSE_TOPIC, &p.ResponseTopic},
		{C.MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER, &p.AssignedClientID},
		{C.MQTT_PROP_AUTHENTICATION_METHOD, &p.AuthMethod},
		{C.MQTT_PROP_RESPONSE_INFORMATION, &p.ResponseInfo},
		{C.MQTT_PROP_SERVER_REFERENCE, &p.ServerReference},
		{C.MQTT_PROP_REASON_STRING, &p.ReasonString},
	}
}

func (p *Properties) binaries() []struct {
	id C.int
	f  *[]byte
} {
	return []struct {
		id C.int
		f  *[]byte
	}{
		{C.MQTT_PROP_CORRELATION_DATA, &p.CorrelationData},
		{C.MQTT_PROP_AUTHENTICATION_DATA, &p.AuthData},
	}
}

// cProperties builds the library's list for p; the caller frees it with
// mosquitto_property_free_all unless a call took it. nil for no properties.
func (p *Properties) cProperties() (*C.mosquitto_property, error) {
	if p == nil {
		return nil, nil
	}
	var list *C.mosquitto_property
	fail := func(rc C.int) (*C.mosquitto_property, error) {
		C.mosquitto_property_free_all(&list)
		return nil, Errno(rc)
	}
	for _, b := range p.bytes() {
		if *b.f != nil {
			if rc := C.mosquitto_property_add_byte(&list, b.id, C.uint8_t(**b.f)); rc != 0 {
				return fail(rc)
			}
		}
	}
	for _, v := range p.int16s() {
		if *v.f != nil {
			if rc := C.mosquitto_property_add_int16(&list, v.id, C.uint16_t(**v.f)); rc != 0 {
				return fail(rc)
			}
		}
	}
	for _, v := range p.int32s() {
		if *v.f != nil {
			if rc := C.mosquitto_property_add_int32(&list, v.id, C.uint32_t(**v.f)); rc != 0 {
				return fail(rc)
			}
		}
	}
	for _, id := range p.SubscriptionIdentifier {
		if rc := C.mosquitto_property_add_varint(&list, C.MQTT_PROP_SUBSCRIPTION_IDENTIFIER, C.uint32_t(id)); rc != 0 {
			return fail(rc)
		}
	}
	for _, s := range p.strings() {
		if *s.f != "" {
			cs := C.CString(*s.f)
			rc := C.mosquitto_property_add_string(&list, s.id, cs)
			C.free(unsafe.Pointer(cs))
			if rc != 0 {
				return fail(rc)
			}
		}
	}
	for _, b := range p.binaries() {
		if len(*b.f) > 0 {
			data := C.CBytes(*b.f)
			rc := C.mosquitto_property_add_binary(&list, b.id, data, C.uint16_t(len(*b.f)))
			C.free(data)
			if rc != 0 {
				return fail(rc)
			}
		}
	}
	for _, u := range p.User {
		k, v := C.CString(u.Key), C.CString(u.Value)
		rc := C.mosquitto_property_add_string_pair(&list, C.MQTT_PROP_USER_PROPERTY, k, v)
		C.free(unsafe.Pointer(k))
		C.free(unsafe.Pointer(v))
		if rc != 0 {
			return fail(rc)
		}
	}
	return list, nil
}

// goProperties copies the library's list (which stays the library's); nil for an empty list.
func goProperties(list *C.mosquitto_property) *Properties {
	if list == nil {
		return nil
	}
	p := &Properties{}
	for at := list; at != nil; at = C.mosquitto_property_next(at) {
		p.read(at, C.mosquitto_property_identifier(at))
	}
	return p
}

// read takes the property at `at` (whose identifier is id) into p.
func (p *Properties) read(at *C.mosquitto_property, id C.int) {
	for _, b := range p.bytes() {
		if b.id == id {
			var v C.uint8_t
			C.mosquitto_property_read_byte(at, id, &v, false)
			x := byte(v)
			*b.f = &x
			return
		}
	}
	for _, f := range p.int16s() {
		if f.id == id {
			var v C.uint16_t
			C.mosquitto_property_read_int16(at, id, &v, false)
			x := uint16(v)
			*f.f = &x
			return
		}
	}
	for _, f := range p.int32s() {
		if f.id == id {
			var v C.uint32_t
			C.mosquitto_property_read_int32(at, id, &v, false)
			x := uint32(v)
			*f.f = &x
			return
		}
	}
	for _, s := range p.strings() {
		if s.id == id {
			var v *C.char
			C.mosquitto_property_read_string(at, id, &v, false)
			*s.f = C.GoString(v)
			C.free(unsafe.Pointer(v))
			return
		}
	}
	for _, b := range p.binaries() {
		if b.id == id {
			var v unsafe.Pointer
			var n C.uint16_t
			C.mosquitto_property_read_binary(at, id, &v, &n, false)
			*b.f = C.GoBytes(v, C.int(n))
			C.free(v)
			return
		}
	}
	switch id {
	case C.MQTT_PROP_SUBSCRIPTION_IDENTIFIER:
		var v C.uint32_t
		C.mosquitto_property_read_varint(at, id, &v, false)
		p.SubscriptionIdentifier = append(p.SubscriptionIdentifier, uint32(v))
	case C.MQTT_PROP_USER_PROPERTY:
		var k, v *C.char
		C.mosquitto_property_read_string_pair(at, id, &k, &v, false)
		p.User = append(p.User, UserProperty{Key: C.GoString(k), Value: C.GoString(v)})
		C.free(unsafe.Pointer(k))
		C.free(unsafe.Pointer(v))
	}
}
