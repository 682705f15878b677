package httpkit_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/testkit"
)

// TestServeRetriesAccept serves on a listener whose first Accepts fail, out of file descriptors
// (EMFILE, ENFILE) or of buffers (ENOBUFS, which the net package does not call temporary): the
// server backs off, logs each failure and then answers.
func TestServeRetriesAccept(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			logs := &testkit.Logs{}
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
			go func() {
				served <- httpkit.Serve(ctx, &testkit.FailingListener{Listener: inner, Errno: errno, N: 3}, ok, httpkit.Limits{}, zerolog.New(logs))
			}()
			res, err := http.Get("http://" + inner.Addr().String() + "/")
			if err != nil {
				t.Fatalf("after %v: %v", errno, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(b) != "ok" {
				t.Errorf("got %q, want ok", b)
			}
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v, want nil", err)
			}
			if n := strings.Count(logs.String(), errno.Error()); n != 3 {
				t.Errorf("got %d logged accept failures, want 3:\n%s", n, logs)
			}
		})
	}
}
