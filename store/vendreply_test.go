package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// notified records the replies core announces.
type notified struct {
	mu  sync.Mutex
	ids []int64
}

func (n *notified) Notify(_ context.Context, id int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids = append(n.ids, id)
}

// TestVendReply: a vend that asks for a reply commits it to the outbox with the vend, once, and
// announces it after the commit; a refused vend leaves none.
func TestVendReply(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		n := &notified{}
		f.vendor.Replies = n
		m := f.newMeter(t, 0)
		reply := &core.ReplyTo{Route: "smsc1", Sender: "40404", Recipient: "27821234567",
			Render: func(v *core.Vend) string { return "token " + v.Tokens[0].Token.Display() }}
		req := vendReq(f.agent.ID, m, "sms-1", 20_00)
		req.Reply = reply
		v, err := f.vendor.Vend(ctx, req)
		must(t, err)
		if _, err := f.vendor.Vend(ctx, req); err != nil { // a redelivery: no second reply
			t.Fatal(err)
		}
		pending, err := db.RepliesByStatus(ctx, core.ReplyPending, 10)
		must(t, err)
		if len(pending) != 1 {
			t.Fatalf("%d pending replies, want 1", len(pending))
		}
		r := pending[0]
		if r.VendID != v.ID || r.Route != "smsc1" || r.Sender != "40404" || r.Recipient != "27821234567" ||
			r.Body != "token "+v.Tokens[0].Token.Display() {
			t.Errorf("reply %+v does not answer vend %d as asked", r, v.ID)
		}
		if len(n.ids) != 1 || n.ids[0] != r.ID {
			t.Errorf("notified %v, want [%d]", n.ids, r.ID)
		}

		poor := f.newAgent(t, 0, 1_00)
		req = vendReq(poor.ID, m, "sms-2", 20_00)
		req.Reply = reply
		_, err = f.vendor.Vend(ctx, req)
		wantCode(t, err, core.CodeInsufficientFunds, "insufficient_funds")
		pending, err = db.RepliesByStatus(ctx, core.ReplyPending, 10)
		must(t, err)
		if len(pending) != 1 {
			t.Errorf("%d pending replies after a refused vend, want 1", len(pending))
		}

		req.Reply = &core.ReplyTo{Route: "smsc1", Recipient: "27821234567"}
		_, err = f.vendor.Vend(ctx, req)
		wantCode(t, err, core.CodeInvalid, "invalid_reply")
	})
}

func TestVendByKeys(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		m := f.newMeter(t, 0)
		v, err := f.vendor.Vend(ctx, vendReq(f.agent.ID, m, "window-7", 20_00))
		must(t, err)
		got, err := db.VendByKeys(ctx, core.ChannelREST, "window-6", "window-7")
		if err != nil || got.ID != v.ID || len(got.Tokens) != len(v.Tokens) {
			t.Fatalf("VendByKeys: %+v, %v; want vend %d with its tokens", got, err, v.ID)
		}
		if _, err := db.VendByKeys(ctx, core.ChannelREST, "window-5", "window-6"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("keys without a vend: %v, want core.ErrNotFound", err)
		}
		if _, err := db.VendByKeys(ctx, core.ChannelSMS, "window-7"); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("another channel's key: %v, want core.ErrNotFound", err)
		}
	})
}
