package iso8583

import (
	"context"

	moov "github.com/moov-io/iso8583"

	"github.com/vendgate/vendgate/core"
)

// lookup answers a meter lookup (0100, or 0200 with processing code 31): the meter, its customer
// and utility, when the bank's settlement account may sell to it. Nothing is charged or stored.
func (ss *session) lookup(m *moov.Message, r request) (*moov.Message, error) {
	view, err := ss.lookupMeter(r)
	if err != nil {
		return newResponse(m, r, responseCode(err)), err
	}
	resp := newResponse(m, r, RCApproved)
	_ = resp.MarshalPath("48.02", name48(view.Customer.Name))
	_ = resp.Field(62, displayField(view))
	if n, ok := numericCurrency[view.Utility.Currency.Code]; ok {
		_ = resp.Field(49, n)
	}
	return resp, nil
}

func (ss *session) lookupMeter(r request) (core.MeterView, error) {
	if err := r.checkFinancial(false); err != nil {
		return core.MeterView{}, err
	}
	if pc := r.ProcCode[:2]; pc != ProcInquiry {
		return core.MeterView{}, core.Errorf(core.CodeInvalid, reasonUnsupported, "field 3: processing code %s is not a lookup", pc)
	}
	in, err := ss.authorize(r)
	if err != nil {
		return core.MeterView{}, err
	}
	view, err := call(ss, func(ctx context.Context) (core.MeterView, error) {
		view, _, err := ss.srv.cfg.Vendor.Sellable(ctx, in.AgentID, r.Meter)
		return view, err
	})
	if err != nil {
		return core.MeterView{}, err
	}
	return view, nil
}

// vendRequest is the core request of a purchase, or of the purchase a reversal names by key.
func vendRequest(in core.Institution, key string, r request) (core.VendRequest, error) {
	cur, err := r.currency()
	if err != nil {
		return core.VendRequest{}, err
	}
	return core.VendRequest{
		Channel: core.ChannelISO8583, IdempotencyKey: key, AgentID: in.AgentID,
		MeterNumber: r.Meter, Amount: r.amount(), Currency: cur,
	}, nil
}

// purchase answers an 0200: the vend, with its tokens and receipt in field 63. A repeated 0200
// gets the stored vend's answer again; a vend that was reversed meanwhile is refused, never
// printed. A purchase that passes the deadline is answered 91 and reversed, so that a vend the
// bank counts as declined never stands.
func (ss *session) purchase(m *moov.Message, r request) (*moov.Message, error) {
	req, err := ss.purchaseRequest(r)
	if err != nil {
		return newResponse(m, r, responseCode(err)), err
	}
	v, err := call(ss, func(ctx context.Context) (*core.Vend, error) { return ss.srv.cfg.Vendor.Vend(ctx, req) })
	if isDeadline(err) {
		ss.srv.wg.Add(1) // the handler holds a count, so the group is not at zero
		go func() {
			defer ss.srv.wg.Done()
			ss.reverseAfterDeadline(req, r)
		}()
	}
	if err == nil && v.Status != core.VendCompleted {
		err = core.Errorf(core.CodeConflict, reasonVendReversed, "the vend of this request has been reversed")
	}
	if err != nil {
		return newResponse(m, r, responseCode(err)), err
	}
	resp := newResponse(m, r, RCApproved)
	_ = resp.Field(38, authCode(v.ID))
	_ = resp.MarshalPath("48.02", name48(v.CustomerName))
	if n, ok := numericCurrency[v.Currency.Code]; ok {
		_ = resp.Field(49, n)
	}
	_ = resp.Field(63, tokenField(v))
	return resp, nil
}

func (ss *session) purchaseRequest(r request) (core.VendRequest, error) {
	if err := r.checkFinancial(true); err != nil {
		return core.VendRequest{}, err
	}
	if pc := r.ProcCode[:2]; pc != ProcPurchase && pc != ProcPayment {
		return core.VendRequest{}, core.Errorf(core.CodeInvalid, reasonUnsupported, "field 3: processing code %s is not a purchase", pc)
	}
	in, err := ss.authorize(r)
	if err != nil {
		return core.VendRequest{}, err
	}
	return vendRequest(in, idempotencyKey(in.Code, r.Terminal, r.STAN, r.RRN, r.Transmitted), r)
}

// reverseAfterDeadline reverses (or voids) a purchase answered 91 because it passed the
// deadline: the vend may still commit after the answer.
func (ss *session) reverseAfterDeadline(req core.VendRequest, r request) {
	// Not bound to the server's context: a shutdown must not leave the vend standing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ss.srv.base), ss.srv.cfg.Deadline+reversalGrace)
	defer cancel()
	defer ss.logPanic()
	rev, err := ss.srv.cfg.Vendor.ReverseByKey(ctx, req)
	if err != nil {
		ss.log.Error().Err(err).Str("stan", r.STAN).Str("rrn", r.RRN).Str("terminal", r.Terminal).
			Msg("purchase answered 91 after its deadline could not be reversed")
		return
	}
	ss.log.Warn().Str("outcome", string(rev.Outcome)).Str("stan", r.STAN).Str("rrn", r.RRN).Str("terminal", r.Terminal).
		Msg("purchase answered 91 after its deadline: reversed")
}

// reversal answers an 0420 or 0421: the original purchase is named by field 90 (its STAN and
// transmission time) with fields 37 and 41 of the advice, which repeat the original's. The vend
// is reversed if it exists and is inside the reversal window; if it was never seen, its key is
// voided so that a late original is refused. Reversed, already reversed and voided are all 00.
func (ss *session) reversal(m *moov.Message, r request) (*moov.Message, error) {
	req, err := ss.reversalRequest(r)
	if err != nil {
		return newResponse(m, r, responseCode(err)), err
	}
	rev, err := call(ss, func(ctx context.Context) (core.Reversal, error) { return ss.srv.cfg.Vendor.ReverseByKey(ctx, req) })
	if err != nil && core.AsError(err).Reason == core.ReasonAlreadyReversed {
		// Two advices for one vend raced: the other reversed it.
		rev, err = core.Reversal{Outcome: core.ReversalRepeated}, nil
	}
	if err != nil {
		return newResponse(m, r, responseCode(err)), err
	}
	ss.log.Info().Str("outcome", string(rev.Outcome)).Str("stan", r.STAN).Str("rrn", r.RRN).Msg("reversal advice")
	return newResponse(m, r, RCApproved), nil
}

func (ss *session) reversalRequest(r request) (core.VendRequest, error) {
	if err := r.checkFinancial(true); err != nil {
		return core.VendRequest{}, err
	}
	o, err := r.original()
	if err != nil {
		return core.VendRequest{}, err
	}
	if o.MTI != MTIFinancialRequest {
		return core.VendRequest{}, core.Errorf(core.CodeInvalid, reasonUnsupported, "field 90: only a 0200 can be reversed")
	}
	in, err := ss.authorize(r)
	if err != nil {
		return core.VendRequest{}, err
	}
	if !sameInstitution(o.Acquirer, in.Code) {
		return core.VendRequest{}, core.Errorf(core.CodeUnauthorized, reasonInstitution, "field 90: the original's acquirer is another institution")
	}
	return vendRequest(in, idempotencyKey(in.Code, r.Terminal, o.STAN, r.RRN, o.Transmitted), r)
}
