package smpp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/smstext"
)

// inbound is what a link hands to the service: a customer's message (reassembled) or a delivery
// receipt. The service's answer decides the deliver_sm_resp.
type inbound interface {
	mo(ctx context.Context, m MO) error
	receipt(ctx context.Context, route, messageID, state string) error
}

// MO is a customer's message as the SMSC delivered it.
type MO struct {
	Route string // the bind it came on
	From  string // the customer's number
	To    string // the short code
	Text  string
	// Ref identifies the message at the SMSC where it says so (user_message_reference, or the
	// concatenation reference); "" when it does not.
	Ref string
	At  time.Time
}

// Statuses a deliver_sm gets.
const (
	statusOK        = data.ESME_ROK
	statusTryLater  = data.ESME_RX_T_APPN // the SMSC delivers the message again later
	statusCorrupted = data.ESME_RX_P_APPN // never accepted: delivering again cannot help
)

// receive takes a deliver_sm: a receipt is recorded, a customer's message (once all its parts
// are in) goes to the service. It returns the deliver_sm_resp status.
func (l *Link) receive(p *pdu.DeliverSM) data.CommandStatusType {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	raw, err := p.Message.GetMessageData()
	if err != nil {
		return statusCorrupted
	}
	if v, ok := p.OptionalParameters[pdu.TagMessagePayload]; ok && len(raw) == 0 {
		raw = v.Data
	}
	var dcs byte
	if enc := p.Message.Encoding(); enc != nil {
		dcs = enc.DataCoding()
	}
	if p.EsmClass&0x3c == 0x04 || p.EsmClass&0x3c == 0x20 { // SMSC delivery receipt, intermediate notification
		return l.receiveReceipt(ctx, p, raw)
	}
	if udh := p.Message.UDH(); len(udh) > 0 { // gosmpp took the header off: Decode reads it
		head, err := udh.MarshalBinary()
		if err != nil {
			return statusCorrupted
		}
		raw = append(head, raw...)
	}
	msg, err := l.codec.Decode(dcs, p.EsmClass, raw)
	if err != nil {
		l.log.Warn().Err(err).Str("from", core.MaskPhone(p.SourceAddr.Address())).Msg("undecodable message refused")
		return statusCorrupted
	}
	mo := MO{Route: l.cfg.Name, From: p.SourceAddr.Address(), To: p.DestAddr.Address(), Text: msg.Text, At: l.now()}
	if v, ok := p.OptionalParameters[pdu.TagUserMessageReference]; ok {
		mo.Ref = fmt.Sprintf("umr%x", v.Data)
	}
	c := msg.Concat
	if c.IsZero() {
		c = sar(p)
	}
	if !c.IsZero() {
		text, done, err := l.parts.Add(smstext.Fragment{Source: mo.From, Destination: mo.To, Concat: c, Text: msg.Text})
		if err != nil {
			return statusCorrupted
		}
		if !done {
			return statusOK
		}
		mo.Text = text
		mo.Ref += fmt.Sprintf("cat%d.%d", c.Ref, c.Total)
	}
	if err := l.in.mo(ctx, mo); err != nil {
		l.log.Warn().Err(err).Str("from", core.MaskPhone(mo.From)).Msg("message not taken: the SMSC will deliver it again")
		return statusTryLater
	}
	return statusOK
}

// sar is a message part's place in its whole from the SAR TLVs; zero when they are absent.
func sar(p *pdu.DeliverSM) smstext.Concat {
	ref, okRef := p.OptionalParameters[pdu.TagSarMsgRefNum]
	total, okTotal := p.OptionalParameters[pdu.TagSarTotalSegments]
	seq, okSeq := p.OptionalParameters[pdu.TagSarSegmentSeqnum]
	if !okRef || !okTotal || !okSeq || len(ref.Data) != 2 || len(total.Data) != 1 || len(seq.Data) != 1 {
		return smstext.Concat{}
	}
	c, err := smstext.SAR(uint16(ref.Data[0])<<8|uint16(ref.Data[1]), total.Data[0], seq.Data[0])
	if err != nil {
		return smstext.Concat{}
	}
	return c
}

// receiveReceipt records a delivery receipt against the reply it acknowledges.
func (l *Link) receiveReceipt(ctx context.Context, p *pdu.DeliverSM, raw []byte) data.CommandStatusType {
	id, state := receiptFields(string(raw))
	if v, ok := p.OptionalParameters[pdu.TagReceiptedMessageID]; ok {
		id = strings.TrimRight(string(v.Data), "\x00")
	}
	if v, ok := p.OptionalParameters[pdu.TagMessageStateOption]; ok && len(v.Data) == 1 {
		if s := messageStates[v.Data[0]]; s != "" {
			state = s
		}
	}
	if id == "" {
		l.log.Warn().Msg("delivery receipt without a message id ignored")
		return statusOK
	}
	// A receipt can overtake the recording of the submit_sm_resp it follows (the SMSC sends it the
	// moment the handset has the message): a receipt for no known message id is tried again for a
	// few seconds before it is let go.
	err := l.in.receipt(ctx, l.cfg.Name, id, state)
	for wait := 50 * time.Millisecond; errors.Is(err, core.ErrNotFound) && wait <= 3*time.Second; wait *= 2 {
		select {
		case <-time.After(wait):
		case <-l.stop:
			return statusTryLater
		}
		err = l.in.receipt(ctx, l.cfg.Name, id, state)
	}
	switch {
	case errors.Is(err, core.ErrNotFound):
		l.log.Info().Str("message_id", id).Msg("delivery receipt for no reply of ours")
	case err != nil:
		return statusTryLater
	}
	return statusOK
}

// messageStates are message_state's values (SMPP 3.4, 5.2.28) by their receipt names.
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// receiptFields reads the id and stat of a receipt's text ("id:123 sub:001 dlvr:001 submit
// date:... done date:... stat:DELIVRD err:000 text:...").
func receiptFields(text string) (id, state string) {
	for _, f := range strings.Fields(text) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "id":
			id = v
		case "stat":
			state = strings.ToUpper(v)
		}
	}
	return id, state
}
