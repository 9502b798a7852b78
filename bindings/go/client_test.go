package culex_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"culex"
)

// patience bounds every wait of a test: a failure, not a timing measurement.
const patience = 20 * time.Second

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return c
}

// connect returns a connected client; it is disconnected when the test ends.
func connect(t *testing.T, opts culex.Options) *culex.Client {
	t.Helper()
	if opts.Broker == "" {
		opts.Broker = testBroker.url(testBroker.plain)
	}
	c, err := culex.Connect(ctx(t), opts)
	if err != nil {
		t.Fatalf("connect %s: %v", opts.Broker, err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// inbox collects messages from handlers (on the library's thread) for the test goroutine.
type inbox struct {
	mu   sync.Mutex
	got  []*culex.Message
	more chan struct{}
}

func newInbox() *inbox { return &inbox{more: make(chan struct{}, 1)} }

func (b *inbox) handler(_ *culex.Client, m *culex.Message) {
	b.mu.Lock()
	b.got = append(b.got, m)
	b.mu.Unlock()
	select {
	case b.more <- struct{}{}:
	default:
	}
}

// wait returns once n messages are in, or fails the test.
func (b *inbox) wait(t *testing.T, n int) []*culex.Message {
	t.Helper()
	deadline := time.After(patience)
	for {
		b.mu.Lock()
		if len(b.got) >= n {
			got := append([]*culex.Message(nil), b.got...)
			b.mu.Unlock()
			return got
		}
		have := len(b.got)
		b.mu.Unlock()
		select {
		case <-b.more:
		case <-deadline:
			t.Fatalf("got %d messages, want %d", have, n)
		}
	}
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

var topicSeq int

// topic is a fresh topic prefix per test, so that tests never see each other's messages.
func topic(t *testing.T) string {
	topicSeq++
	return fmt.Sprintf("go/%s/%d", t.Name(), topicSeq)
}

func TestPublishAndSubscribeAtEveryQoS(t *testing.T) {
	base := topic(t)
	sub := connect(t, culex.Options{})
	pub := connect(t, culex.Options{})
	for qos := byte(0); qos <= 2; qos++ {
		box := newInbox()
		filter := fmt.Sprintf("%s/q%d/#", base, qos)
		granted, err := sub.Subscribe(ctx(t), filter, qos, box.handler)
		if err != nil || granted != qos {
			t.Fatalf("subscribe at QoS %d: granted %d, %v", qos, granted, err)
		}
		var tokens []*culex.Token
		for i := 0; i < 10; i++ {
			tok, err := pub.Publish(fmt.Sprintf("%s/q%d/m", base, qos), qos, false, []byte(fmt.Sprint(i)))
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		for _, tok := range tokens {
			if err := tok.Wait(ctx(t)); err != nil {
				t.Fatalf("QoS %d message %d: %v", qos, tok.MessageID(), err)
			}
		}
		got := box.wait(t, 10)
		for i, m := range got {
			if string(m.Payload) != fmt.Sprint(i) || m.QoS != qos || m.Topic != fmt.Sprintf("%s/q%d/m", base, qos) {
				t.Fatalf("QoS %d: message %d is %q at QoS %d on %s", qos, i, m.Payload, m.QoS, m.Topic)
			}
		}
	}
}

func TestEachMatchingHandlerGetsTheMessageOnceAndTheRestGoToTheDefault(t *testing.T) {
	base := topic(t)
	fallback := newInbox()
	sub := connect(t, culex.Options{DefaultHandler: fallback.handler})
	pub := connect(t, culex.Options{})
	plus, hash := newInbox(), newInbox()
	if _, err := sub.Subscribe(ctx(t), base+"/+/x", 1, plus.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Subscribe(ctx(t), base+"/a/#", 1, hash.handler); err != nil {
		t.Fatal(err)
	}
	// Delivered by the broker, claimed by no handler.
	if _, err := sub.Subscribe(ctx(t), base+"/z", 1, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a/x", "b/x", "a/y", "z"} {
		tok, err := pub.Publish(base+"/"+s, 1, false, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if err := tok.Wait(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	topics := func(ms []*culex.Message) (s []string) {
		for _, m := range ms {
			s = append(s, string(m.Payload))
		}
		return s
	}
	if got := topics(plus.wait(t, 2)); fmt.Sprint(got) != "[a/x b/x]" {
		t.Errorf("+/x got %v", got)
	}
	if got := topics(hash.wait(t, 2)); fmt.Sprint(got) != "[a/x a/y]" {
		t.Errorf("a/# got %v", got)
	}
	if got := topics(fallback.wait(t, 1)); fmt.Sprint(got) != "[z]" {
		t.Errorf("default handler got %v", got)
	}

	// After Unsubscribe, a filter's messages stop; its handler is gone.
	if err := sub.Unsubscribe(ctx(t), base+"/a/#"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a/y", "b/x"} {
		tok, _ := pub.Publish(base+"/"+s, 1, false, []byte(s))
		if err := tok.Wait(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	plus.wait(t, 3)
	if hash.count() != 2 || fallback.count() != 1 {
		t.Errorf("after unsubscribing a/#: a/# has %d, default %d", hash.count(), fallback.count())
	}
}

func TestManyGoroutinesPublishAtOnce(t *testing.T) {
	const goroutines, each = 16, 200
	base := topic(t)
	sub := connect(t, culex.Options{})
	box := newInbox()
	if _, err := sub.Subscribe(ctx(t), base+"/#", 1, box.handler); err != nil {
		t.Fatal(err)
	}
	// The default in-flight window (20): mosquitto refuses QoS 1 and 2 messages beyond its own
	// (max_inflight_messages 20), silently before MQTT 5.
	pub := connect(t, culex.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var tokens []*culex.Token
			for i := 0; i < each; i++ {
				// QoS 1 or 2 (a broker may drop QoS 0 messages under load), one per publisher:
				// mosquitto forwards QoS 2 at PUBREL, so a QoS 1 message sent later may pass it.
				tok, err := pub.Publish(fmt.Sprintf("%s/%d", base, g), byte(1+g%2), false, []byte(fmt.Sprint(i)))
				if err != nil {
					errs <- err
					return
				}
				tokens = append(tokens, tok)
			}
			for _, tok := range tokens {
				if err := tok.Wait(context.Background()); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := box.wait(t, goroutines*each)
	// Every message once, and each publisher's messages in the order it sent them.
	next := map[string]int{}
	for _, m := range got {
		if want := fmt.Sprint(next[m.Topic]); string(m.Payload) != want {
			t.Fatalf("%s: got %q, want %q", m.Topic, m.Payload, want)
		}
		next[m.Topic]++
	}
	if len(next) != goroutines {
		t.Fatalf("messages from %d publishers, want %d", len(next), goroutines)
	}
}

func TestUsernameAndPassword(t *testing.T) {
	_, err := culex.Connect(ctx(t), culex.Options{
		Broker: testBroker.url(testBroker.auth), Username: "alice", Password: "wrong",
	})
	var refused *culex.ReasonCodeError
	if !errors.As(err, &refused) || !errors.Is(err, culex.ErrConnRefused) || refused.Packet != "CONNACK" {
		t.Fatalf("wrong password: %v (%T), want a refused CONNACK", err, err)
	}
	connect(t, culex.Options{Broker: testBroker.url(testBroker.auth), Username: "alice", Password: "secret"})
}

func TestTheWillIsPublishedWhenTheConnectionIsLost(t *testing.T) {
	base := topic(t)
	watcher := connect(t, culex.Options{})
	box := newInbox()
	if _, err := watcher.Subscribe(ctx(t), base+"/will", 1, box.handler); err != nil {
		t.Fatal(err)
	}
	lost := make(chan error, 1)
	id := "go-will-" + fmt.Sprint(time.Now().UnixNano())
	connect(t, culex.Options{
		ClientID: id,
		Will:     &culex.Will{Topic: base + "/will", Payload: []byte("gone"), QoS: 1},
		// Taken over by the second client below: the broker ends this connection.
		ReconnectDelay: time.Hour, MaxReconnectDelay: time.Hour,
		OnConnectionLost: func(_ *culex.Client, err error) { lost <- err },
	})
	connect(t, culex.Options{ClientID: id})
	select {
	case err := <-lost:
		if err == nil {
			t.Error("OnConnectionLost without an error")
		}
	case <-time.After(patience):
		t.Fatal("no OnConnectionLost")
	}
	if m := box.wait(t, 1)[0]; string(m.Payload) != "gone" {
		t.Fatalf("will payload %q", m.Payload)
	}
}

func TestTLS(t *testing.T) {
	b := testBroker
	base := topic(t)
	for name, opts := range map[string]culex.Options{
		"CA file":            {Broker: fmt.Sprintf("mqtts://localhost:%d", b.tls), TLS: &culex.TLSConfig{CAFile: b.caFile}},
		"CA PEM":             {Broker: fmt.Sprintf("ssl://127.0.0.1:%d", b.tls), TLS: &culex.TLSConfig{CAPEM: []byte(b.caPEM)}},
		"client certificate": {Broker: fmt.Sprintf("mqtts://localhost:%d", b.tlsClient), TLS: &culex.TLSConfig{CAPEM: []byte(b.caPEM), CertPEM: []byte(b.certPEM), KeyPEM: []byte(b.keyPEM)}},
	} {
		c := connect(t, opts)
		box := newInbox()
		if _, err := c.Subscribe(ctx(t), base+"/tls", 1, box.handler); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tok, err := c.Publish(base+"/tls", 1, false, []byte(name))
		if err == nil {
			err = tok.Wait(ctx(t))
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m := box.wait(t, 1)[0]; string(m.Payload) != name {
			t.Fatalf("%s: got %q", name, m.Payload)
		}
		if err := c.Unsubscribe(ctx(t), base+"/tls"); err != nil {
			t.Fatal(err)
		}
	}
	for name, opts := range map[string]culex.Options{
		"another CA":            {Broker: fmt.Sprintf("mqtts://localhost:%d", b.tls), TLS: &culex.TLSConfig{CAPEM: []byte(b.otherCAPEM)}},
		"no client certificate": {Broker: fmt.Sprintf("mqtts://localhost:%d", b.tlsClient), TLS: &culex.TLSConfig{CAFile: b.caFile}},
		"plain TCP to TLS":      {Broker: fmt.Sprintf("mqtt://127.0.0.1:%d", b.tls)},
	} {
		_, err := culex.Connect(ctx(t), opts)
		if err == nil {
			t.Errorf("%s: connected", name)
			continue
		}
		var errno culex.Errno
		if !errors.As(err, &errno) {
			t.Errorf("%s: %v (%T), want a culex.Errno", name, err, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

func u32(v uint32) *uint32 { return &v }
func b8(v byte) *byte      { return &v }

func TestMQTT5Properties(t *testing.T) {
	base := topic(t)
	v5 := culex.Options{
		ProtocolVersion:   5,
		ConnectProperties: &culex.Properties{SessionExpiry: u32(0), User: []culex.UserProperty{{Key: "app", Value: "test"}}},
	}
	sub := connect(t, v5)
	pub := connect(t, v5)
	box := newInbox()
	if _, err := sub.SubscribeWith(ctx(t), base+"/#", 1, box.handler, culex.SubscribeOptions{
		NoLocal:    true,
		Properties: &culex.Properties{SubscriptionIdentifier: []uint32{7}},
	}); err != nil {
		t.Fatal(err)
	}
	props := &culex.Properties{
		PayloadFormat:   b8(1),
		MessageExpiry:   u32(3600),
		ContentType:     "text/plain",
		ResponseTopic:   base + "/reply",
		CorrelationData: []byte{1, 2, 3},
		User:            []culex.UserProperty{{Key: "k", Value: "v1"}, {Key: "k", Value: "v2"}},
	}
	// NoLocal: the subscriber's own message does not come back.
	if tok, err := sub.Publish(base+"/own", 1, false, []byte("own")); err != nil || tok.Wait(ctx(t)) != nil {
		t.Fatal("own publish", err)
	}
	tok, err := pub.PublishMessage(&culex.Message{Topic: base + "/p", QoS: 1, Payload: []byte("hi"), Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Wait(ctx(t)); err != nil || tok.ReasonCode() != 0 {
		t.Fatalf("publish: %v, reason %d", err, tok.ReasonCode())
	}
	m := box.wait(t, 1)[0]
	p := m.Properties
	if m.Topic != base+"/p" || p == nil {
		t.Fatalf("got %s with properties %+v", m.Topic, p)
	}
	if p.ContentType != "text/plain" || p.ResponseTopic != base+"/reply" || !bytes.Equal(p.CorrelationData, []byte{1, 2, 3}) ||
		p.PayloadFormat == nil || *p.PayloadFormat != 1 || p.MessageExpiry == nil || *p.MessageExpiry > 3600 ||
		fmt.Sprint(p.User) != "[{k v1} {k v2}]" || fmt.Sprint(p.SubscriptionIdentifier) != "[7]" {
		t.Fatalf("properties %+v", *p)
	}
	// Properties an MQTT 3.1.1 client cannot send.
	old := connect(t, culex.Options{})
	if _, err := old.PublishMessage(&culex.Message{Topic: base + "/x", Properties: props}); !errors.Is(err, culex.ErrNotSupported) {
		t.Fatalf("properties on 3.1.1: %v", err)
	}
}

func TestErrorsAreGoErrorsWithTheirCNames(t *testing.T) {
	c, err := culex.NewClient(culex.Options{Broker: testBroker.url(testBroker.plain)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	_, err = c.Publish("a", 0, false, nil)
	if !errors.Is(err, culex.ErrNoConn) || !strings.HasPrefix(err.Error(), "culex: MOSQ_ERR_NO_CONN: ") {
		t.Fatalf("QoS 0 while not connected: %q", err)
	}
	if _, err := c.Publish("a/+", 0, false, nil); !errors.Is(err, culex.ErrInval) {
		t.Fatalf("wildcard topic: %v", err)
	}
	ports, _ := freePorts(1)
	_, err = culex.Connect(ctx(t), culex.Options{Broker: fmt.Sprintf("127.0.0.1:%d", ports[0])})
	var oserr *culex.OSError
	if !errors.As(err, &oserr) || !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, culex.ErrErrno) {
		t.Fatalf("nothing listening: %v (%T)", err, err)
	}
	if _, err := culex.NewClient(culex.Options{Broker: "ws://x"}); err == nil {
		t.Fatal("ws:// accepted")
	}
	if _, err := culex.NewClient(culex.Options{KeepSession: true}); !errors.Is(err, culex.ErrInval) {
		t.Fatalf("a kept session without a client id: %v", err)
	}
	if err := c.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish("a", 1, false, nil); err != culex.ErrClosed {
		t.Fatalf("after Disconnect: %v", err)
	}
}

func TestHandlersMayPublishButNotWait(t *testing.T) {
	base := topic(t)
	c := connect(t, culex.Options{})
	replies := newInbox()
	if _, err := c.Subscribe(ctx(t), base+"/reply", 1, replies.handler); err != nil {
		t.Fatal(err)
	}
	inHandler := make(chan error, 2)
	if _, err := c.Subscribe(ctx(t), base+"/ask", 1, func(c *culex.Client, m *culex.Message) {
		tok, err := c.Publish(base+"/reply", 1, false, m.Payload)
		if err != nil {
			inHandler <- err
			return
		}
		inHandler <- tok.Wait(context.Background())
		_, err = c.Subscribe(context.Background(), base+"/more", 0, nil)
		inHandler <- err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(base+"/ask", 1, false, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := <-inHandler; err != culex.ErrInHandler {
			t.Fatalf("a wait inside a handler: %v, want ErrInHandler", err)
		}
	}
	if m := replies.wait(t, 1)[0]; string(m.Payload) != "ping" {
		t.Fatalf("reply %q", m.Payload)
	}
}

func TestConnectAndWaitGiveUpWithTheContext(t *testing.T) {
	// A broker that never answers: the connection stays unacknowledged.
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := culex.NewClient(culex.Options{Broker: l.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Connect(short); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, culex.ErrTimeout) {
		t.Fatalf("connect to a silent broker: %v", err)
	}

	// A QoS 1 message before the first connection waits in the queue: Wait gives up with its
	// context, and Disconnect ends the wait for good.
	c, err = culex.NewClient(culex.Options{Broker: l.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Publish("queued", 1, false, []byte("later"))
	if err != nil {
		t.Fatal(err)
	}
	brief, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if err := tok.Wait(brief); !errors.Is(err, context.DeadlineExceeded) || tok.Err() != nil {
		t.Fatalf("wait for a queued message: %v (Err %v)", err, tok.Err())
	}
	if err := c.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-tok.Done()
	if err := tok.Wait(context.Background()); err != culex.ErrClosed {
		t.Fatalf("after Disconnect: %v", err)
	}
}
