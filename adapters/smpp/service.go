package smpp

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/core"
)

// The interfaces this adapter needs; cmd/vendgate wires them to core and the store.
type (
	// Vendor runs the vend pipeline (core.Vendor.Vend).
	Vendor interface {
		Vend(ctx context.Context, req core.VendRequest) (*core.Vend, error)
	}
	// Mobile is the rules SMS and USSD share (core.Mobile): the short code's operator, a phone's
	// preferences, LAST.
	Mobile interface {
		Operator(ctx context.Context, channel, code string) (core.Operator, error)
		Subscriber(ctx context.Context, phone string) (core.Subscriber, error)
		Bought(ctx context.Context, sub core.Subscriber, v *core.Vend) error
		SetLanguage(ctx context.Context, phone, lang string) error
		Last(ctx context.Context, phone, meter string) (*core.Vend, error)
	}
	// Vends finds the vend a message made before (core.VendStore).
	Vends interface {
		// VendByKeys returns the vend of the first of keys that has one, or core.ErrNotFound.
		VendByKeys(ctx context.Context, channel string, keys ...string) (*core.Vend, error)
	}
	// Replies is the outbox: Reply adds an SMS that answers no new vend and announces it to the
	// relay (a vend's own reply is written by core in the vend's transaction); receipts are
	// recorded against the replies they acknowledge.
	Replies interface {
		Reply(ctx context.Context, route, sender, recipient, body string, vendID int64) error
		core.ReceiptRecorder
	}
)

// Config is what New needs.
type Config struct {
	Binds   []Bind
	Vendor  Vendor
	Mobile  Mobile
	Vends   Vends
	Replies Replies
	Catalog *lang.Catalog
	Logger  zerolog.Logger
	// Clock is the time (time.Now by default).
	Clock func() time.Time
	// Throttles pace each bind's submit_sm: NodeThrottle (the default) for one node,
	// SharedThrottles when several nodes bind to the same SMSC.
	Throttles Throttles
	// RepeatWindow is how long the same message from the same phone counts as the SMSC delivering
	// it again, not as a new purchase (default 30 minutes; see idempotencyKey).
	RepeatWindow time.Duration
}

// Adapter is the SMS channel: its links to the SMSCs and the service that answers customers.
type Adapter struct {
	cfg   Config
	log   zerolog.Logger
	links map[string]*Link
	names []string
}

// New checks the configuration and makes the links; Start binds them.
func New(cfg Config) (*Adapter, error) {
	switch {
	case cfg.Vendor == nil || cfg.Mobile == nil || cfg.Vends == nil || cfg.Replies == nil:
		return nil, errors.New("smpp: Vendor, Mobile, Vends and Replies are required")
	case cfg.Catalog == nil:
		return nil, errors.New("smpp: a language catalog is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Throttles == nil {
		cfg.Throttles = NodeThrottle
	}
	if cfg.RepeatWindow <= 0 {
		cfg.RepeatWindow = 30 * time.Minute
	}
	a := &Adapter{cfg: cfg, log: cfg.Logger.With().Str("adapter", "smpp").Logger(), links: map[string]*Link{}}
	for _, b := range cfg.Binds {
		if err := b.Check(); err != nil {
			return nil, err
		}
		if a.links[b.Name] != nil {
			return nil, fmt.Errorf("smpp: two binds are named %s", b.Name)
		}
		a.links[b.Name] = newLink(b, a, cfg.Throttles, a.log, cfg.Clock)
		a.names = append(a.names, b.Name)
	}
	return a, nil
}

// Start binds every link; each keeps binding again in the background when its bind drops.
func (a *Adapter) Start() {
	for _, l := range a.links {
		go l.run()
	}
}

// Shutdown unbinds every link.
func (a *Adapter) Shutdown() {
	for _, l := range a.links {
		l.close()
	}
}

// Deliverers are the links by route, for the reply relay.
func (a *Adapter) Deliverers() map[string]core.Deliverer {
	out := make(map[string]core.Deliverer, len(a.links))
	for name, l := range a.links {
		out[name] = l
	}
	return out
}

// Link returns the link of a route, or nil.
func (a *Adapter) Link(name string) *Link { return a.links[name] }

// receipt records a delivery receipt.
func (a *Adapter) receipt(ctx context.Context, route, messageID, state string) error {
	return a.cfg.Replies.RecordReceipt(ctx, route, messageID, state, a.cfg.Clock())
}

// mo answers a customer's message. An error means it was not taken and the SMSC should deliver
// it again (the database did not answer); everything else, the customer's mistakes included, is
// taken and answered.
func (a *Adapter) mo(ctx context.Context, m MO) error {
	from, err := core.NormalizePhone(m.From)
	if err != nil {
		a.log.Warn().Str("from", core.MaskPhone(m.From)).Msg("message from an invalid number dropped")
		return nil
	}
	m.From = from
	op, err := a.cfg.Mobile.Operator(ctx, core.ChannelSMS, m.To)
	if core.ErrorCode(err) == core.CodeUnauthorized {
		a.log.Warn().Str("to", m.To).Msg("message to a short code that no operator has dropped")
		return nil
	}
	if err != nil {
		return err
	}
	sub, err := a.cfg.Mobile.Subscriber(ctx, m.From)
	if err != nil {
		return err
	}
	cmd := a.cfg.Catalog.Parse(m.Text, op.Utility.Currency)
	l := a.cfg.Catalog.Negotiate(sub.Language, cmd)
	route := op.Code.Route
	if route == "" {
		route = m.Route
	}
	out := replyTo{a: a, route: route, sender: m.To, recipient: m.From}
	a.log.Info().Str("smsc", m.Route).Str("from", core.MaskPhone(m.From)).Str("command", cmd.Kind.String()).Msg("message")

	switch cmd.Kind {
	case lang.Buy:
		meter := cmd.Meter
		if meter == "" {
			if meter = sub.DefaultMeter; meter == "" {
				return out.send(ctx, l.NoDefaultMeter(), 0)
			}
		}
		return a.buy(ctx, m, op.Code, sub, meter, cmd.Amount, l, out)
	case lang.Last:
		meter := cmd.Meter
		if meter == "" {
			if meter = sub.DefaultMeter; meter == "" {
				return out.send(ctx, l.NoDefaultMeter(), 0)
			}
		}
		v, err := a.cfg.Mobile.Last(ctx, m.From, meter)
		if err != nil {
			return err
		}
		if v == nil {
			return out.send(ctx, l.NoVend(meter), 0)
		}
		return out.send(ctx, l.Last(v), v.ID)
	case lang.SetLanguage:
		if cmd.Language == "" {
			return out.send(ctx, l.LanguageList(), 0)
		}
		if err := a.cfg.Mobile.SetLanguage(ctx, m.From, cmd.Language); err != nil {
			return err
		}
		return out.send(ctx, a.cfg.Catalog.Language(cmd.Language).LanguageSet(), 0)
	}
	return out.send(ctx, l.Problem(cmd), 0)
}

// buy vends once per message. A message the SMSC delivers again (or the customer sends again
// within the repeat window) gets the same tokens again, not a second vend.
func (a *Adapter) buy(ctx context.Context, m MO, sc core.ServiceCode, sub core.Subscriber, meter string, amount core.Money, l *lang.Language, out replyTo) error {
	key, prior, err := a.idempotencyKey(ctx, m)
	if err != nil {
		return err
	}
	if prior != nil {
		return out.send(ctx, l.VendReply(prior), prior.ID)
	}
	v, err := a.cfg.Vendor.Vend(ctx, core.VendRequest{
		Channel: core.ChannelSMS, IdempotencyKey: key, AgentID: sc.AgentID, MeterNumber: meter, Amount: amount, Payer: m.From,
		Reply: &core.ReplyTo{Route: out.route, Sender: out.sender, Recipient: out.recipient, Render: l.VendReply},
	})
	if err == nil {
		if err := a.cfg.Mobile.Bought(ctx, sub, v); err != nil {
			a.log.Warn().Err(err).Msg("the default meter was not remembered")
		}
		return nil
	}
	if code := core.ErrorCode(err); code == core.CodeUnavailable || code == core.CodeInternal {
		return err
	}
	return out.send(ctx, l.Error(err), 0)
}

// idempotencyKey is a message's key: the SMSC bind, the sender and a digest of the message (its
// short code, the SMSC's reference when it gives one, and its text), within a repeat window. A
// deliver_sm carries no message id of its own, so the same message delivered again can only be
// told by its content; the window keeps a purchase repeated on another day a new purchase. A
// vend made under the previous window's key is the message's vend still: prior is that vend, or
// the current window's.
func (a *Adapter) idempotencyKey(ctx context.Context, m MO) (key string, prior *core.Vend, err error) {
	h := sha256.Sum256([]byte(m.To + "\x00" + m.Ref + "\x00" + strings.Join(strings.Fields(strings.ToUpper(m.Text)), " ")))
	base := fmt.Sprintf("%s:%s:%x:", m.Route, m.From, h[:10])
	w := m.At.UnixNano() / int64(a.cfg.RepeatWindow)
	v, err := a.cfg.Vends.VendByKeys(ctx, core.ChannelSMS, fmt.Sprint(base, w-1), fmt.Sprint(base, w))
	switch {
	case err == nil:
		return "", v, nil
	case !errors.Is(err, core.ErrNotFound):
		return "", nil, err
	}
	return fmt.Sprint(base, w), nil, nil
}

// replyTo sends replies that answer no new vend to one customer.
type replyTo struct {
	a                        *Adapter
	route, sender, recipient string
}

func (r replyTo) send(ctx context.Context, body string, vendID int64) error {
	return r.a.cfg.Replies.Reply(ctx, r.route, r.sender, r.recipient, body, vendID)
}
