package queue_test

import (
	"testing"

	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/core"
)

// TestRetryableCoversEveryCode checks the relay has decided, for every code of core's closed
// set, whether a reply that failed with it is retried or dropped, and nothing else is listed.
func TestRetryableCoversEveryCode(t *testing.T) {
	for _, code := range core.Codes() {
		if _, ok := queue.Retryable[code]; !ok {
			t.Errorf("code %s: the relay does not say whether to retry", code)
		}
	}
	if len(queue.Retryable) != len(core.Codes()) {
		t.Errorf("the table lists %d codes, core has %d", len(queue.Retryable), len(core.Codes()))
	}
}
