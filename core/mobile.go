package core

import (
	"context"
	"errors"
	"sync"
	"time"
)

// MobileStore is what the rules of the mobile channels read and write.
type MobileStore interface {
	// ServiceCode returns a channel's service code, active or not, or ErrNotFound.
	ServiceCode(ctx context.Context, channel, code string) (ServiceCode, error)
	// SMSShortCode returns an operator agent's active SMS short code, or ErrNotFound.
	SMSShortCode(ctx context.Context, agentID int64) (string, error)
	AgentReader
	UtilityReader
	// Subscriber returns a phone's preferences, or ErrNotFound for a phone nobody knows.
	Subscriber(ctx context.Context, phone string) (Subscriber, error)
	SetSubscriberLanguage(ctx context.Context, phone, lang string) error
	SetDefaultMeter(ctx context.Context, phone, meter string) error
	FindVends(ctx context.Context, q VendQuery) ([]*Vend, error)
}

// Mobile holds the rules a customer meets on SMS and USSD alike: which operator a service code
// belongs to, a phone's language and default meter, and LAST. Its fields are set once.
type Mobile struct {
	Store MobileStore
	Clock func() time.Time // time.Now when nil
	// CacheFor is how long an operator's service code is kept in memory (a minute when zero):
	// every message asks for it.
	CacheFor time.Duration

	mu        sync.Mutex
	operators map[[2]string]cachedOperator
}

// Operator is a service code a customer reached with what answering needs: the operator's
// utility (its currency and time zone) and the SMS short code the operator's replies come from.
type Operator struct {
	Code    ServiceCode
	Utility Utility
	// ReplyFrom is the operator's SMS short code, or the service code itself when it has none.
	ReplyFrom string
}

type cachedOperator struct {
	op    Operator
	until time.Time
}

// Operator finds the active service code a customer reached on a channel: an unauthorized
// error (reason unknown_service_code) when none is configured or it is inactive.
func (m *Mobile) Operator(ctx context.Context, channel, code string) (Operator, error) {
	code = NormalizeServiceCode(code)
	now := m.now()
	key := [2]string{channel, code}
	m.mu.Lock()
	c, ok := m.operators[key]
	m.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.op, nil
	}
	sc, err := m.Store.ServiceCode(ctx, channel, code)
	if errors.Is(err, ErrNotFound) || err == nil && !sc.Active {
		return Operator{}, Errorf(CodeUnauthorized, ReasonUnknownServiceCode, "%s service code %s is not configured or not active", channel, code)
	}
	if err != nil {
		return Operator{}, Unavailable(err, "reading the service code")
	}
	agent, err := m.Store.Agent(ctx, sc.AgentID)
	if err != nil {
		return Operator{}, StoreError(err)
	}
	u, err := m.Store.Utility(ctx, agent.UtilityID)
	if err != nil {
		return Operator{}, StoreError(err)
	}
	op := Operator{Code: sc, Utility: u, ReplyFrom: code}
	if sc.Channel != ChannelSMS {
		switch short, err := m.Store.SMSShortCode(ctx, sc.AgentID); {
		case err == nil:
			op.ReplyFrom = short
		case !errors.Is(err, ErrNotFound):
			return Operator{}, Unavailable(err, "reading the operator's short code")
		}
	}
	ttl := m.CacheFor
	if ttl <= 0 {
		ttl = time.Minute
	}
	m.mu.Lock()
	if m.operators == nil {
		m.operators = map[[2]string]cachedOperator{}
	}
	m.operators[key] = cachedOperator{op: op, until: now.Add(ttl)}
	m.mu.Unlock()
	return op, nil
}

// Subscriber returns a phone's preferences; a phone nobody knows has none yet.
func (m *Mobile) Subscriber(ctx context.Context, phone string) (Subscriber, error) {
	s, err := m.Store.Subscriber(ctx, phone)
	if errors.Is(err, ErrNotFound) {
		return Subscriber{Phone: phone}, nil
	}
	if err != nil {
		return Subscriber{}, Unavailable(err, "reading the subscriber")
	}
	return s, nil
}

// Bought remembers a purchase's meter as the phone's default meter, when it is another.
func (m *Mobile) Bought(ctx context.Context, sub Subscriber, v *Vend) error {
	if sub.DefaultMeter == v.MeterNumber {
		return nil
	}
	if err := m.Store.SetDefaultMeter(ctx, sub.Phone, v.MeterNumber); err != nil {
		return Unavailable(err, "storing the default meter")
	}
	return nil
}

// SetLanguage stores the language a phone's replies are in.
func (m *Mobile) SetLanguage(ctx context.Context, phone, lang string) error {
	if err := m.Store.SetSubscriberLanguage(ctx, phone, lang); err != nil {
		return Unavailable(err, "storing the language")
	}
	return nil
}

// Last returns the newest purchase for a meter paid from the phone, or nil when it has none:
// another phone's purchase for the same meter (its token, amount and reference) is never shown.
func (m *Mobile) Last(ctx context.Context, phone, meter string) (*Vend, error) {
	vends, err := m.Store.FindVends(ctx, VendQuery{MeterNumber: meter, Payer: phone, Limit: 1})
	if err != nil {
		return nil, StoreError(err)
	}
	if len(vends) == 0 {
		return nil, nil
	}
	return vends[0], nil
}

func (m *Mobile) now() time.Time {
	if m.Clock == nil {
		return time.Now()
	}
	return m.Clock()
}
