package ops

import (
	"encoding/json"
	"net/http"

	"github.com/vendgate/vendgate/adapters/internal/httpkit"
	"github.com/vendgate/vendgate/backoffice"
	"github.com/vendgate/vendgate/core"
)

// exchange is one request as the handlers see it: the request, the writer, and who is asking
// once auth.go has found out.
type exchange struct {
	w     *response
	r     *http.Request
	id    string
	route string // the route's pattern, for the log line
	actor backoffice.Actor
	// session says the actor came by the session cookie (so an unsafe request needs the CSRF
	// token); false for a bearer token.
	session bool
	problem *problem // what was answered, for the log line
}

type exchangeKey struct{}

// from is the remote address the back office records for the request.
func (x *exchange) from() string { return remoteAddr(x.r) }

// json answers v as JSON with status.
func (x *exchange) json(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return core.Internal(err, "encoding the answer")
	}
	x.w.Header().Set("Content-Type", "application/json")
	x.w.WriteHeader(status)
	_, _ = x.w.Write(append(b, '\n'))
	return nil
}

// noContent answers 204.
func (x *exchange) noContent() error {
	x.w.WriteHeader(http.StatusNoContent)
	return nil
}

// decode reads the JSON body strictly into fields (httpkit.DecodeObject): 415 for a body that is
// not JSON, 413 for one too large, 400 naming the field for the rest.
func (x *exchange) decode(s *Server, what string, fields ...httpkit.Field) error {
	if err := httpkit.CheckJSON(x.r); err != nil {
		return err
	}
	body, err := httpkit.ReadBody(x.w, x.r, s.maxBody)
	if err != nil {
		return err
	}
	return httpkit.DecodeObject(body, what, fields)
}

// decodeOptional is decode for a body that may be left out: an empty body is the empty object.
func (x *exchange) decodeOptional(s *Server, what string, fields ...httpkit.Field) error {
	if err := httpkit.CheckJSON(x.r); err != nil {
		return err
	}
	body, err := httpkit.ReadBody(x.w, x.r, s.maxBody)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	return httpkit.DecodeObject(body, what, fields)
}

// response records what a handler wrote: its status, its size, and whether anything was sent, so
// that an error after the first byte (a broken export) is logged rather than answered twice.
type response struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *response) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *response) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer (to flush an export).
func (w *response) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// committed reports whether the status line has been sent.
func (w *response) committed() bool { return w.status != 0 }

// statusProbe is a ResponseWriter that only keeps the status and headers: it asks the mux what
// it would answer a request no route takes.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }
