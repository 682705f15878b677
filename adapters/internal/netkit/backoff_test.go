package netkit_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/vendgate/vendgate/adapters/internal/netkit"
)

// TestBackoff doubles from 5 ms up to 1 s and starts again after Reset.
func TestBackoff(t *testing.T) {
	var b netkit.Backoff
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000}
	for i, w := range want {
		if got := b.Next(); got != w*time.Millisecond {
			t.Errorf("pause %d: got %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	b.Reset()
	if got := b.Next(); got != 5*time.Millisecond {
		t.Errorf("after Reset: got %s, want 5ms", got)
	}
}

// TestFatal ends an accept loop only for a closed listener.
func TestFatal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	_, closed := ln.Accept()
	if !netkit.Fatal(closed) {
		t.Errorf("Fatal(%v) = false, want true", closed)
	}
	if other := fmt.Errorf("accept: %w", net.UnknownNetworkError("x")); netkit.Fatal(other) {
		t.Errorf("Fatal(%v) = true, want false", other)
	}
}
