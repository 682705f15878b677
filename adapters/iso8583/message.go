package iso8583

import (
	"errors"
	"strconv"
	"strings"
	"time"

	moov "github.com/moov-io/iso8583"
	iso8583errors "github.com/moov-io/iso8583/errors"

	"github.com/vendgate/vendgate/core"
)

// request is an inbound message as the adapter reads it: every field it knows, as sent (absent
// fields are empty). PAN is card data: it is echoed in the response and never logged unmasked.
type request struct {
	MTI         string
	PAN         string // 2
	ProcCode    string // 3
	Amount      string // 4
	Transmitted string // 7, MMDDhhmmss UTC
	STAN        string // 11
	LocalTime   string // 12
	LocalDate   string // 13
	Institution string // 32
	RRN         string // 37
	Terminal    string // 41
	Acceptor    string // 42
	Meter       string // 48.01
	Channel     string // 48.03
	Currency    string // 49
	NetCode     string // 70
	Original    string // 90
}

// decode unpacks a message. On failure it returns the message as far as it was unpacked (the
// fields before the failing one) and a format error naming the failing field, with no data.
func decode(raw []byte) (*moov.Message, error) {
	m := moov.NewMessage(Spec)
	err := m.Unpack(raw)
	if err == nil {
		return m, nil
	}
	var ue *iso8583errors.UnpackError
	if !errors.As(err, &ue) {
		return m, formatError(0, "unreadable message")
	}
	id, convErr := strconv.Atoi(ue.FieldID)
	if convErr != nil {
		return m, formatError(0, "unreadable message")
	}
	switch id {
	case 0:
		return m, formatError(0, "not a 4-character message type")
	case 1:
		return m, formatError(1, "not a hexadecimal bitmap")
	}
	if _, ok := Spec.Fields[id]; !ok {
		return m, formatError(id, "not in Vendgate's field table")
	}
	return m, formatError(id, "malformed or truncated")
}

// readRequest reads the fields of a (possibly partly) unpacked message.
func readRequest(m *moov.Message) request {
	get := func(id int) string {
		s, _ := m.GetString(id)
		return s
	}
	var f48 struct {
		Meter   string `iso8583:"01"`
		Channel string `iso8583:"03"`
	}
	if m.GetField(48) != nil {
		_ = m.UnmarshalPath("48.01", &f48.Meter)
		_ = m.UnmarshalPath("48.03", &f48.Channel)
	}
	mti, _ := m.GetMTI()
	return request{
		MTI: mti, PAN: get(2), ProcCode: get(3), Amount: get(4), Transmitted: get(7), STAN: get(11),
		LocalTime: get(12), LocalDate: get(13), Institution: get(32), RRN: get(37), Terminal: get(41),
		Acceptor: get(42), Meter: f48.Meter, Channel: f48.Channel, Currency: get(49), NetCode: get(70),
		Original: get(90),
	}
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// printable reports whether s is ASCII 0x20..0x7e.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkHeader checks the fields every request carries: 7 and 11.
func (r request) checkHeader() error {
	switch {
	case len(r.STAN) != 6 || !digits(r.STAN):
		return formatError(11, "6 digits are required")
	case !validTransmission(r.Transmitted):
		return formatError(7, "MMDDhhmmss is required")
	}
	return nil
}

func validTransmission(s string) bool {
	if len(s) != 10 || !digits(s) {
		return false
	}
	_, err := time.Parse("20060102150405", "2000"+s) // a leap year, so that 29 February passes
	return err == nil
}

// checkFinancial checks the fields of 0100, 0200 and 0420: header, 3, 32, 37, 41, 48.01, and,
// when asked, the amount (4) and currency (49).
func (r request) checkFinancial(withAmount bool) error {
	if err := r.checkHeader(); err != nil {
		return err
	}
	switch {
	case r.PAN != "" && !digits(r.PAN):
		return formatError(2, "digits only")
	case len(r.ProcCode) != 6 || !digits(r.ProcCode):
		return formatError(3, "6 digits are required")
	case core.CheckInstitutionCode(r.Institution) != nil:
		return formatError(32, "1 to 11 digits are required")
	case len(r.RRN) != 12 || !printable(r.RRN):
		return formatError(37, "12 characters are required")
	case len(r.Terminal) != 8 || !printable(r.Terminal):
		return formatError(41, "8 characters are required")
	case r.Acceptor != "" && !printable(r.Acceptor):
		return formatError(42, "printable characters only")
	case r.Meter == "":
		return formatError(48, "subfield 01 (meter number) is required")
	case !digits(r.Meter):
		return formatError(48, "subfield 01 (meter number): digits only")
	case r.Currency != "" && (len(r.Currency) != 3 || !digits(r.Currency)):
		return formatError(49, "3 digits are required")
	}
	if withAmount && (len(r.Amount) != 12 || !digits(r.Amount)) {
		return formatError(4, "12 digits are required")
	}
	return nil
}

// amount returns field 4 in minor units (checked by checkFinancial).
func (r request) amount() core.Money {
	n, _ := strconv.ParseInt(r.Amount, 10, 64)
	return core.Money(n)
}

// currency returns field 49 as core's alphabetic code ("" when absent).
func (r request) currency() (string, error) {
	if r.Currency == "" {
		return "", nil
	}
	c, ok := alphaCurrency[r.Currency]
	if !ok {
		return "", core.Errorf(core.CodeInvalid, core.ReasonUnknownCurrency, "field 49: currency %s is not supported", r.Currency)
	}
	return c, nil
}

// idempotencyKey is the purchase's key: institution (32), terminal (41), STAN (11), RRN (37) and
// transmission date and time (7), joined with "/". The fields are fixed-length except 32, which
// has digits only, so the join is unambiguous.
func idempotencyKey(institution, terminal, stan, rrn, transmitted string) string {
	return strings.Join([]string{institution, terminal, stan, rrn, transmitted}, "/")
}

// original is field 90 of a reversal advice: the original's data elements.
type original struct {
	MTI         string // 4
	STAN        string // 6
	Transmitted string // 10
	Acquirer    string // 11, zero-filled on the left
	Forwarder   string // 11, zero-filled on the left
}

func (r request) original() (original, error) {
	s := r.Original
	if len(s) != 42 || !digits(s) {
		return original{}, formatError(90, "42 digits are required")
	}
	o := original{MTI: s[0:4], STAN: s[4:10], Transmitted: s[10:20], Acquirer: s[20:31], Forwarder: s[31:42]}
	if !validTransmission(o.Transmitted) {
		return original{}, formatError(90, "the original transmission date and time is not MMDDhhmmss")
	}
	return o, nil
}

// sameInstitution reports whether a zero-filled acquirer (field 90) names code; all zeros means
// "not given" and matches.
func sameInstitution(zeroFilled, code string) bool {
	a := strings.TrimLeft(zeroFilled, "0")
	return a == "" || a == strings.TrimLeft(code, "0")
}

// responseMTI returns the response's MTI for a request's: 0100→0110, 0200→0210, 0420 and
// 0421→0430, 0800→0810; "" for anything else.
func responseMTI(mti string) string {
	switch mti {
	case MTIAuthRequest:
		return MTIAuthResponse
	case MTIFinancialRequest:
		return MTIFinancialResp
	case MTIReversalAdvice, MTIReversalRepeat:
		return MTIReversalResponse
	case MTINetworkRequest:
		return MTINetworkResponse
	}
	return ""
}

// echoed lists the request fields a response repeats.
var echoed = []int{2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 70, 90}

// newResponse starts the response to req with field 39 and the request's fields repeated.
func newResponse(req *moov.Message, r request, rc string) *moov.Message {
	resp := moov.NewMessage(Spec)
	resp.MTI(responseMTI(r.MTI))
	for _, id := range echoed {
		if s, err := req.GetString(id); err == nil && s != "" {
			_ = resp.Field(id, s)
		}
	}
	if r.Meter != "" {
		_ = resp.MarshalPath("48.01", r.Meter)
	}
	_ = resp.Field(39, rc)
	return resp
}

// tokenField is field 63 of an approved 0210: the number of tokens (2 digits), each token as 20
// digits in the order the customer enters them, then the receipt lines, each padded to 40
// columns. Receipt lines that would pass 999 characters are left off; tokens never are.
func tokenField(v *core.Vend) string {
	var b strings.Builder
	b.WriteString(pad2(len(v.Tokens)))
	for _, t := range v.Tokens {
		b.WriteString(t.Token.String())
	}
	for _, line := range v.Receipt() {
		if b.Len()+ReceiptColumns > 999 {
			break
		}
		b.WriteString(column(line))
	}
	return b.String()
}

// displayField is field 62 of an approved 0110: lines for the ATM's screen, 40 columns each.
func displayField(view core.MeterView) string {
	lines := []string{
		"Meter:     " + view.Meter.Number,
		"Customer:  " + view.Customer.Name,
		"Utility:   " + view.Utility.Name,
	}
	if view.Arrears > 0 {
		lines = append(lines, "Arrears:   "+view.Utility.Currency.Format(view.Arrears))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(column(l))
	}
	return b.String()
}

// column pads or cuts a line to 40 columns of printable ASCII (other characters become '?').
func column(line string) string {
	b := make([]byte, 0, ReceiptColumns)
	for _, r := range line {
		if len(b) == ReceiptColumns {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		b = append(b, byte(r))
	}
	for len(b) < ReceiptColumns {
		b = append(b, ' ')
	}
	return string(b)
}

// name48 returns a customer name for field 48.02: printable ASCII, at most 40.
func name48(s string) string { return strings.TrimRight(column(s), " ") }

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n % 100)
}

// authCode is field 38 of an approved 0210: the vend's ID, 6 digits (the last six).
func authCode(id int64) string {
	s := strconv.FormatInt(id%1_000_000, 10)
	return strings.Repeat("0", 6-len(s)) + s
}

// maskPAN keeps the first 6 and last 4 digits of a PAN, for logs.
func maskPAN(pan string) string {
	if len(pan) < 13 {
		if pan == "" {
			return ""
		}
		return "****"
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// numericCurrency maps core's ISO 4217 alphabetic codes to their numeric codes (field 49), for the
// currencies core supports; alphaCurrency is its inverse.
var numericCurrency = map[string]string{
	"BWP": "072", "CDF": "976", "EGP": "818", "ETB": "230", "EUR": "978", "GBP": "826", "GHS": "936",
	"INR": "356", "KES": "404", "LSL": "426", "MAD": "504", "MWK": "454", "MZN": "943", "NAD": "516",
	"NGN": "566", "PKR": "586", "SLE": "925", "SZL": "748", "TZS": "834", "USD": "840", "XAF": "950",
	"XOF": "952", "UGX": "800", "RWF": "646", "ZAR": "710", "ZMW": "967", "ZWG": "924",
}

var alphaCurrency = func() map[string]string {
	m := make(map[string]string, len(numericCurrency))
	for a, n := range numericCurrency {
		m[n] = a
	}
	return m
}()
