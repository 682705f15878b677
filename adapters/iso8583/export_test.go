package iso8583

import (
	"bytes"
	"fmt"

	"github.com/rs/zerolog"
)

// ResponseCode exposes the response code table to the external tests.
var ResponseCode = responseCode

// TokenField exposes field 63's encoder (tokens, then receipt lines) to the external tests.
var TokenField = tokenField

// DecodeRequest runs the decoder of outside bytes and the field checks of every message kind,
// for the fuzz target: unpack, read the fields, check them, read field 90.
func DecodeRequest(raw []byte) (mti string, err error) {
	m, err := decode(raw)
	r := readRequest(m)
	if err != nil {
		return r.MTI, err
	}
	_ = r.checkHeader()
	if err := r.checkFinancial(true); err != nil {
		return r.MTI, err
	}
	if r.Original != "" {
		if _, err := r.original(); err != nil {
			return r.MTI, err
		}
	}
	return r.MTI, nil
}

// ReadFrames runs the connection's frame reader over raw until it fails (at the end of raw, at
// the latest) and returns the messages it read, packed again. Malformed messages are dropped
// (the session is ending, so they are not answered), as keep-alives are.
func ReadFrames(f Framing, raw []byte) (packed [][]byte, err error) {
	nop := zerolog.Nop()
	ss := &session{srv: &Server{cfg: Config{Framing: f}, log: nop}, log: nop, ending: true}
	fr := frameReader{ss}
	r := bytes.NewReader(raw)
	for {
		m, err := fr.ReadMessage(r)
		if err != nil {
			return packed, err
		}
		if m == nil {
			continue
		}
		b, err := m.Pack()
		if err != nil {
			return packed, fmt.Errorf("packing a message read: %w", err)
		}
		packed = append(packed, b)
	}
}

// ReasonOf and CodeOf expose field 39's tables to the external tests.
var (
	ReasonOf = reasonOf
	CodeOf   = codeOf
)
