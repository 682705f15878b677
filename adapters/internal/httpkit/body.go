package httpkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// The reasons of a request body refused before any use case sees it. They are not in
// core.Reasons: each HTTP adapter answers them with code invalid.
const (
	ReasonUnsupportedMediaType core.Reason = "unsupported_media_type"
	ReasonBodyTooLarge         core.Reason = "body_too_large"
	ReasonUnreadableBody       core.Reason = "unreadable_body"
	ReasonMalformedJSON        core.Reason = "malformed_json"
	ReasonDuplicateField       core.Reason = "duplicate_field"
	ReasonUnknownField         core.Reason = "unknown_field"
	ReasonWrongType            core.Reason = "wrong_type"
	ReasonMissingField         core.Reason = "missing_field"
)

// BodyReasons returns the reasons of this file, for the adapters' tables and their tests.
func BodyReasons() []core.Reason {
	return []core.Reason{ReasonUnsupportedMediaType, ReasonBodyTooLarge, ReasonUnreadableBody, ReasonMalformedJSON,
		ReasonDuplicateField, ReasonUnknownField, ReasonWrongType, ReasonMissingField}
}

// StatusError is an invalid request that HTTP answers with a status of its own, one no code of
// core's has: 413 for a body too large, 415 for a body that is not JSON.
type StatusError struct {
	Status int
	Err    *core.Error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// CheckJSON refuses a body declared as anything but JSON (415); a body without a Content-Type is
// read as JSON.
func CheckJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return &StatusError{Status: http.StatusUnsupportedMediaType,
			Err: core.Errorf(core.CodeInvalid, ReasonUnsupportedMediaType, "the body must be application/json")}
	}
	return nil
}

// ReadBody reads r's body up to max bytes: larger is 413.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	tooLarge := &StatusError{Status: http.StatusRequestEntityTooLarge,
		Err: core.Errorf(core.CodeInvalid, ReasonBodyTooLarge, "the request body is larger than %d bytes", max)}
	if r.ContentLength > max {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		return nil, core.Errorf(core.CodeInvalid, ReasonUnreadableBody, "the request body could not be read")
	}
	return body, nil
}

// Field is one field of a request body: its name, where it decodes to, what it must be (for the
// message: "a string") and whether it is required.
type Field struct {
	Name     string
	Dst      any
	Want     string
	Required bool
}

// Required and Optional make a Field.
func Required(name string, dst any, want string) Field { return Field{name, dst, want, true} }
func Optional(name string, dst any, want string) Field { return Field{name, dst, want, false} }

// DecodeObject decodes a request body strictly: one JSON object with the fields given and nothing
// else, each at most once and of its type; what names the request in messages ("a vend
// request"). The error is core's invalid, naming the field at fault.
func DecodeObject(body []byte, what string, fields []Field) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", ReasonMalformedJSON, "the body is empty: a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return invalid("", ReasonMalformedJSON, "the body must be a JSON object")
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
		}
		name, _ := tok.(string) // inside an object, the decoder returns only string keys
		if seen[name] {
			return invalid(fieldRef(name), ReasonDuplicateField, "%s appears more than once", quoted(name))
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed(err)
		}
		i := slices.Index(names, name)
		if i < 0 {
			return invalid(fieldRef(name), ReasonUnknownField, "%s is not a field of %s (%s)", quoted(name), what, strings.Join(names, ", "))
		}
		if err := decodeField(raw, fields[i].Dst, fields[i].Want); err != nil {
			return invalid(name, ReasonWrongType, "%s must be %s", name, err.Error())
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", ReasonMalformedJSON, "the body has data after the JSON object")
	}
	for _, f := range fields {
		if f.Required && !seen[f.Name] {
			return invalid(f.Name, ReasonMissingField, "%s is required", f.Name)
		}
	}
	return nil
}

func invalid(field string, reason core.Reason, format string, args ...any) error {
	return core.Errorf(core.CodeInvalid, reason, format, args...).OnField(field)
}

// decodeField decodes one field's value into dst; null is not a value of any field.
func decodeField(raw json.RawMessage, dst any, want string) error {
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, dst) != nil {
		return errors.New(want)
	}
	return nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid("", ReasonMalformedJSON, "the body is not valid JSON (at byte %d)", se.Offset)
	}
	return invalid("", ReasonMalformedJSON, "the body is not valid JSON")
}

// fieldRef bounds a field name taken from the body, so a long one cannot flood a problem.
func fieldRef(name string) string {
	if r := []rune(name); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return name
}

// quoted is a field name from the body as a message shows it.
func quoted(name string) string { return fmt.Sprintf("%q", fieldRef(name)) }
