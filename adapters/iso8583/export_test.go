package iso8583

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
