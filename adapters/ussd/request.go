package ussd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/vendgate/vendgate/core"
)

// Limits of a callback's fields.
const (
	// maxSessionID bounds the aggregator's session id, so that the scoped idempotency key
	// ("<service code>:<session id>") stays within core's 128 characters.
	maxSessionID = 90
	// maxServiceCode is the longest service code (core.CheckServiceCode).
	maxServiceCode = 32
	// maxText bounds the text: a whole dialogue's inputs, far more than any real one.
	maxText = 1024
	// maxInputs bounds the inputs one callback may carry beyond the session's last text.
	maxInputs = 16
)

// request is one aggregator callback.
type request struct {
	SessionID   string
	ServiceCode string // core.NormalizeServiceCode's form
	Phone       string // core.NormalizePhone's form
	Text        string
}

// badRequest is a callback the handler cannot read: answered 400 with the text.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// callbackJSON is the JSON form of a callback.
type callbackJSON struct {
	SessionID   string `json:"sessionId"`
	ServiceCode string `json:"serviceCode"`
	PhoneNumber string `json:"phoneNumber"`
	Text        string `json:"text"`
}

// parseRequest reads a callback's body: a form (application/x-www-form-urlencoded, also when no
// content type is given) or a JSON object. The error is a badRequest naming the problem.
func parseRequest(contentType string, body []byte) (request, error) {
	var cb callbackJSON
	media := "application/x-www-form-urlencoded"
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return request{}, badRequest("unreadable Content-Type")
		}
		media = mt
	}
	switch media {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&cb); err != nil {
			return request{}, badRequest("the body is not a JSON object with sessionId, serviceCode, phoneNumber and text")
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return request{}, badRequest("the body is not a valid form")
		}
		cb = callbackJSON{SessionID: form.Get("sessionId"), ServiceCode: form.Get("serviceCode"),
			PhoneNumber: form.Get("phoneNumber"), Text: form.Get("text")}
	default:
		return request{}, badRequest("Content-Type must be application/x-www-form-urlencoded or application/json")
	}
	return checkRequest(cb)
}

// checkRequest checks a callback's fields and normalises them.
func checkRequest(cb callbackJSON) (request, error) {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"sessionId", cb.SessionID}, {"serviceCode", cb.ServiceCode}, {"phoneNumber", cb.PhoneNumber},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return request{}, badRequest("missing " + strings.Join(missing, ", "))
	}
	r := request{SessionID: strings.TrimSpace(cb.SessionID), ServiceCode: core.NormalizeServiceCode(cb.ServiceCode), Text: strings.TrimSpace(cb.Text)}
	if len(r.SessionID) > maxSessionID || strings.ContainsFunc(r.SessionID, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return request{}, badRequest(fmt.Sprintf("sessionId must be 1 to %d printable ASCII characters without spaces", maxSessionID))
	}
	if len(r.ServiceCode) > maxServiceCode || strings.Trim(r.ServiceCode, "0123456789*#") != "" {
		return request{}, badRequest("serviceCode must be digits, * and #, e.g. *404#")
	}
	phone, err := core.NormalizePhone(cb.PhoneNumber)
	if err != nil {
		return request{}, badRequest("phoneNumber must be a phone number of 6 to 15 digits")
	}
	r.Phone = phone
	if len(r.Text) > maxText || !utf8.ValidString(r.Text) {
		return request{}, badRequest(fmt.Sprintf("text must be valid UTF-8 of at most %d bytes", maxText))
	}
	return r, nil
}

// errTooManyInputs is a callback that carries more new inputs than a dialogue has.
var errTooManyInputs = errors.New("too many inputs in one callback")

// newInputs returns the inputs a callback adds to a session whose last callback had text prev,
// and the style of the aggregator's text: full when the text carries the whole history (it
// extends prev by "*<input>"), last when it carries only the newest input. The style is
// styleUnknown until a callback tells (the first input reads the same in both). known is the
// session's style so far.
func newInputs(prev, text string, known textStyle, fresh bool) ([]string, textStyle, error) {
	var in []string
	style := known
	switch {
	case fresh || prev == "" && known != styleLast:
		// The first input(s) of a dialogue: "1", or the inputs of a dial string ("*404*1#").
		if text == "" {
			return nil, style, nil
		}
		in = strings.Split(text, "*")
		if len(in) > 1 {
			style = styleFull
		}
	case known != styleLast && strings.HasPrefix(text, prev+"*"):
		in = strings.Split(strings.TrimPrefix(text, prev+"*"), "*")
		style = styleFull
	default:
		in = []string{text}
		style = styleLast
	}
	if len(in) > maxInputs {
		return nil, style, errTooManyInputs
	}
	return in, style, nil
}
