package iso8583_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
	"github.com/vendgate/vendgate/adapters/iso8583/atm"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// TestAcceptRetriesEMFILE serves on a listener out of file descriptors for three Accepts: the
// server backs off and goes on, and a bank then signs on and buys.
func TestAcceptRetriesEMFILE(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := MustServeOn(t, iso.Config{}, nil, &testkit.FailingListener{Listener: inner, Errno: syscall.EMFILE, N: 3})
	cl := MustClient(t, ts, memstore.BankCode)
	if got, err := cl.Send(cl.Purchase(memstore.MeterOK, 5000)); err != nil || got.RC != "00" {
		t.Fatalf("purchase after EMFILE: got %q, %v; want 00", got.RC, err)
	}
	if n := strings.Count(ts.logs.String(), "too many open files"); n != 3 {
		t.Errorf("got %d logged accept failures, want 3:\n%s", n, ts.logs)
	}
}

// TestMaxConnections bounds the listener to two connections: a third is closed at once while
// the two are served on, and once one of them leaves a new connection is served.
func TestMaxConnections(t *testing.T) {
	ts := MustServe(t, iso.Config{MaxConnections: 2})
	first := MustClient(t, ts, memstore.BankCode)
	second := MustClient(t, ts, memstore.BankCode)

	third := MustRaw(t, ts)
	_ = third.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [1]byte
	_, err := third.c.Read(buf[:])
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection past the bound: read %v, want it closed by the server", err)
	}
	for i, cl := range []*atm.Client{first, second} {
		if got, err := cl.Network(iso.NetEcho); err != nil || got.RC != "00" {
			t.Errorf("connection %d under the bound: echo %q, %v; want 00", i+1, got.RC, err)
		}
	}
	if n := strings.Count(ts.logs.String(), "at its bound"); n != 1 {
		t.Errorf("got %d log lines of refusal, want 1:\n%s", n, ts.logs)
	}

	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := atm.Dial(context.Background(), atm.Config{Addr: ts.addr, Institution: memstore.BankCode, Timeout: time.Second})
		if err == nil {
			err = c.SignOn()
			c.Close()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after one of the two closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // the server notices the close on its own time
	}
}
