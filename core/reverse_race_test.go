package core_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
)

// raceStore is a VendStore holding one completed vend whose ReverseVend lets the first caller
// reverse it and answers ErrNotFound to the rest, as a store's "only if it is completed" does.
// No ReverseVend runs before `readers` callers have read the vend: both see it completed.
type raceStore struct {
	core.VendStore // the methods a reversal does not call
	readers        int

	mu       sync.Mutex
	v        core.Vend
	read     int
	allRead  chan struct{}
	reversed int
}

func newRaceStore(readers int) *raceStore {
	return &raceStore{readers: readers, allRead: make(chan struct{}), v: core.Vend{
		ID: 41, Reference: "VRACE", Channel: core.ChannelISO8583, IdempotencyKey: "k", UtilityID: 1,
		Status: core.VendCompleted, CreatedAt: fixedNow,
	}}
}

var fixedNow = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func (s *raceStore) snapshot() *core.Vend {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read++; s.read == s.readers {
		close(s.allRead)
	}
	v := s.v
	return &v
}

func (s *raceStore) Vend(context.Context, int64) (*core.Vend, error) { return s.snapshot(), nil }

func (s *raceStore) VendByKey(context.Context, string, string) (*core.Vend, error) {
	return s.snapshot(), nil
}

func (s *raceStore) ReverseVend(ctx context.Context, id int64, _ core.VendReversal) (*core.Vend, error) {
	select {
	case <-s.allRead:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v.Status != core.VendCompleted {
		return nil, core.ErrNotFound
	}
	s.v.Status = core.VendReversed
	s.reversed++
	v := s.v
	return &v, nil
}

type oneUtility struct{}

func (oneUtility) Utility(context.Context, int64) (core.Utility, error) {
	return core.Utility{ID: 1, ReversalWindow: time.Hour}, nil
}

func raceVendor(s *raceStore) *core.Vendor {
	return &core.Vendor{Vends: s, Utilities: oneUtility{}, Clock: func() time.Time { return fixedNow.Add(time.Minute) }}
}

// TestReverseByKeyRaceBothRead is the race through a channel's reversal advice (a 0420 and its 0421
// repeat): both are answered, one as reversed now and one as already reversed.
func TestReverseByKeyRaceBothRead(t *testing.T) {
	s := newRaceStore(2)
	vendor := raceVendor(s)
	req := core.VendRequest{Channel: core.ChannelISO8583, IdempotencyKey: "k", MeterNumber: "01234567897", Amount: 5000, Currency: "ZAR"}
	s.v.RequestHash = requestHash(req)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	outcomes := make(chan core.ReversalOutcome, 2)
	for range 2 {
		go func() {
			rev, err := vendor.ReverseByKey(ctx, req)
			errs <- err
			outcomes <- rev.Outcome
		}()
	}
	got := map[core.ReversalOutcome]int{}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("ReverseByKey: got %v, want nil", err)
		}
		got[<-outcomes]++
	}
	if got[core.ReversalDone] != 1 || got[core.ReversalRepeated] != 1 || s.reversed != 1 {
		t.Errorf("outcomes %v with %d reversals; want one reversed, one already reversed, 1 reversal", got, s.reversed)
	}
}

// requestHash is the fingerprint core stores with a vend (VendRequest.hash): agent, meter, amount.
func requestHash(r core.VendRequest) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d|%s|%d", r.AgentID, r.MeterNumber, r.Amount))
	return hex.EncodeToString(h[:16])
}
