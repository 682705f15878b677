package smstext

import (
	"container/list"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Defaults of ReassemblerConfig.
const (
	DefaultTimeout    = 5 * time.Minute
	DefaultMaxPending = 10000
)

// Key identifies one concatenated message while its parts arrive: the same reference from
// another sender, to another short code or with another total is another message.
type Key struct {
	Source      string // source_addr
	Destination string // destination_addr
	Ref         uint16
	Total       uint8
}

// Fragment is one decoded short message handed to a Reassembler. Parts of one message are decoded
// one by one (each with its own data_coding), so Text is already text.
type Fragment struct {
	Source      string
	Destination string
	Concat      Concat // from Message.Concat or SAR; zero for a message that stands alone
	Text        string
}

// DropReason says why a Reassembler gave up on a message.
type DropReason uint8

// The drop reasons.
const (
	DropExpired DropReason = iota + 1 // not all parts arrived within the timeout
	DropEvicted                       // MaxPending messages were waiting and this was the oldest
)

func (d DropReason) String() string {
	switch d {
	case DropExpired:
		return "expired"
	case DropEvicted:
		return "evicted"
	}
	return fmt.Sprintf("DropReason(%d)", uint8(d))
}

// Dropped describes an incomplete message that a Reassembler dropped. It carries no text: the
// parts may hold a customer's meter number or more.
type Dropped struct {
	Key       Key
	Received  []uint8   // sequence numbers of the parts that arrived, ascending
	FirstSeen time.Time // when the first of them arrived
	Reason    DropReason
}

// ReassemblerConfig configures a Reassembler. The zero value is usable.
type ReassemblerConfig struct {
	// Timeout is how long after its first part an incomplete message is dropped
	// (DefaultTimeout if 0).
	Timeout time.Duration
	// MaxPending bounds the incomplete messages held; when a new one would exceed it, the
	// oldest is dropped (DefaultMaxPending if 0). Memory is at most MaxPending × 255 parts.
	MaxPending int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// OnDrop, if set, is told of every dropped message, once, outside the Reassembler's lock,
	// possibly from several goroutines at once.
	OnDrop func(Dropped)
}

// Reassembler joins the parts of concatenated short messages. It runs no goroutines: incomplete
// messages are dropped when Add or Expire finds them too old, so an adapter calls Expire from its
// own ticker to hear of them on time. It is safe for concurrent use.
//
// A part that arrives again after its message was completed starts a new message, which is later
// dropped as incomplete: the Reassembler keeps nothing of completed messages, because a sender
// may reuse a reference at any time.
type Reassembler struct {
	cfg ReassemblerConfig

	mu      sync.Mutex
	pending map[Key]*list.Element // of *pendingSet
	order   *list.List            // *pendingSet, oldest first
}

type pendingSet struct {
	key       Key
	firstSeen time.Time
	texts     []string
	have      []bool
	count     int
}

// NewReassembler returns a Reassembler with cfg, defaults filled in.
func NewReassembler(cfg ReassemblerConfig) *Reassembler {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Reassembler{cfg: cfg, pending: make(map[Key]*list.Element), order: list.New()}
}

// Add takes one part. When it completes its message, Add returns the whole text, parts joined in
// sequence order, and done is true. A message that stands alone (zero Concat, or a total of 1)
// is returned at once. A part already held is ignored (the first copy counts). Concat values out
// of range give ErrBadConcat.
func (r *Reassembler) Add(f Fragment) (text string, done bool, err error) {
	if f.Concat.IsZero() {
		return f.Text, true, nil
	}
	if !f.Concat.valid() {
		return "", false, errAt(ErrBadConcat, -1, fmt.Sprintf("part %d of %d", f.Concat.Seq, f.Concat.Total))
	}
	if f.Concat.Total == 1 {
		return f.Text, true, nil
	}
	key := Key{Source: f.Source, Destination: f.Destination, Ref: f.Concat.Ref, Total: f.Concat.Total}
	now := r.cfg.Now()

	r.mu.Lock()
	dropped := r.expireLocked(now)
	e, ok := r.pending[key]
	if !ok {
		for r.order.Len() >= r.cfg.MaxPending {
			dropped = append(dropped, r.removeLocked(r.order.Front(), DropEvicted))
		}
		s := &pendingSet{key: key, firstSeen: now, texts: make([]string, key.Total), have: make([]bool, key.Total)}
		e = r.order.PushBack(s)
		r.pending[key] = e
	}
	s := e.Value.(*pendingSet)
	if i := f.Concat.Seq - 1; !s.have[i] {
		s.have[i], s.texts[i] = true, f.Text
		s.count++
	}
	if s.count == len(s.texts) {
		r.order.Remove(e)
		delete(r.pending, key)
		text, done = strings.Join(s.texts, ""), true
	}
	r.mu.Unlock()

	r.report(dropped)
	return text, done, nil
}

// Expire drops every incomplete message older than the timeout, tells OnDrop of each and returns
// how many it dropped.
func (r *Reassembler) Expire() int {
	now := r.cfg.Now()
	r.mu.Lock()
	dropped := r.expireLocked(now)
	r.mu.Unlock()
	r.report(dropped)
	return len(dropped)
}

// Pending returns how many incomplete messages are held.
func (r *Reassembler) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.order.Len()
}

func (r *Reassembler) expireLocked(now time.Time) []Dropped {
	var dropped []Dropped
	for e := r.order.Front(); e != nil; e = r.order.Front() {
		if now.Sub(e.Value.(*pendingSet).firstSeen) < r.cfg.Timeout {
			break
		}
		dropped = append(dropped, r.removeLocked(e, DropExpired))
	}
	return dropped
}

func (r *Reassembler) removeLocked(e *list.Element, why DropReason) Dropped {
	s := r.order.Remove(e).(*pendingSet)
	delete(r.pending, s.key)
	d := Dropped{Key: s.key, FirstSeen: s.firstSeen, Reason: why}
	for i, ok := range s.have {
		if ok {
			d.Received = append(d.Received, uint8(i+1))
		}
	}
	return d
}

func (r *Reassembler) report(dropped []Dropped) {
	if r.cfg.OnDrop == nil {
		return
	}
	for _, d := range dropped {
		r.cfg.OnDrop(d)
	}
}
