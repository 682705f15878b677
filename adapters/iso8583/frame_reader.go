package iso8583

import (
	"io"

	moov "github.com/moov-io/iso8583"
)

// frameReader reads one framed message. A message that cannot be unpacked is answered 30 when
// its type and STAN could be read, otherwise logged and dropped; either way the connection goes
// on. Only a broken frame (a length header cut short) ends the connection.
type frameReader struct{ ss *session }

func (fr frameReader) ReadMessage(r io.Reader) (*moov.Message, error) {
	n, err := fr.ss.srv.cfg.Framing.ReadLength(r)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil // a keep-alive
	}
	if n > MaxMessageLength {
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return nil, err
		}
		fr.ss.log.Warn().Int("length", n).Msg("message too long: dropped")
		return nil, nil
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, err
	}
	m, err := decode(raw)
	if err != nil {
		fr.ss.malformed(m, err)
		return nil, nil
	}
	return m, nil
}

// malformed answers a message that could not be unpacked, with 30, when its MTI is one Vendgate
// answers and its STAN was read; it is logged either way, with the PAN masked.
func (ss *session) malformed(m *moov.Message, err error) {
	r := readRequest(m)
	ev := ss.log.Warn().Str("error", err.Error()).Str("mti", r.MTI).Str("stan", r.STAN).Str("pan", maskPAN(r.PAN))
	if responseMTI(r.MTI) == "" || len(r.STAN) != 6 {
		ev.Msg("malformed message dropped")
		return
	}
	ok, _ := ss.begin()
	if !ok {
		ev.Msg("malformed message dropped")
		return
	}
	ev.Msg("malformed message answered 30")
	go func() {
		defer ss.end()
		defer ss.logPanic()
		ss.reply(newResponse(m, r, RCFormatError))
	}()
}
