package testkit

import (
	"bytes"
	"sync"
	"testing"

	"github.com/rs/zerolog"
)

// Logs captures what a component logs: its Logger writes JSON lines to a buffer that is safe for
// the component's goroutines to write while the test reads it.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// CaptureLogs returns a logger for the component under test and the Logs it writes to.
func CaptureLogs(tb testing.TB) (zerolog.Logger, *Logs) {
	tb.Helper()
	l := &Logs{}
	return zerolog.New(l).With().Timestamp().Logger(), l
}

// Write appends p; it is the logger's writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
