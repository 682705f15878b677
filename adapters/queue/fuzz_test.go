package queue_test

import (
	"strconv"
	"testing"

	"github.com/vendgate/vendgate/adapters/queue"
)

// FuzzParseTaskPayload feeds the reply task decoder arbitrary payloads (what Redis hands back):
// it never panics, and what it accepts is a positive ID that prints back to the payload.
func FuzzParseTaskPayload(f *testing.F) {
	for _, s := range []string{"1", "42", "9223372036854775807", "9223372036854775808", "0", "-1", "", "12a", " 7", "00012"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		id, err := queue.ParseTaskPayload(p)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("accepted %q as %d", p, id)
		}
		if got, _ := strconv.ParseInt(string(p), 10, 64); got != id {
			t.Fatalf("%q read as %d, want %d", p, id, got)
		}
	})
}
