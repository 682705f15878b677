package ussd

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

// step is where a dialogue is: the screen the customer was last shown.
type step string

// The steps of a dialogue.
const (
	stepMain     step = "main"     // the main menu
	stepMeter    step = "meter"    // asked for the meter number
	stepName     step = "name"     // shown the meter's customer name to confirm
	stepAmount   step = "amount"   // asked for the amount
	stepConfirm  step = "confirm"  // asked to confirm the purchase
	stepLanguage step = "language" // the language menu
	stepDone     step = "done"     // answered END: every further callback gets the same screen
)

// textStyle is how an aggregator sends the text: the whole history or the newest input.
type textStyle string

const (
	styleUnknown textStyle = ""
	styleFull    textStyle = "full"
	styleLast    textStyle = "last"
)

// state is a dialogue's state, kept as JSON in core.USSDSession.State.
type state struct {
	Step     step      `json:"step"`
	Style    textStyle `json:"style,omitempty"`
	Meter    string    `json:"meter,omitempty"`
	Name     string    `json:"name,omitempty"`
	Currency string    `json:"currency,omitempty"`
	Exponent int32     `json:"exponent,omitempty"`
	Amount   int64     `json:"amount,omitempty"`
}

func (s *state) currency() core.Currency {
	return core.Currency{Code: s.Currency, Exponent: s.Exponent}
}

// result is the answer to a callback and what its log line says.
type result struct {
	screen  string // "CON ..." or "END ..."
	outcome string // the metric's label
	step    step
	vendID  int64
	err     error // a refusal or failure behind the answer, for the log line
}

// dialogue is one callback's work on a session.
type dialogue struct {
	h     *Handler
	req   request
	op    core.Operator
	sub   *core.Subscriber // the phone's preferences, once read (subscriber)
	sess  core.USSDSession
	st    state
	l     *lang.Language
	err   error // the last refusal or failure, for the log line
	vend  int64
	ended bool
}

// answer answers a callback: it finds the service code and the session, works out the new
// inputs and walks the menu with them.
func (h *Handler) answer(ctx context.Context, req request) result {
	def := h.cfg.Catalog.Default()
	op, err := h.cfg.Mobile.Operator(ctx, core.ChannelUSSD, req.ServiceCode)
	switch code := core.ErrorCode(err); {
	case code == core.CodeUnauthorized:
		return result{screen: "END " + fit(def.Error(err)), outcome: "unknown_service_code", err: err}
	case err != nil:
		return h.unavailable(def, err, "reading the service code")
	}
	id := req.ServiceCode + ":" + req.SessionID
	now := h.now().UTC()
	sess, err := h.cfg.Sessions.USSDSession(ctx, id)
	fresh := errors.Is(err, core.ErrNotFound)
	if err != nil && !fresh {
		return h.unavailable(def, err, "reading the USSD session")
	}
	d := &dialogue{h: h, req: req, op: op, sess: sess}
	if fresh {
		d.sess = core.USSDSession{ID: id, Phone: req.Phone, ServiceCode: req.ServiceCode, CreatedAt: now}
		if sub, err := d.subscriber(ctx); err == nil { // else the default language: the menu still works
			d.sess.Language = sub.Language
		} else {
			h.log.Warn().Str("error", err.Error()).Str("phone", core.MaskPhone(req.Phone)).Msg("reading a subscriber")
		}
		d.st = state{Step: stepMain}
	} else if err := json.Unmarshal([]byte(sess.State), &d.st); err != nil {
		return h.unavailable(def, core.Internal(err, "the stored USSD session does not convert"), "reading the USSD session")
	}
	d.l = h.cfg.Catalog.Language(d.sess.Language)
	switch {
	case !fresh && sess.Phone != req.Phone:
		// A session belongs to the phone that opened it: another number gets nothing of it (its
		// final screen holds the tokens).
		e := core.Errorf(core.CodeUnauthorized, reasonSessionOtherPhone, "USSD session %s belongs to another phone", req.SessionID)
		return result{screen: "END " + fit(d.l.USSDExpired()), outcome: "other_phone", err: e}
	case !fresh && !now.Before(sess.ExpiresAt):
		// The row stays until the sweep's grace has passed, so that an aggregator's late retry
		// of any of its callbacks gets this answer again instead of starting the dialogue over.
		return result{screen: "END " + fit(d.l.USSDExpired()), outcome: "expired", step: d.st.Step}
	case !fresh && (d.st.Step == stepDone || req.Text == sess.Text && d.st.Style != styleLast):
		// A repeated callback, or one after the dialogue ended: the same answer, nothing done again.
		return result{screen: sess.Screen, outcome: "repeat", step: d.st.Step, vendID: sess.VendID}
	}
	inputs, style, err := newInputs(sess.Text, req.Text, d.st.Style, fresh)
	d.st.Style = style
	var screen string
	switch {
	case err != nil:
		d.err = core.Errorf(core.CodeInvalid, reasonTooManyInputs, "%v", err)
		screen = d.end(d.l.USSDInvalidChoice())
	case len(inputs) == 0:
		screen = d.con(d.screen())
	}
	for _, in := range inputs {
		step := d.st.Step
		// A refused input asks its question again; the inputs after it were typed for another
		// question and are not taken.
		if screen = d.input(ctx, strings.TrimSpace(in)); d.ended || d.st.Step == step {
			break
		}
	}
	d.sess.Text, d.sess.Screen, d.sess.UpdatedAt, d.sess.ExpiresAt = req.Text, screen, now, now.Add(h.timeout)
	if d.vend != 0 {
		d.sess.VendID = d.vend
	}
	if d.ended {
		d.st.Step = stepDone
	}
	js, err := json.Marshal(d.st)
	if err == nil {
		d.sess.State = string(js)
		err = h.cfg.Sessions.SaveUSSDSession(ctx, d.sess)
	}
	if err != nil && !d.ended {
		// Without its state the next callback would not know where the dialogue is.
		return h.unavailable(d.l, err, "saving the USSD session")
	}
	if err != nil {
		h.log.Warn().Str("error", err.Error()).Msg("saving a finished USSD session")
	}
	outcome := "con"
	if d.ended {
		outcome = "end"
	}
	return result{screen: screen, outcome: outcome, step: d.st.Step, vendID: d.vend, err: d.err}
}

// unavailable answers a failure of the database or core: END with the busy screen.
func (h *Handler) unavailable(l *lang.Language, err error, what string) result {
	var e *core.Error
	if !errors.As(err, &e) || e.Code != core.CodeInternal {
		e = core.Unavailable(err, what)
	}
	return result{screen: "END " + fit(l.Error(e)), outcome: "unavailable", err: e}
}

// subscriber reads the phone's preferences once per callback, when a step needs them.
func (d *dialogue) subscriber(ctx context.Context) (core.Subscriber, error) {
	if d.sub == nil {
		s, err := d.h.cfg.Mobile.Subscriber(ctx, d.req.Phone)
		if err != nil {
			return core.Subscriber{}, err
		}
		d.sub = &s
	}
	return *d.sub, nil
}

// con answers a screen that continues the dialogue.
func (d *dialogue) con(screen string) string { return "CON " + fit(screen) }

// end answers the dialogue's last screen.
func (d *dialogue) end(screen string) string {
	d.ended = true
	return "END " + fit(screen)
}

// again re-asks the current screen after a problem: the problem's text above it when both fit.
func (d *dialogue) again(problem string) string {
	screen := d.screen()
	if both := problem + "\n" + screen; lang.USSDLen(both) <= lang.MaxUSSD {
		return d.con(both)
	}
	return d.con(screen)
}

// refuse re-asks the current screen after a refusal from core or the input's parser.
func (d *dialogue) refuse(err error) string {
	d.err = err
	return d.again(d.l.Error(err))
}

// screen renders the current step's screen.
func (d *dialogue) screen() string {
	switch d.st.Step {
	case stepMeter:
		return d.l.USSDEnterMeter()
	case stepName:
		return d.l.USSDConfirmName(d.st.Meter, d.st.Name)
	case stepAmount:
		return d.l.USSDEnterAmount(d.st.Meter, d.st.currency())
	case stepConfirm:
		return d.l.USSDConfirm(d.st.Meter, d.st.Name, core.Money(d.st.Amount), d.st.currency())
	case stepLanguage:
		return d.l.USSDLanguageMenu()
	}
	return d.l.USSDMain(d.h.service)
}

// goTo moves to a step and shows its screen.
func (d *dialogue) goTo(s step) string {
	d.st.Step = s
	return d.con(d.screen())
}

// input acts on one input at the current step and returns the answer.
func (d *dialogue) input(ctx context.Context, in string) string {
	switch d.st.Step {
	case stepMain:
		switch in {
		case "1":
			return d.goTo(stepMeter)
		case "2":
			return d.last(ctx)
		case "3":
			return d.end(d.l.Help())
		case "4":
			return d.goTo(stepLanguage)
		case "0":
			return d.end(d.l.USSDBye(d.h.service))
		}
	case stepMeter:
		if in == "0" {
			return d.goTo(stepMain)
		}
		return d.meter(ctx, in)
	case stepName:
		switch in {
		case "1":
			return d.goTo(stepAmount)
		case "2":
			return d.goTo(stepMeter)
		case "0":
			return d.goTo(stepMain)
		}
	case stepAmount:
		if in == "0" {
			return d.goTo(stepName)
		}
		amount, err := lang.ParseAmount(in, d.st.currency())
		if err == nil {
			err = d.h.cfg.Vendor.CheckAmount(amount) // refused now, not after the customer confirms
		}
		if err != nil {
			return d.refuse(err)
		}
		d.st.Amount = int64(amount)
		return d.goTo(stepConfirm)
	case stepConfirm:
		switch in {
		case "1":
			return d.buy(ctx)
		case "2":
			return d.end(d.l.USSDBye(d.h.service))
		}
	case stepLanguage:
		if l, ok := d.h.cfg.Catalog.MenuChoice(in); ok {
			return d.setLanguage(ctx, l)
		}
		if in == "0" {
			return d.goTo(stepMain)
		}
	}
	return d.again(d.l.USSDInvalidChoice())
}

// meter looks up the meter number entered: a number that is not valid, not registered or not
// vendable gets its problem and the question again.
func (d *dialogue) meter(ctx context.Context, in string) string {
	number, err := lang.ParseMeter(in)
	if err != nil {
		return d.refuse(err)
	}
	view, _, err := d.h.cfg.Vendor.Sellable(ctx, d.op.Code.AgentID, number)
	if code := core.ErrorCode(err); err != nil && (code == core.CodeUnavailable || code == core.CodeInternal) {
		d.err = core.AsError(err)
		return d.end(d.l.Error(d.err))
	}
	if err != nil {
		return d.refuse(err)
	}
	d.st.Meter, d.st.Name = number, view.Customer.Name
	d.st.Currency, d.st.Exponent = view.Utility.Currency.Code, view.Utility.Currency.Exponent
	return d.goTo(stepName)
}

// buy vends what the customer confirmed, once per session: the session's ID is the idempotency
// key, so a callback repeated after a lost answer gets the same vend from core. Core writes the
// SMS with the tokens in the vend's transaction.
func (d *dialogue) buy(ctx context.Context) string {
	l, phone := d.l, d.req.Phone
	req := core.VendRequest{
		Channel: core.ChannelUSSD, IdempotencyKey: d.sess.ID, AgentID: d.op.Code.AgentID,
		MeterNumber: d.st.Meter, Amount: core.Money(d.st.Amount), Currency: d.st.Currency, Payer: phone,
	}
	if d.h.cfg.SMS {
		req.Reply = &core.ReplyTo{Route: d.op.Code.Route, Sender: d.op.ReplyFrom, Recipient: phone, Render: l.VendReply}
	}
	v, err := d.h.cfg.Vendor.Vend(ctx, req)
	outcome := "ok"
	if err != nil {
		outcome = string(core.ErrorCode(err))
	}
	d.h.vends.WithLabelValues(core.ChannelUSSD, outcome).Inc()
	if err != nil {
		d.err = err
		return d.end(l.Error(err))
	}
	d.vend = v.ID
	sub, err := d.subscriber(ctx)
	if err == nil {
		err = d.h.cfg.Mobile.Bought(ctx, sub, v)
	}
	if err != nil {
		d.h.log.Warn().Str("error", err.Error()).Str("phone", core.MaskPhone(phone)).Msg("storing the default meter")
	}
	return d.end(l.USSDResult(v, d.h.cfg.SMS))
}

// last shows the phone's last purchase (paid from this phone: another phone's purchase for the
// same meter is not shown) and sends it again by SMS when replies go by SMS.
func (d *dialogue) last(ctx context.Context) string {
	l, phone := d.l, d.req.Phone
	sub, err := d.subscriber(ctx)
	if err != nil {
		d.err = err
		return d.end(l.Error(d.err))
	}
	meter := sub.DefaultMeter
	if meter == "" {
		return d.end(l.NoDefaultMeter())
	}
	v, err := d.h.cfg.Mobile.Last(ctx, phone, meter)
	if err != nil {
		d.err = err
		return d.end(l.Error(d.err))
	}
	if v == nil {
		return d.end(l.NoVend(meter))
	}
	body := l.Last(v)
	if d.h.cfg.SMS {
		if err := d.h.cfg.Replies.Reply(ctx, d.op.Code.Route, d.op.ReplyFrom, phone, body, v.ID); err != nil {
			d.h.log.Warn().Str("error", err.Error()).Str("phone", core.MaskPhone(phone)).Int64("vend_id", v.ID).Msg("queueing the LAST SMS")
		}
	}
	d.vend = v.ID
	if lang.USSDLen(body) <= lang.MaxUSSD {
		return d.end(body)
	}
	return d.end(l.USSDResult(v, d.h.cfg.SMS))
}

// setLanguage stores the language chosen and shows the main menu in it.
func (d *dialogue) setLanguage(ctx context.Context, l *lang.Language) string {
	if err := d.h.cfg.Mobile.SetLanguage(ctx, d.req.Phone, l.Code()); err != nil {
		d.err = err
		return d.end(d.l.Error(d.err))
	}
	d.l, d.sess.Language = l, l.Code()
	d.st.Step = stepMain
	return d.again(l.LanguageSet())
}

// fit cuts a screen to what a USSD screen shows: MaxUSSD characters. Screens are written to fit;
// this guards against a long name or a translation that does not.
func fit(s string) string {
	if lang.USSDLen(s) <= lang.MaxUSSD {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lang.USSDLen(string(r)) > lang.MaxUSSD {
		r = r[:len(r)-1]
	}
	return string(r)
}
