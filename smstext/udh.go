package smstext

import (
	"encoding/binary"
	"fmt"
)

// Information element identifiers of 3GPP TS 23.040 §9.2.3.24 that Vendgate reads.
const (
	IEConcat8  byte = 0x00 // concatenated short messages, 8-bit reference
	IEConcat16 byte = 0x08 // concatenated short messages, 16-bit reference
)

// IE is one information element of a user data header.
type IE struct {
	ID   byte
	Data []byte // aliases the short_message it was parsed from
}

// UDH is a parsed user data header (3GPP TS 23.040 §9.2.3.24).
type UDH struct {
	Len      int  // octets the header takes, the UDHL octet included
	Elements []IE // in the order they appear
}

// ParseUDH parses the user data header at the start of b (a short_message whose esm_class has
// ESMClassUDHI). Every information element must fit inside UDHL and UDHL inside b; otherwise
// the error wraps ErrMalformedUDH. Unknown elements are kept and need not be understood.
func ParseUDH(b []byte) (UDH, error) {
	if len(b) == 0 {
		return UDH{}, errAt(ErrMalformedUDH, 0, "UDHI set but the short message is empty")
	}
	udhl := int(b[0])
	if 1+udhl > len(b) {
		return UDH{}, errAt(ErrMalformedUDH, 0, fmt.Sprintf("UDHL %d but %d octets follow", udhl, len(b)-1))
	}
	u := UDH{Len: 1 + udhl}
	for i := 1; i < u.Len; {
		if i+2 > u.Len {
			return UDH{}, errAt(ErrMalformedUDH, i, "information element header overruns the UDH")
		}
		n := int(b[i+1])
		if i+2+n > u.Len {
			return UDH{}, errAt(ErrMalformedUDH, i, fmt.Sprintf("information element 0x%02X of length %d overruns the UDH", b[i], n))
		}
		u.Elements = append(u.Elements, IE{ID: b[i], Data: b[i+2 : i+2+n : i+2+n]})
		i += 2 + n
	}
	return u, nil
}

// Concat returns the concatenation element of the header, if there is one that is usable. As
// TS 23.040 §9.2.3.24.1 and §9.2.3.24.8 direct, an element whose total is 0 or whose sequence
// number is 0 or above the total is ignored (found is false), and of repeated elements the last
// counts. An element of the wrong length is malformed and gives an error.
func (u UDH) Concat() (c Concat, found bool, err error) {
	for _, ie := range u.Elements {
		var next Concat
		switch ie.ID {
		case IEConcat8:
			if len(ie.Data) != 3 {
				return Concat{}, false, errAt(ErrMalformedUDH, -1, fmt.Sprintf("concatenation element of length %d, want 3", len(ie.Data)))
			}
			next = Concat{Ref: uint16(ie.Data[0]), Total: ie.Data[1], Seq: ie.Data[2]}
		case IEConcat16:
			if len(ie.Data) != 4 {
				return Concat{}, false, errAt(ErrMalformedUDH, -1, fmt.Sprintf("16-bit concatenation element of length %d, want 4", len(ie.Data)))
			}
			next = Concat{Ref: binary.BigEndian.Uint16(ie.Data), Total: ie.Data[2], Seq: ie.Data[3]}
		default:
			continue
		}
		if next.valid() {
			c, found = next, true
		} else {
			c, found = Concat{}, false
		}
	}
	return c, found, nil
}

// Concat says which part of a concatenated message a short message is. The zero Concat means
// the message stands alone.
type Concat struct {
	Ref   uint16 // the sender's reference, the same in every part (8 or 16 bits)
	Total uint8  // how many parts, 1-255
	Seq   uint8  // this part's number, 1-Total
}

// IsZero reports whether c is the zero Concat: a message that is not part of a concatenation.
func (c Concat) IsZero() bool { return c == Concat{} }

func (c Concat) valid() bool { return c.Total > 0 && c.Seq > 0 && c.Seq <= c.Total }

// SAR returns the Concat that the SMPP 3.4 TLVs sar_msg_ref_num, sar_total_segments and
// sar_segment_seqnum (§5.3.2.22-24) describe, for deliver_sm PDUs that carry concatenation in
// TLVs instead of a user data header. Values out of range give ErrBadConcat.
func SAR(msgRefNum uint16, totalSegments, segmentSeqnum uint8) (Concat, error) {
	c := Concat{Ref: msgRefNum, Total: totalSegments, Seq: segmentSeqnum}
	if !c.valid() {
		return Concat{}, errAt(ErrBadConcat, -1, fmt.Sprintf("segment %d of %d", segmentSeqnum, totalSegments))
	}
	return c, nil
}

// concatUDH is the 6-octet header Vendgate puts on each part of a long reply: UDHL 5 and one
// 8-bit-reference concatenation element.
func concatUDH(ref, total, seq uint8) []byte {
	return []byte{0x05, IEConcat8, 0x03, ref, total, seq}
}
