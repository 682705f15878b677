package core_test

import (
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
)

func TestRetryPolicyDelay(t *testing.T) {
	p := core.RetryPolicy{Initial: 10 * time.Second, Max: 30 * time.Minute, MaxAttempts: 12}
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {8, 1280 * time.Second},
		{9, 30 * time.Minute}, {12, 30 * time.Minute}, {500, 30 * time.Minute},
	} {
		if got := p.Delay(c.attempt, nil); got != c.want {
			t.Errorf("Delay(%d) = %s, want %s", c.attempt, got, c.want)
		}
		// Jitter takes off at most half, never adds.
		lo := p.Delay(c.attempt, func(int64) int64 { return 0 })
		hi := p.Delay(c.attempt, func(n int64) int64 { return n - 1 })
		if lo != c.want-c.want/2 || hi != c.want {
			t.Errorf("Delay(%d) with jitter spans [%s, %s], want [%s, %s]", c.attempt, lo, hi, c.want-c.want/2, c.want)
		}
	}
	if p.Exhausted(11) || !p.Exhausted(12) {
		t.Errorf("Exhausted(11), Exhausted(12) = %v, %v; want false, true", p.Exhausted(11), p.Exhausted(12))
	}
	var total time.Duration
	d := core.DefaultRetryPolicy()
	for a := 1; a < d.MaxAttempts; a++ {
		total += d.Delay(a, nil)
	}
	if total < 2*time.Hour || total > 3*time.Hour {
		t.Errorf("the default policy spans %s from first to last attempt, want between 2 h and 3 h", total)
	}
}
