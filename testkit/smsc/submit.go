package smsc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// TLV tags the SMSC reads or writes (SMPP v3.4, 5.3.2).
const (
	TagReceiptedMessageID uint16 = 0x001E
	TagSarMsgRefNum       uint16 = 0x020C
	TagSarTotalSegments   uint16 = 0x020E
	TagSarSegmentSeqnum   uint16 = 0x020F
	TagMessageState       uint16 = 0x0427
	TagMessagePayload     uint16 = 0x0424
)

// Address is an SMPP address: type of number, numbering plan indicator and digits.
type Address struct {
	TON, NPI byte
	Addr     string
}

// Submit is one submit_sm as the SMSC received it, and what the SMSC did with it.
type Submit struct {
	SystemID           string // the account of the bind it came on
	Sequence           uint32
	MessageID          string // the message_id answered; "" when refused or not answered
	ServiceType        string
	Source, Dest       Address
	EsmClass           byte
	ProtocolID         byte
	PriorityFlag       byte
	RegisteredDelivery byte
	DataCoding         byte
	// UDH is the user data header, its length octet included, when esm_class has UDHI (0x40).
	UDH []byte
	// ShortMessage is the short_message octets after the UDH, as sent (not decoded).
	ShortMessage []byte
	// TLVs holds the optional parameters by tag (message_payload, sar_msg_ref_num ...).
	TLVs     map[uint16][]byte
	Status   uint32 // the command_status answered (StatusOK when accepted)
	Dropped  bool   // no submit_sm_resp was sent, by the DropSubmits or DropAfterPDUs fault
	Received time.Time
}

// Payload returns the message octets: message_payload when present, else ShortMessage.
func (m Submit) Payload() []byte {
	if p, ok := m.TLVs[TagMessagePayload]; ok {
		return p
	}
	return m.ShortMessage
}

// Text decodes Payload by data_coding: 0 (GSM 03.38 default alphabet, unpacked), 1 (ASCII),
// 3 (Latin-1) or 8 (UCS-2); other codings are an error.
func (m Submit) Text() (string, error) { return decodeText(m.DataCoding, m.Payload()) }

// Concat reports the concatenation of a part: from a UDH concatenation element (8- or 16-bit
// reference) or from the sar_* TLVs. ok is false for a message that is not a part.
func (m Submit) Concat() (ref uint16, total, part int, ok bool) {
	if ref, total, part, ok = udhConcat(m.UDH); ok {
		return
	}
	r, t, p := m.TLVs[TagSarMsgRefNum], m.TLVs[TagSarTotalSegments], m.TLVs[TagSarSegmentSeqnum]
	if len(r) == 2 && len(t) == 1 && len(p) == 1 {
		return binary.BigEndian.Uint16(r), int(t[0]), int(p[0]), true
	}
	return 0, 0, 0, false
}

func (m Submit) clone() Submit {
	m.UDH = bytes.Clone(m.UDH)
	m.ShortMessage = bytes.Clone(m.ShortMessage)
	m.TLVs = maps.Clone(m.TLVs)
	return m
}

// udhConcat finds the concatenation element (IEI 0x00 or 0x08) of a UDH.
func udhConcat(udh []byte) (ref uint16, total, part int, ok bool) {
	if len(udh) < 1 || int(udh[0])+1 > len(udh) {
		return 0, 0, 0, false
	}
	ies := udh[1 : 1+int(udh[0])]
	for len(ies) >= 2 {
		id, n := ies[0], int(ies[1])
		if 2+n > len(ies) {
			return 0, 0, 0, false
		}
		v := ies[2 : 2+n]
		switch {
		case id == 0x00 && n == 3:
			return uint16(v[0]), int(v[1]), int(v[2]), true
		case id == 0x08 && n == 4:
			return binary.BigEndian.Uint16(v), int(v[2]), int(v[3]), true
		}
		ies = ies[2+n:]
	}
	return 0, 0, 0, false
}

func decodeText(coding byte, b []byte) (string, error) {
	var enc data.Encoding
	switch coding {
	case 0x00:
		enc = data.GSM7BIT
	case 0x01:
		enc = data.ASCII
	case 0x03:
		enc = data.LATIN1
	case 0x08:
		if len(b)%2 != 0 {
			return "", fmt.Errorf("smsc: UCS-2 text has an odd length %d", len(b))
		}
		enc = data.UCS2
	default:
		return "", fmt.Errorf("smsc: data_coding 0x%02X is not a text coding", coding)
	}
	return enc.Decode(b)
}

// encodeText encodes text in the GSM 03.38 default alphabet (unpacked, data_coding 0) when it can
// be, else in UCS-2 (data_coding 8).
func encodeText(text string) ([]byte, byte, error) {
	if len(data.ValidateGSM7String(text)) == 0 {
		b, err := data.GSM7BIT.Encode(text)
		if err == nil {
			return b, 0x00, nil
		}
	}
	b, err := data.UCS2.Encode(text)
	if err != nil {
		return nil, 0, fmt.Errorf("smsc: encode text as UCS-2: %w", err)
	}
	return b, 0x08, nil
}

var errMalformed = errors.New("smsc: malformed PDU")

// parsePDU decodes one whole PDU (header included) with gosmpp's pdu package; it never panics.
func parsePDU(raw []byte) (p pdu.PDU, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: %v", errMalformed, r)
		}
	}()
	p, err = pdu.Parse(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	return p, nil
}

// DecodeSubmit decodes a whole submit_sm PDU, header included, as the SMSC records it.
func DecodeSubmit(raw []byte) (Submit, error) {
	p, err := parsePDU(raw)
	if err != nil {
		return Submit{}, err
	}
	sm, ok := p.(*pdu.SubmitSM)
	if !ok {
		return Submit{}, fmt.Errorf("smsc: command_id 0x%08X is not submit_sm", uint32(p.GetHeader().CommandID))
	}
	return toSubmit(sm, raw)
}

// toSubmit converts gosmpp's submit_sm. The data_coding octet, the UDH and the short_message are
// read from the raw PDU (gosmpp keeps only the codings it knows and re-encodes the UDH).
func toSubmit(sm *pdu.SubmitSM, raw []byte) (Submit, error) {
	off := 16 + len(sm.ServiceType) + 1 +
		2 + len(sm.SourceAddr.Address()) + 1 +
		2 + len(sm.DestAddr.Address()) + 1 +
		3 + len(sm.ScheduleDeliveryTime) + 1 + len(sm.ValidityPeriod) + 1 + 2
	if off+3 > len(raw) {
		return Submit{}, fmt.Errorf("%w: submit_sm ends before sm_length", errMalformed)
	}
	n := int(raw[off+2])
	if off+3+n > len(raw) {
		return Submit{}, fmt.Errorf("%w: short_message of %d octets overruns the PDU", errMalformed, n)
	}
	m := Submit{
		Sequence:           uint32(sm.SequenceNumber),
		ServiceType:        sm.ServiceType,
		Source:             Address{sm.SourceAddr.Ton(), sm.SourceAddr.Npi(), sm.SourceAddr.Address()},
		Dest:               Address{sm.DestAddr.Ton(), sm.DestAddr.Npi(), sm.DestAddr.Address()},
		EsmClass:           sm.EsmClass,
		ProtocolID:         sm.ProtocolID,
		PriorityFlag:       sm.PriorityFlag,
		RegisteredDelivery: sm.RegisteredDelivery,
		DataCoding:         raw[off],
		ShortMessage:       bytes.Clone(raw[off+3 : off+3+n]),
	}
	if sm.EsmClass&0x40 != 0 && n > 0 {
		l := int(m.ShortMessage[0]) + 1
		if l > n {
			return Submit{}, fmt.Errorf("%w: UDH length %d overruns short_message of %d octets", errMalformed, l, n)
		}
		m.UDH, m.ShortMessage = m.ShortMessage[:l], m.ShortMessage[l:]
	}
	if len(sm.OptionalParameters) > 0 {
		m.TLVs = make(map[uint16][]byte, len(sm.OptionalParameters))
		for tag, f := range sm.OptionalParameters {
			m.TLVs[uint16(tag)] = bytes.Clone(f.Data)
		}
	}
	return m, nil
}
