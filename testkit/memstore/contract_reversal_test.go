package memstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
	"github.com/vendgate/vendgate/testkit"
	"github.com/vendgate/vendgate/testkit/memstore"
)

// replyBackend is a store's vends and its outbox.
type replyBackend interface {
	backend
	core.ReplyStore
}

// TestContractReversalReplies is the reversal's contract with the outbox (core.VendReverser):
// replies not sent are cancelled with the reversal; with RefuseDelivered a reply being sent or
// delivered, or a USSD vend, refuses it and changes nothing.
func TestContractReversalReplies(t *testing.T) {
	each := func(t *testing.T, fn func(t *testing.T, b replyBackend)) {
		t.Run("memstore", func(t *testing.T) { fn(t, memstore.New()) })
		testkit.EachDB(t, func(t *testing.T, db *store.DB) { fn(t, db) })
	}
	each(t, func(t *testing.T, b replyBackend) {
		s := seed(t, b)
		now := time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)
		vend := func(key, channel string) (*core.Vend, *core.Reply) {
			v := s.vend(key, 100)
			v.Channel = channel
			if _, err := s.sell(bg, []*core.Vend{v}, nil); err != nil {
				t.Fatal(err)
			}
			r := &core.Reply{VendID: v.ID, Channel: core.ReplyChannelSMS, Route: "mtn", Recipient: "27821234567", Sender: "40404", Body: "tokens", CreatedAt: now}
			must(t, b.AddReply(bg, r))
			return v, r
		}
		rev := core.VendReversal{At: now, Reason: "paid twice", By: "operator", RefuseDelivered: true}

		pending, pr := vend("k-pending", core.ChannelSMS)
		got, err := b.ReverseVend(bg, pending.ID, rev)
		if err != nil || got.Status != core.VendReversed || got.ReversalReason != "paid twice" || got.ReversedBy != "operator" {
			t.Fatalf("reversing a vend whose reply is pending: %+v, %v", got, err)
		}
		if r, err := b.Reply(bg, pr.ID); err != nil || r.Status != core.ReplyCancelled {
			t.Fatalf("its reply: %s, %v; want cancelled", r.Status, err)
		}
		if claimed, err := b.ClaimReplies(bg, now.Add(time.Hour), time.Minute, 10); err != nil || len(claimed) != 0 {
			t.Fatalf("claims after the reversal: %v, %v; want none", claimed, err)
		}

		sending, sr := vend("k-sending", core.ChannelSMS)
		if _, ok, err := b.ClaimReply(bg, sr.ID, now, time.Minute); err != nil || !ok {
			t.Fatalf("claiming: %v, %v", ok, err)
		}
		ussd, _ := vend("k-ussd", core.ChannelUSSD)
		for _, v := range []*core.Vend{sending, ussd} {
			if _, err := b.ReverseVend(bg, v.ID, rev); !errors.Is(err, core.ErrTokenDelivered) {
				t.Fatalf("reversing %s vend %d whose token went out: %v, want ErrTokenDelivered", v.Channel, v.ID, err)
			}
			if after, err := b.Vend(bg, v.ID); err != nil || after.Status != core.VendCompleted {
				t.Fatalf("a refused reversal left vend %d %s (%v)", v.ID, after.Status, err)
			}
		}
		if r, err := b.Reply(bg, sr.ID); err != nil || r.Status != core.ReplySending {
			t.Fatalf("the reply being sent: %s, %v; want it left sending", r.Status, err)
		}
		rev.RefuseDelivered = false
		if _, err := b.ReverseVend(bg, ussd.ID, rev); err != nil {
			t.Fatalf("without RefuseDelivered: %v", err)
		}
	})
}
