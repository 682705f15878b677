package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vendgate/vendgate/testkit/smsc"
)

// tokenRE finds an STS token as Vendgate writes it in a reply: 20 digits in groups of four.
var tokenRE = regexp.MustCompile(`\b\d{4}-\d{4}-\d{4}-\d{4}-\d{4}\b`)

// message is one MO and what came back to its phone.
type message struct {
	sent     time.Time     // when the deliver_sm went out (open loop: its intended time)
	done     chan struct{} // closed when the first reply with a token arrived
	text     strings.Builder
	replies  int // accepted submit_sm to the phone (the first part of a concatenated reply counts)
	token    bool
	answered time.Time
}

// tracker matches the submit_sm Vendgate sends to the MOs sent, by the customer's phone (each MO
// comes from a phone of its own). Its submit method is the SMSC's OnSubmit hook.
type tracker struct {
	now func() time.Time

	mu       sync.Mutex
	byPhone  map[string]*message
	latency  []time.Duration // sent to token reply, in arrival order
	arrivals []time.Time     // when each token reply arrived
	refused  int             // submit_sm the SMSC refused (a fault) or dropped
	stray    int             // submit_sm to a phone no MO came from
	noToken  int             // accepted replies whose text carries no token
}

func newTracker(now func() time.Time) *tracker {
	return &tracker{now: now, byPhone: map[string]*message{}}
}

// expect registers an MO from phone sent at sent; the returned message's done channel closes at its
// token reply.
func (t *tracker) expect(phone string, sent time.Time) *message {
	m := &message{sent: sent, done: make(chan struct{})}
	t.mu.Lock()
	t.byPhone[phone] = m
	t.mu.Unlock()
	return m
}

// forget drops the MO from phone: Vendgate did not take it, so no reply is due.
func (t *tracker) forget(phone string) {
	t.mu.Lock()
	delete(t.byPhone, phone)
	t.mu.Unlock()
}

// submit takes one submit_sm the SMSC received.
func (t *tracker) submit(s smsc.Submit) {
	at := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.Dropped || s.Status != smsc.StatusOK {
		t.refused++
		return
	}
	m := t.byPhone[s.Dest.Addr]
	if m == nil {
		t.stray++
		return
	}
	if _, _, part, ok := s.Concat(); !ok || part == 1 {
		m.replies++
		if m.replies > 1 { // a second reply: only its own text counts for it
			m.text.Reset()
		}
	}
	text, err := s.Text()
	if err != nil {
		t.noToken++
		return
	}
	m.text.WriteString(text)
	if m.token {
		return // a duplicate, counted by replies
	}
	if !tokenRE.MatchString(m.text.String()) {
		if _, total, part, ok := s.Concat(); !ok || part == total {
			t.noToken++
		}
		return
	}
	m.token, m.answered = true, at
	t.latency = append(t.latency, at.Sub(m.sent))
	t.arrivals = append(t.arrivals, at)
	close(m.done)
}

// counts is the outcome of the MOs tracked: what the final check reads.
type counts struct {
	MOs        int // MOs registered
	Answered   int // MOs with a token reply
	Missing    int // MOs without one
	Duplicates int // MOs that got more than one reply
	NoToken    int // accepted replies without a token
	Refused    int // submit_sm refused or dropped by the SMSC's faults
	Stray      int // replies to phones no MO came from
}

// ok reports whether every MO got exactly one reply, with a token.
func (c counts) ok() bool {
	return c.MOs > 0 && c.Answered == c.MOs && c.Missing == 0 && c.Duplicates == 0 && c.NoToken == 0 && c.Stray == 0
}

func (c counts) String() string {
	verdict := "ok"
	if !c.ok() {
		verdict = "FAILED"
	}
	return fmt.Sprintf("check %s: %d MOs, %d answered with a token, %d without reply, %d with more than one reply, %d replies without a token, %d stray replies",
		verdict, c.MOs, c.Answered, c.Missing, c.Duplicates, c.NoToken, c.Stray)
}

func (t *tracker) counts() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := counts{MOs: len(t.byPhone), NoToken: t.noToken, Refused: t.refused, Stray: t.stray}
	for _, m := range t.byPhone {
		if m.token {
			c.Answered++
		} else {
			c.Missing++
		}
		if m.replies > 1 {
			c.Duplicates++
		}
	}
	return c
}

// latencies returns the reply latencies, sorted.
func (t *tracker) latencies() []time.Duration {
	t.mu.Lock()
	out := slices.Clone(t.latency)
	t.mu.Unlock()
	slices.Sort(out)
	return out
}

// arrived returns when the token replies arrived, sorted.
func (t *tracker) arrived() []time.Time {
	t.mu.Lock()
	out := slices.Clone(t.arrivals)
	t.mu.Unlock()
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// answeredCount is the number of token replies so far.
func (t *tracker) answeredCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.arrivals)
}

// percentile returns the perMille-th of sorted durations (nearest rank), 0 when there are none.
func percentile(sorted []time.Duration, perMille int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*perMille + 999) / 1000
	return sorted[max(0, min(i-1, len(sorted)-1))]
}

// phones numbers the customers: the i-th MO comes from prefix followed by start+i in eight digits,
// a phone of its own, so that Vendgate takes each as a new purchase (the same text from the same
// phone within its repeat window is the SMSC delivering it again).
type phones struct {
	prefix string
	start  int64
}

const phoneDigits = 100_000_000

func (p phones) phone(i int64) string {
	return fmt.Sprintf("%s%08d", p.prefix, (p.start+i)%phoneDigits)
}

// moText is the i-th MO's text: BUY for the meters in turn.
func moText(meters []string, amount string, i int64) string {
	return "BUY " + meters[i%int64(len(meters))] + " " + amount
}
