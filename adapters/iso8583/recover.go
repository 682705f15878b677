package iso8583

import (
	"fmt"
	"runtime"
	"runtime/debug"

	moov "github.com/moov-io/iso8583"

	"github.com/vendgate/vendgate/core"
)

// recovered turns a panic of the work of a message into an internal error, after logging it with
// its stack: a bug in one request must not end the server and every connection with it. The log
// line names the panic's kind (the message only for runtime errors, whose text carries no data)
// and never the message's fields, so no card data or token reaches it.
func (ss *session) recovered(p any) *core.Error {
	what := fmt.Sprintf("%T", p)
	if re, ok := p.(runtime.Error); ok {
		what = re.Error()
	}
	ss.log.Error().Str("panic", what).Bytes("stack", debug.Stack()).Msg("a message's work panicked")
	return core.Errorf(core.CodeInternal, core.ReasonInternal, "the request failed inside Vendgate")
}

// answerPanic is deferred by the goroutine that handles an inbound message: a panic there is
// logged and the message answered 96 (system malfunction) when it is a request Vendgate answers.
func (ss *session) answerPanic(m *moov.Message) {
	p := recover()
	if p == nil {
		return
	}
	err := ss.recovered(p)
	r := readRequest(m)
	if responseMTI(r.MTI) == "" || len(r.STAN) != 6 {
		return
	}
	ss.reply(newResponse(m, r, responseCode(err)))
}

// logPanic is deferred by the other goroutines of a session (the echo, the answer to a malformed
// message, the reversal after a deadline): a panic there is logged and ends only that goroutine.
func (ss *session) logPanic() {
	if p := recover(); p != nil {
		ss.recovered(p)
	}
}
