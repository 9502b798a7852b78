package culex_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// broker is a real mosquitto started for the tests on free 127.0.0.1 ports, with a config
// written here: an anonymous listener, one that wants a password, a TLS listener and one that
// also wants a client certificate (certificates made by the test).
type broker struct {
	dir                            string
	cmd                            *exec.Cmd
	plain, auth, tls, tlsClient    int
	caFile, caPEM, certPEM, keyPEM string
	otherCAPEM                     string
	log                            *os.File
}

var testBroker *broker

func TestMain(m *testing.M) {
	b, err := startBroker()
	if err != nil {
		fmt.Fprintln(os.Stderr, "broker:", err)
		os.Exit(1)
	}
	testBroker = b
	code := m.Run()
	b.stop()
	if code != 0 {
		if log, err := os.ReadFile(b.log.Name()); err == nil {
			fmt.Fprintf(os.Stderr, "---- mosquitto log ----\n%s", log)
		}
	}
	os.RemoveAll(b.dir)
	os.Exit(code)
}

func (b *broker) url(port int) string { return fmt.Sprintf("mqtt://127.0.0.1:%d", port) }

// freePorts finds n ports nothing listens on now (the broker's own bind is the real test).
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func startBroker() (*broker, error) {
	mosquitto := os.Getenv("MOSQUITTO")
	if mosquitto == "" {
		mosquitto = "/usr/sbin/mosquitto"
	}
	dir, err := os.MkdirTemp("", "culex-go-broker")
	if err != nil {
		return nil, err
	}
	b := &broker{dir: dir}
	if err := b.makeCertificates(); err != nil {
		return nil, err
	}
	passwd := filepath.Join(dir, "passwd")
	if out, err := exec.Command("mosquitto_passwd", "-b", "-c", passwd, "alice", "secret").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mosquitto_passwd: %v: %s", err, out)
	}
	me, err := user.Current()
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 5; attempt++ {
		ports, err := freePorts(4)
		if err != nil {
			return nil, err
		}
		b.plain, b.auth, b.tls, b.tlsClient = ports[0], ports[1], ports[2], ports[3]
		conf := fmt.Sprintf(`per_listener_settings true
persistence false
# The tests publish in bursts: no message may be dropped for a slow subscriber (0, "no limit",
# makes mosquitto 2.0.11 drop connections).
max_queued_messages 100000
set_tcp_nodelay true
user %s
log_dest stderr
# Not "all": a line per packet would cost more than the messages of the larger tests.
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe
log_type unsubscribe
listener %d 127.0.0.1
allow_anonymous true
listener %d 127.0.0.1
allow_anonymous false
password_file %s
listener %d 127.0.0.1
allow_anonymous true
cafile %s
certfile %s
keyfile %s
listener %d 127.0.0.1
allow_anonymous true
cafile %s
certfile %s
keyfile %s
require_certificate true
`, me.Username, b.plain, b.auth, passwd,
			b.tls, b.caFile, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"),
			b.tlsClient, b.caFile, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
		confFile := filepath.Join(dir, "mosquitto.conf")
		if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		b.log, err = os.Create(filepath.Join(dir, "mosquitto.log"))
		if err != nil {
			return nil, err
		}
		b.cmd = exec.Command(mosquitto, "-c", confFile)
		stderr, err := b.cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		if err := b.cmd.Start(); err != nil {
			return nil, err
		}
		// mosquitto says "running" once every listener is open; it exits if a port was taken.
		ready := make(chan bool, 1)
		go func() {
			scan := bufio.NewScanner(stderr)
			said := false
			for scan.Scan() {
				line := scan.Text()
				fmt.Fprintln(b.log, line)
				if !said && strings.Contains(line, " running") {
					said = true
					ready <- true
				}
			}
			if !said {
				ready <- false
			}
		}()
		select {
		case ok := <-ready:
			if ok {
				return b, nil
			}
		case <-time.After(20 * time.Second):
			return nil, fmt.Errorf("mosquitto did not start within 20 s")
		}
		_ = b.cmd.Wait()
	}
	return nil, fmt.Errorf("mosquitto did not start (ports taken?); log in %s", b.log.Name())
}

func (b *broker) stop() {
	if b.cmd != nil && b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	}
}

// makeCertificates writes a CA, a server certificate for localhost and 127.0.0.1 signed by it,
// a client certificate, and another CA that signed nothing here.
func (b *broker) makeCertificates() error {
	ca, caKey, caPEM, err := newCA("Culex Go test CA")
	if err != nil {
		return err
	}
	_, _, otherPEM, err := newCA("Some other CA")
	if err != nil {
		return err
	}
	b.caPEM, b.otherCAPEM = caPEM, otherPEM
	b.caFile = filepath.Join(b.dir, "ca.crt")
	if err := os.WriteFile(b.caFile, []byte(caPEM), 0o600); err != nil {
		return err
	}
	serverPEM, serverKey, err := newLeaf(ca, caKey, "localhost", true)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, "server.crt"), []byte(serverPEM), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.dir, "server.key"), []byte(serverKey), 0o600); err != nil {
		return err
	}
	b.certPEM, b.keyPEM, err = newLeaf(ca, caKey, "culex-go-client", false)
	return err
}

var serial int64

func template(cn string) *x509.Certificate {
	serial++
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(48 * time.Hour),
	}
}

func pemOf(kind string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}))
}

func newCA(cn string) (*x509.Certificate, *ecdsa.PrivateKey, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, "", err
	}
	t := template(cn)
	t.IsCA = true
	t.BasicConstraintsValid = true
	t.KeyUsage = x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, t, t, &key.PublicKey, key)
	if err != nil {
		return nil, nil, "", err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, pemOf("CERTIFICATE", der), err
}

func newLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, server bool) (string, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	t := template(cn)
	t.KeyUsage = x509.KeyUsageDigitalSignature
	if server {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		t.DNSNames = []string{"localhost"}
		t.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	return pemOf("CERTIFICATE", der), pemOf("EC PRIVATE KEY", keyDER), nil
}

// netListen is a TCP listener on 127.0.0.1 that accepts and never answers.
func netListen() (net.Listener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		var held []net.Conn
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	return l, nil
}
