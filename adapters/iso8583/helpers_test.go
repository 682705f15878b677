package iso8583_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	moov "github.com/moov-io/iso8583"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// fixed is the clock of the vendor and of the golden messages.
var fixed = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

type testServer struct {
	srv  *iso.Server
	fake *memstore.Bank // the real core.Vendor on an in-memory store
	addr string
	logs *testkit.Logs
}

// MustServe starts a server on 127.0.0.1:0 with the real vendor on a memstore.Bank behind it;
// cfg's dependencies and logger are filled in. It is shut down at the end of the test, and its
// logs are checked for secrets.
func MustServe(tb testing.TB, cfg iso.Config) *testServer {
	tb.Helper()
	return MustServeWrapped(tb, cfg, nil)
}

// MustServeWrapped is MustServe with the vendor wrapped by wrap (when not nil).
func MustServeWrapped(tb testing.TB, cfg iso.Config, wrap func(iso.Vendor) iso.Vendor) *testServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return MustServeOn(tb, cfg, wrap, ln)
}

// MustServeOn is MustServeWrapped serving ln.
func MustServeOn(tb testing.TB, cfg iso.Config, wrap func(iso.Vendor) iso.Vendor, ln net.Listener) *testServer {
	tb.Helper()
	fake := memstore.NewBank(tb, fixed)
	log, logs := testkit.CaptureLogs(tb)
	cfg.Vendor, cfg.Institutions = fake.Vendor, fake.Store
	if wrap != nil {
		cfg.Vendor = wrap(fake.Vendor)
	}
	cfg.Logger = log
	srv, err := iso.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: got %v, want nil", err)
		}
		if err := <-done; !errors.Is(err, iso.ErrServerClosed) {
			tb.Errorf("Serve: got %v, want ErrServerClosed", err)
		}
		testkit.AssertNoSecrets(tb, "the ISO 8583 server's logs", logs.String(), secretsOf(fake))
	})
	return &testServer{srv: srv, fake: fake, addr: ln.Addr().String(), logs: logs}
}

// secretsOf is what the server's logs must never carry: the test cards' PANs, every token the
// vendor issued, the meters' PANs and the vending key.
func secretsOf(b *memstore.Bank) testkit.Secrets {
	s := testkit.Secrets{PANs: []string{"4761739001010119"}, Tokens: b.Tokens(), Keys: [][]byte{memstore.VendingKey}}
	for _, n := range []string{memstore.MeterOK, memstore.MeterOK2} {
		if v, err := b.Store.MeterByNumber(context.Background(), n); err == nil {
			s.PANs = append(s.PANs, v.Meter.Key.PAN.String())
		}
	}
	return s
}

// MustClient dials ts as institution and signs on unless institution is "".
func MustClient(tb testing.TB, ts *testServer, institution string) *atm.Client {
	tb.Helper()
	c, err := atm.Dial(context.Background(), atm.Config{Addr: ts.addr, Institution: institution, Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	if institution != "" {
		if err := c.SignOn(); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// rawConn is a TCP connection that writes and reads framed bytes, for golden and malformed
// messages.
type rawConn struct {
	tb testing.TB
	c  net.Conn
}

func MustRaw(tb testing.TB, ts *testServer) *rawConn {
	tb.Helper()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return &rawConn{tb: tb, c: c}
}

func (r *rawConn) write(packed []byte) {
	r.tb.Helper()
	framed, err := iso.Binary2.Frame(packed)
	if err != nil {
		r.tb.Fatal(err)
	}
	if _, err := r.c.Write(framed); err != nil {
		r.tb.Fatal(err)
	}
}

// read returns the next message's bytes, or nil when none comes within d.
func (r *rawConn) read(d time.Duration) []byte {
	r.tb.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(d))
	n, err := iso.Binary2.ReadLength(r.c)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		r.tb.Fatalf("reading: %v", err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.c, b); err != nil {
		r.tb.Fatalf("reading: %v", err)
	}
	return b
}

// mustUnpack unpacks a response.
func mustUnpack(tb testing.TB, b []byte) *moov.Message {
	tb.Helper()
	m := moov.NewMessage(iso.Spec)
	if err := m.Unpack(b); err != nil {
		tb.Fatalf("unpacking %q: %v", b, err)
	}
	return m
}

func field(m *moov.Message, id int) string {
	s, _ := m.GetString(id)
	return s
}

type atmMessage = moov.Message

func clone(tb testing.TB, m *moov.Message) *moov.Message {
	tb.Helper()
	c, err := m.Clone()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newNetwork(code, institution string) *moov.Message {
	m := moov.NewMessage(iso.Spec)
	m.MTI(iso.MTINetworkRequest)
	_ = m.Field(7, time.Now().UTC().Format("0102150405"))
	_ = m.Field(11, atm.NextSTAN())
	_ = m.Field(32, institution)
	_ = m.Field(70, code)
	return m
}

// purchaseAs is a purchase from cl with field 32 set to institution.
func purchaseAs(cl *atm.Client, institution, meter string, amount int64) *moov.Message {
	m := cl.Purchase(meter, amount)
	_ = m.Field(32, institution)
	return m
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
