package iso8583

import (
	"context"
	"errors"
	"strconv"
	"time"

	moov "github.com/moov-io/iso8583"
	connection "github.com/moov-io/iso8583-connection"

	"github.com/vendgate/vendgate/core"
)

// network answers an 0800: sign-on, sign-off, echo.
func (ss *session) network(m *moov.Message, r request) {
	var err error
	closeAfter := false
	switch {
	case r.checkHeader() != nil:
		err = r.checkHeader()
	case r.NetCode == NetEcho:
	case r.NetCode == NetSignOn:
		err = ss.signOn(r)
		closeAfter = err != nil && !isFormat(err) && core.ErrorCode(err) != core.CodeUnavailable
	case r.NetCode == NetSignOff:
		ss.mu.Lock()
		ss.inst = nil
		ss.mu.Unlock()
	default:
		err = formatError(70, "001 (sign-on), 002 (sign-off) or 301 (echo) is required")
	}
	resp := newResponse(m, r, responseCode(err))
	ss.reply(resp)
	ev := ss.log.Info()
	if err != nil {
		ev = ss.log.Warn().Str("reason", string(core.AsError(err).Reason)).Str("detail", core.AsError(err).Message)
	}
	rc, _ := resp.GetString(39)
	ev.Str("mti", r.MTI).Str("stan", r.STAN).Str("network_code", r.NetCode).Str("institution", r.Institution).Str("rc", rc).Msg("network management")
	if closeAfter {
		<-ss.ready
		time.Sleep(closeLinger)
		ss.conn.TriggerFailure(errors.New("sign-on refused"))
	}
}

// signOn authenticates the connection as the institution of field 32: it must exist, be active
// and allow the peer's address. A connection signed on stays with its institution.
func (ss *session) signOn(r request) error {
	if core.CheckInstitutionCode(r.Institution) != nil {
		return formatError(32, "1 to 11 digits are required")
	}
	if cur := ss.institution(); cur != nil && cur.Code != r.Institution {
		return core.Errorf(core.CodeUnauthorized, reasonInstitution, "the connection is signed on as another institution")
	}
	in, err := call(ss, func(ctx context.Context) (core.Institution, error) {
		return ss.srv.cfg.Institutions.InstitutionByCode(ctx, r.Institution)
	})
	switch {
	case errors.Is(err, core.ErrNotFound):
		return core.Errorf(core.CodeUnauthorized, reasonUnknownInst, "institution %s is not registered", r.Institution)
	case err != nil:
		var ce *core.Error
		if errors.As(err, &ce) {
			return err
		}
		e := core.Errorf(core.CodeUnavailable, core.ReasonUnavailable, "reading the institution")
		e.Err = err
		return e
	case !in.Active:
		return core.Errorf(core.CodeUnauthorized, reasonInactiveInst, "institution %s is not active", r.Institution)
	case !ss.peer.IsValid() || !in.Allows(ss.peer):
		return core.Errorf(core.CodeUnauthorized, reasonAddressRefuse, "institution %s may not connect from %s", r.Institution, ss.peer)
	}
	ss.mu.Lock()
	ss.inst = &in
	ss.mu.Unlock()
	return nil
}

// echo is the idle handler: an 0800 echo to a connection that has been silent.
func (ss *session) echo(c *connection.Connection) {
	if ok, _ := ss.begin(); !ok {
		return
	}
	defer ss.end()
	defer ss.logPanic()
	m := moov.NewMessage(Spec)
	m.MTI(MTINetworkRequest)
	_ = m.Field(7, ss.srv.cfg.Clock().UTC().Format("0102150405"))
	_ = m.Field(11, ss.srv.nextSTAN())
	_ = m.Field(70, NetEcho)
	if _, err := c.Send(m); err != nil {
		ss.log.Warn().Str("error", safeError(err)).Msg("echo unanswered")
	}
}

func (s *Server) nextSTAN() string {
	n := s.stan.Add(1)%999_999 + 1
	str := strconv.FormatUint(uint64(n), 10)
	return "000000"[len(str):] + str
}
