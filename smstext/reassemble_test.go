package smstext_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/smstext"
)

// clock is a settable clock for a Reassembler.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newReassembler returns a Reassembler on a clock at a fixed time and the list its drops go to.
func newReassembler(timeout time.Duration, maxPending int) (*smstext.Reassembler, *clock, *[]smstext.Dropped) {
	clk := &clock{now: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}
	var mu sync.Mutex
	dropped := new([]smstext.Dropped)
	r := smstext.NewReassembler(smstext.ReassemblerConfig{
		Timeout: timeout, MaxPending: maxPending, Now: clk.Now,
		OnDrop: func(d smstext.Dropped) { mu.Lock(); *dropped = append(*dropped, d); mu.Unlock() },
	})
	return r, clk, dropped
}

func frag(src string, ref uint16, total, seq uint8) smstext.Fragment {
	return smstext.Fragment{Source: src, Destination: "4040", Concat: smstext.Concat{Ref: ref, Total: total, Seq: seq}, Text: fmt.Sprintf("[%d/%d]", seq, total)}
}

func whole(total uint8) string {
	s := ""
	for i := 1; i <= int(total); i++ {
		s += fmt.Sprintf("[%d/%d]", i, total)
	}
	return s
}

func mustAdd(t *testing.T, r *smstext.Reassembler, f smstext.Fragment) (string, bool) {
	t.Helper()
	text, done, err := r.Add(f)
	if err != nil {
		t.Fatal(err)
	}
	return text, done
}

func TestReassembleOrders(t *testing.T) {
	for _, order := range [][]uint8{{1, 2, 3}, {3, 2, 1}, {2, 3, 1}, {2, 2, 1, 1, 3}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			r, _, dropped := newReassembler(time.Minute, 10)
			for i, seq := range order {
				text, done := mustAdd(t, r, frag("27821234567", 7, 3, seq))
				last := i == len(order)-1
				if done != last {
					t.Fatalf("after part %d: got done %v, want %v", seq, done, last)
				}
				if last && text != whole(3) {
					t.Errorf("got %q, want %q", text, whole(3))
				}
			}
			if r.Pending() != 0 || len(*dropped) != 0 {
				t.Errorf("got %d pending, %d dropped; want none", r.Pending(), len(*dropped))
			}
		})
	}
}

func TestReassembleDuplicateKeepsFirst(t *testing.T) {
	r, _, _ := newReassembler(time.Minute, 10)
	f := frag("a", 1, 2, 1)
	mustAdd(t, r, f)
	f.Text = "changed"
	mustAdd(t, r, f)
	if text, done := mustAdd(t, r, frag("a", 1, 2, 2)); !done || text != whole(2) {
		t.Errorf("got %q %v, want %q", text, done, whole(2))
	}
}

func TestReassembleKeys(t *testing.T) {
	r, _, _ := newReassembler(time.Minute, 10)
	// The same reference from two senders, to two short codes or with two totals: four messages.
	mustAdd(t, r, frag("a", 1, 2, 1))
	mustAdd(t, r, frag("b", 1, 2, 1))
	other := frag("a", 1, 2, 1)
	other.Destination = "5050"
	mustAdd(t, r, other)
	mustAdd(t, r, frag("a", 1, 3, 1))
	if r.Pending() != 4 {
		t.Fatalf("got %d pending, want 4", r.Pending())
	}
	if text, done := mustAdd(t, r, frag("b", 1, 2, 2)); !done || text != whole(2) {
		t.Errorf("b: got %q %v", text, done)
	}
	if r.Pending() != 3 {
		t.Errorf("got %d pending, want 3", r.Pending())
	}
}

func TestReassembleStandalone(t *testing.T) {
	r, _, _ := newReassembler(time.Minute, 10)
	if text, done := mustAdd(t, r, smstext.Fragment{Source: "a", Text: "BAL"}); !done || text != "BAL" {
		t.Errorf("no concat: got %q %v", text, done)
	}
	if text, done := mustAdd(t, r, frag("a", 9, 1, 1)); !done || text != whole(1) {
		t.Errorf("1 of 1: got %q %v", text, done)
	}
	if r.Pending() != 0 {
		t.Errorf("got %d pending", r.Pending())
	}
}

func TestReassembleBadConcat(t *testing.T) {
	r, _, _ := newReassembler(time.Minute, 10)
	for _, f := range []smstext.Fragment{frag("a", 1, 0, 1), frag("a", 1, 2, 0), frag("a", 1, 2, 3)} {
		if _, _, err := r.Add(f); !errors.Is(err, smstext.ErrBadConcat) {
			t.Errorf("%+v: got %v, want ErrBadConcat", f.Concat, err)
		}
	}
}

func TestReassembleTimeout(t *testing.T) {
	r, clk, dropped := newReassembler(time.Minute, 10)
	start := clk.Now()
	mustAdd(t, r, frag("a", 1, 3, 3))
	mustAdd(t, r, frag("a", 1, 3, 1))
	clk.Advance(30 * time.Second)
	mustAdd(t, r, frag("b", 2, 2, 1))
	clk.Advance(29 * time.Second)
	if n := r.Expire(); n != 0 {
		t.Fatalf("at 59s: got %d expired, want 0", n)
	}
	clk.Advance(time.Second)
	if n := r.Expire(); n != 1 {
		t.Fatalf("at 60s: got %d expired, want 1", n)
	}
	want := smstext.Dropped{Key: smstext.Key{Source: "a", Destination: "4040", Ref: 1, Total: 3}, Received: []uint8{1, 3}, FirstSeen: start, Reason: smstext.DropExpired}
	if len(*dropped) != 1 || !equalDropped((*dropped)[0], want) {
		t.Fatalf("got dropped %+v, want %+v", *dropped, want)
	}
	// The late part starts a new message rather than completing the dropped one.
	if _, done := mustAdd(t, r, frag("a", 1, 3, 2)); done {
		t.Error("late part completed a dropped message")
	}
	// Add expires too: b is dropped when a part arrives after its timeout.
	clk.Advance(30 * time.Second)
	mustAdd(t, r, frag("c", 3, 2, 1))
	if len(*dropped) != 2 || (*dropped)[1].Key.Source != "b" || (*dropped)[1].Reason != smstext.DropExpired {
		t.Errorf("got dropped %+v, want b expired", *dropped)
	}
	if r.Pending() != 2 {
		t.Errorf("got %d pending, want 2 (a again, c)", r.Pending())
	}
}

func equalDropped(a, b smstext.Dropped) bool {
	return a.Key == b.Key && slices.Equal(a.Received, b.Received) && a.FirstSeen.Equal(b.FirstSeen) && a.Reason == b.Reason
}

func TestReassembleMaxPending(t *testing.T) {
	r, clk, dropped := newReassembler(time.Hour, 3)
	for i := range 5 {
		mustAdd(t, r, frag(fmt.Sprint("s", i), uint16(i), 2, 1))
		clk.Advance(time.Second)
	}
	if r.Pending() != 3 {
		t.Fatalf("got %d pending, want 3", r.Pending())
	}
	if len(*dropped) != 2 || (*dropped)[0].Key.Source != "s0" || (*dropped)[1].Key.Source != "s1" || (*dropped)[0].Reason != smstext.DropEvicted {
		t.Fatalf("got dropped %+v, want s0 and s1 evicted", *dropped)
	}
	// A part of a message already held evicts nothing.
	if text, done := mustAdd(t, r, frag("s2", 2, 2, 2)); !done || text != whole(2) {
		t.Errorf("s2: got %q %v", text, done)
	}
	if len(*dropped) != 2 {
		t.Errorf("got %d dropped, want 2", len(*dropped))
	}
}

func TestReassembleMaxParts(t *testing.T) {
	r, _, _ := newReassembler(time.Minute, 10)
	order := make([]uint8, 255)
	for i := range order {
		order[i] = uint8(255 - i)
	}
	var text string
	var done bool
	for _, seq := range order {
		text, done = mustAdd(t, r, frag("a", 0xFFFF, 255, seq))
	}
	if !done || text != whole(255) {
		t.Errorf("255 parts: got done %v, %d bytes", done, len(text))
	}
}

// TestReassembleConcurrent sends the parts of many messages, shuffled, from many goroutines, all
// but the last part of each twice: each message completes exactly once, whole (a copy that comes
// after completion starts a message that lacks its last part). Run with -race.
func TestReassembleConcurrent(t *testing.T) {
	r, _, dropped := newReassembler(time.Hour, 1000)
	const messages, total = 200, 4
	var all []smstext.Fragment
	for m := range messages {
		for seq := uint8(1); seq <= total; seq++ {
			f := frag(fmt.Sprint("s", m%17), uint16(m), total, seq)
			all = append(all, f)
			if seq < total {
				all = append(all, f)
			}
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var (
		mu        sync.Mutex
		completed = map[string]int{}
		wg        sync.WaitGroup
	)
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(all); i += workers {
				text, done, err := r.Add(all[i])
				if err != nil {
					t.Error(err)
					return
				}
				if done {
					mu.Lock()
					completed[fmt.Sprint(all[i].Source, "/", all[i].Concat.Ref, "=", text)]++
					mu.Unlock()
				}
				_ = r.Pending()
			}
		})
	}
	wg.Wait()
	if len(completed) != messages {
		t.Errorf("got %d messages completed, want %d", len(completed), messages)
	}
	for k, n := range completed {
		if n != 1 {
			t.Errorf("%s completed %d times", k, n)
		}
	}
	for m := range messages {
		k := fmt.Sprint("s", m%17, "/", m, "=", whole(total))
		if completed[k] != 1 {
			t.Errorf("message %d: not completed whole", m)
		}
	}
	if len(*dropped) != 0 {
		t.Errorf("got %d dropped", len(*dropped))
	}
}
