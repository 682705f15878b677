package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vendgate/vendgate/core"
)

// CreateServiceCode stores a telecom operator's short code or USSD service code
// (core.CheckServiceCode); its agent must be of kind telco, and a code the channel has already is
// core.ErrDuplicate.
func (s *Store) CreateServiceCode(_ context.Context, sc core.ServiceCode) error {
	if err := core.CheckServiceCode(sc); err != nil {
		return err
	}
	sc.Code = core.NormalizeServiceCode(sc.Code)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[sc.AgentID]
	switch {
	case !ok:
		return core.Errorf(core.CodeInvalid, core.ReasonUnknownAgent, "service code %s: agent %d does not exist", sc.Code, sc.AgentID)
	case a.Kind != core.AgentTelco:
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidServiceCode, "service code %s: agent %d is of kind %s, not telco", sc.Code, a.ID, a.Kind)
	}
	k := [2]string{sc.Channel, sc.Code}
	if _, ok := s.serviceCodes[k]; ok {
		return fmt.Errorf("%w: service code %s", core.ErrDuplicate, sc.Code)
	}
	s.serviceCodes[k] = sc
	return nil
}

// ServiceCode returns the service code of a channel, matched once spaces are removed, or
// core.ErrNotFound. Inactive codes are returned too.
func (s *Store) ServiceCode(ctx context.Context, channel, code string) (core.ServiceCode, error) {
	if err := s.failed(ctx, "ServiceCode"); err != nil {
		return core.ServiceCode{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.serviceCodes[[2]string{channel, core.NormalizeServiceCode(code)}]
	if !ok {
		return core.ServiceCode{}, core.ErrNotFound
	}
	return sc, nil
}

// ServiceCodes returns every service code, by channel and code.
func (s *Store) ServiceCodes(ctx context.Context) ([]core.ServiceCode, error) {
	if err := s.failed(ctx, "ServiceCodes"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]core.ServiceCode, 0, len(s.serviceCodes))
	for _, sc := range s.serviceCodes {
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b core.ServiceCode) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

// SMSShortCode returns an operator agent's active SMS short code (the lowest), or
// core.ErrNotFound.
func (s *Store) SMSShortCode(ctx context.Context, agentID int64) (string, error) {
	if err := s.failed(ctx, "SMSShortCode"); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	best := ""
	for _, sc := range s.serviceCodes {
		if sc.AgentID == agentID && sc.Channel == core.ChannelSMS && sc.Active && (best == "" || sc.Code < best) {
			best = sc.Code
		}
	}
	if best == "" {
		return "", core.ErrNotFound
	}
	return best, nil
}

var _ core.MobileStore = (*Store)(nil)

// Subscriber returns a phone's preferences; what the phone has not set comes from the customer
// with that number (the customer's language, and its meter when it has exactly one active
// meter). A phone with neither is core.ErrNotFound.
func (s *Store) Subscriber(ctx context.Context, phone string) (core.Subscriber, error) {
	if err := s.failed(ctx, "Subscriber"); err != nil {
		return core.Subscriber{}, err
	}
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return core.Subscriber{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, stored := s.subscribers[n]
	sub.Phone = n
	if stored && sub.Language != "" && sub.DefaultMeter != "" {
		return sub, nil
	}
	c, ok := s.customerByPhone(n)
	if !ok {
		if stored {
			return sub, nil
		}
		return core.Subscriber{}, core.ErrNotFound
	}
	if sub.Language == "" {
		sub.Language = c.Language
	}
	if sub.DefaultMeter == "" {
		var numbers []string
		for _, r := range s.meters {
			if r.meter.CustomerID == c.ID && r.meter.Status == core.MeterActive {
				numbers = append(numbers, r.meter.Number)
			}
		}
		if len(numbers) == 1 {
			sub.DefaultMeter = numbers[0]
		}
	}
	return sub, nil
}

// customerByPhone finds the first customer created with a phone number, stored with or without
// "+" or "00". s.mu is held.
func (s *Store) customerByPhone(n string) (core.Customer, bool) {
	var found *core.Customer
	for _, c := range s.customers {
		if c.Phone == n || c.Phone == "+"+n || c.Phone == "00"+n {
			if found == nil || c.ID < found.ID {
				found = &c
			}
		}
	}
	if found == nil {
		return core.Customer{}, false
	}
	return *found, true
}

// CustomerByPhone returns the customer with a phone number, or core.ErrNotFound.
func (s *Store) CustomerByPhone(_ context.Context, phone string) (core.Customer, error) {
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return core.Customer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customerByPhone(n)
	if !ok {
		return core.Customer{}, core.ErrNotFound
	}
	return c, nil
}

// SetSubscriberLanguage stores the language a phone's replies are in ("" for the default).
func (s *Store) SetSubscriberLanguage(ctx context.Context, phone, lang string) error {
	return s.setSubscriber(ctx, "SetSubscriberLanguage", phone, func(sub *core.Subscriber) { sub.Language = lang })
}

// SetDefaultMeter stores the meter a phone's purchases and LAST act on ("" clears it); the
// number must be a valid meter number.
func (s *Store) SetDefaultMeter(ctx context.Context, phone, meter string) error {
	if meter != "" {
		if err := core.CheckMeterNumber(meter); err != nil {
			return err
		}
	}
	return s.setSubscriber(ctx, "SetDefaultMeter", phone, func(sub *core.Subscriber) { sub.DefaultMeter = meter })
}

func (s *Store) setSubscriber(ctx context.Context, op, phone string, set func(*core.Subscriber)) error {
	if err := s.failed(ctx, op); err != nil {
		return err
	}
	n, err := core.NormalizePhone(phone)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subscribers[n]
	sub.Phone, sub.UpdatedAt = n, s.now()
	set(&sub)
	s.subscribers[n] = sub
	return nil
}

// USSDSession returns a USSD session by its ID (expired ones too), or core.ErrNotFound.
func (s *Store) USSDSession(ctx context.Context, id string) (core.USSDSession, error) {
	if err := s.failed(ctx, "USSDSession"); err != nil {
		return core.USSDSession{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return core.USSDSession{}, core.ErrNotFound
	}
	return ss, nil
}

// SaveUSSDSession stores a USSD session, replacing the one with its ID and keeping the created
// time of the first save.
func (s *Store) SaveUSSDSession(ctx context.Context, ss core.USSDSession) error {
	if err := s.failed(ctx, "SaveUSSDSession"); err != nil {
		return err
	}
	if ss.ID == "" {
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidSession, "a USSD session needs an ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.sessions[ss.ID]; ok {
		ss.CreatedAt = old.CreatedAt
	}
	s.sessions[ss.ID] = ss
	return nil
}

// DeleteUSSDSession deletes a USSD session; one that does not exist is not an error.
func (s *Store) DeleteUSSDSession(ctx context.Context, id string) error {
	if err := s.failed(ctx, "DeleteUSSDSession"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}

// DeleteExpiredUSSDSessions deletes the sessions that expired before a time and says how many.
func (s *Store) DeleteExpiredUSSDSessions(ctx context.Context, before time.Time) (int64, error) {
	if err := s.failed(ctx, "DeleteExpiredUSSDSessions"); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for id, ss := range s.sessions {
		if ss.ExpiresAt.Before(before) {
			delete(s.sessions, id)
			n++
		}
	}
	return n, nil
}
