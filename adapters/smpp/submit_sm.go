package smpp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/smstext"
)

// errUnbound is a submit on a link that has no bind up.
var errUnbound = errors.New("not bound")

// submitResult is a submit_sm_resp.
type submitResult struct {
	id     string
	status data.CommandStatusType
	err    error
}

// resolve hands a submit_sm's response to the submit waiting for it.
func (l *Link) resolve(seq int32, r submitResult) {
	l.mu.Lock()
	ch, ok := l.pending[seq]
	delete(l.pending, seq)
	l.mu.Unlock()
	if ok {
		ch <- r
	}
}

// Deliver sends a reply as one or more submit_sm (concatenated when it is long) and returns the
// message ids the SMSC gave them, space-separated. A destination the SMSC calls invalid is a
// permanent failure; anything else (no bind, throttling, no answer) is transient.
func (l *Link) Deliver(ctx context.Context, r core.Reply) (string, error) {
	parts, err := l.codec.Encode(r.Body, uint8(l.ref.Add(1)))
	if err != nil {
		return "", core.Errorf(core.CodeInvalid, reasonReplyUnencodable, "reply %d cannot be sent as SMS: %v", r.ID, err)
	}
	ids := make([]string, 0, len(parts))
	for _, part := range parts {
		id, err := l.submit(ctx, r.Sender, r.Recipient, part)
		if err != nil {
			return strings.Join(ids, " "), err
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, " "), nil
}

// submit sends one part and waits for its response.
func (l *Link) submit(ctx context.Context, from, to string, part smstext.Part) (string, error) {
	if err := l.limiter.Wait(ctx); err != nil {
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCThrottle, "SMSC %s: %v", l.cfg.Name, err)
	}
	select {
	case l.window <- struct{}{}:
		defer func() { <-l.window }()
	case <-ctx.Done():
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCWindow, "SMSC %s: the window stayed full", l.cfg.Name)
	}
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	sm.SourceAddr = address(from, true)
	sm.DestAddr = address(to, false)
	sm.EsmClass |= part.ESMClass
	sm.RegisteredDelivery = 1 // a receipt for the final outcome
	if err := sm.Message.SetMessageDataWithEncoding(part.ShortMessage, rawCoding(part.DataCoding)); err != nil {
		return "", core.Errorf(core.CodeInvalid, reasonReplyTooLong, "a part of %d octets", len(part.ShortMessage))
	}
	ch := make(chan submitResult, 1)
	l.mu.Lock()
	sess := l.sess
	if sess == nil {
		l.mu.Unlock()
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCUnbound, "SMSC %s: %v", l.cfg.Name, errUnbound)
	}
	l.pending[sm.GetSequenceNumber()] = ch
	l.mu.Unlock()
	forget := func() {
		l.mu.Lock()
		delete(l.pending, sm.GetSequenceNumber())
		l.mu.Unlock()
	}
	if err := sess.Transceiver().Submit(sm); err != nil {
		forget()
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCWrite, "SMSC %s: %v", l.cfg.Name, err)
	}
	timer := time.NewTimer(l.cfg.SubmitTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return submitOutcome(l.cfg.Name, r)
	case <-timer.C:
		forget()
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCTimeout, "SMSC %s did not answer a submit_sm in %s", l.cfg.Name, l.cfg.SubmitTimeout)
	case <-ctx.Done():
		forget()
		e := core.Errorf(core.CodeUnavailable, reasonSMSCCancelled, "SMSC %s: %v", l.cfg.Name, ctx.Err())
		e.Err = ctx.Err() // the relay tells its own shutdown from the link's failure
		return "", e
	}
}

// submitOutcome reads a submit_sm_resp: the message id, or an error permanent for the
// destination's faults and transient otherwise.
func submitOutcome(smsc string, r submitResult) (string, error) {
	switch {
	case r.err != nil:
		return "", core.Errorf(core.CodeUnavailable, reasonSMSCDropped, "SMSC %s: %v", smsc, r.err)
	case r.status == data.ESME_ROK:
		return r.id, nil
	case r.status == data.ESME_RINVDSTADR || r.status == data.ESME_RINVDSTTON || r.status == data.ESME_RINVDSTNPI ||
		r.status == data.ESME_RINVSRCADR || r.status == data.ESME_RINVMSGLEN || r.status == data.ESME_RINVESMCLASS:
		return "", core.Errorf(core.CodeInvalid, reasonSMSCRefused, "SMSC %s refused the message: %s", smsc, r.status)
	}
	return "", core.Errorf(core.CodeUnavailable, reasonSMSCError, "SMSC %s answered %s", smsc, r.status)
}

// address is a submit_sm address: an international number (TON 1, NPI 1 E.164) when it has the
// length of one, otherwise unknown; a short code source is network-specific (TON 3).
func address(a string, source bool) pdu.Address {
	ton, npi := byte(0), byte(0)
	digits := strings.TrimPrefix(a, "+")
	switch {
	case len(digits) >= 10 && allDigits(digits):
		ton, npi = 1, 1
	case source && allDigits(digits):
		ton = 3
	case source:
		ton = 5 // alphanumeric
	}
	addr, err := pdu.NewAddressWithTonNpiAddr(ton, npi, digits)
	if err != nil { // longer than 20 characters: the SMSC refuses it with a status of its own
		addr = pdu.NewAddressWithTonNpi(ton, npi)
	}
	return addr
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// rawCoding is an encoding that passes octets as they are, under a data_coding of our choice:
// smstext has encoded them already.
func rawCoding(dcs byte) data.Encoding { return data.NewCustomEncoding(dcs, rawEncDec{}) }

type rawEncDec struct{}

func (rawEncDec) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (rawEncDec) Decode(b []byte) (string, error) { return string(b), nil }
