package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// newTelco stores an active agent of kind telco.
func (f *fixture) newTelco(t *testing.T) core.Agent {
	t.Helper()
	a := core.Agent{UtilityID: f.utility.ID, Name: "Telco " + time.Now().Format(time.RFC3339Nano), Kind: core.AgentTelco, Active: true}
	must(t, f.db.CreateAgent(context.Background(), &a))
	return a
}

func TestServiceCodes(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db)
		telco := f.newTelco(t)
		ussd := core.ServiceCode{Code: " *404# ", Channel: core.ChannelUSSD, AgentID: telco.ID, Route: "mtn", Active: true}
		sms := core.ServiceCode{Code: "40404", Channel: core.ChannelSMS, AgentID: telco.ID, Route: "mtn", Active: true}
		must(t, db.CreateServiceCode(ctx, ussd))
		must(t, db.CreateServiceCode(ctx, sms))

		t.Run("OK", func(t *testing.T) {
			got, err := db.ServiceCode(ctx, core.ChannelUSSD, "*404#")
			must(t, err)
			want := core.ServiceCode{Code: "*404#", Channel: core.ChannelUSSD, AgentID: telco.ID, Route: "mtn", Active: true}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			list, err := db.ServiceCodes(ctx)
			must(t, err)
			if len(list) != 2 || list[0].Channel != core.ChannelSMS || list[1].Code != "*404#" {
				t.Errorf("ServiceCodes: got %+v, want the SMS code then the USSD code", list)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			for _, c := range []struct{ channel, code string }{
				{core.ChannelUSSD, "*404*1#"}, {core.ChannelUSSD, "404"}, {core.ChannelSMS, "*404#"}, {core.ChannelUSSD, "40404"},
			} {
				if _, err := db.ServiceCode(ctx, c.channel, c.code); !errors.Is(err, core.ErrNotFound) {
					t.Errorf("ServiceCode(%s, %q): got %v, want core.ErrNotFound", c.channel, c.code, err)
				}
			}
		})
		t.Run("ErrDuplicate", func(t *testing.T) {
			if err := db.CreateServiceCode(ctx, ussd); !errors.Is(err, core.ErrDuplicate) {
				t.Errorf("got %v, want core.ErrDuplicate", err)
			}
		})
		t.Run("ErrNotTelco", func(t *testing.T) {
			err := db.CreateServiceCode(ctx, core.ServiceCode{Code: "*405#", Channel: core.ChannelUSSD, AgentID: f.agent.ID, Active: true})
			wantCode(t, err, core.CodeInvalid, "invalid_service_code")
		})
		t.Run("ErrUnknownAgent", func(t *testing.T) {
			err := db.CreateServiceCode(ctx, core.ServiceCode{Code: "*405#", Channel: core.ChannelUSSD, AgentID: 9999, Active: true})
			wantCode(t, err, core.CodeInvalid, "unknown_agent")
		})
		t.Run("ErrInvalidCode", func(t *testing.T) {
			for _, sc := range []core.ServiceCode{
				{Code: "*4a4#", Channel: core.ChannelUSSD}, {Code: "*#", Channel: core.ChannelUSSD},
				{Code: "*404#", Channel: core.ChannelSMS}, {Code: "40404", Channel: "email"},
			} {
				sc.AgentID = telco.ID
				wantCode(t, db.CreateServiceCode(ctx, sc), core.CodeInvalid, "invalid_service_code")
			}
		})
	})
}

func TestSubscribers(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		f := seed(t, db) // customer Thandi, phone +27821234567, language zu
		m := f.newMeter(t, 0)

		t.Run("FromCustomer", func(t *testing.T) {
			for _, phone := range []string{"27821234567", "+27 82 123 4567", "0027821234567"} {
				s, err := db.Subscriber(ctx, phone)
				must(t, err)
				if s.Phone != "27821234567" || s.Language != "zu" || s.DefaultMeter != m.Number {
					t.Errorf("Subscriber(%q) = %+v, want phone 27821234567, language zu, meter %s", phone, s, m.Number)
				}
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := db.Subscriber(ctx, "255700000001"); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("got %v, want core.ErrNotFound", err)
			}
		})
		t.Run("ErrInvalidPhone", func(t *testing.T) {
			_, err := db.Subscriber(ctx, "27-abc")
			wantCode(t, err, core.CodeInvalid, "invalid_phone")
		})
		t.Run("SetLanguage", func(t *testing.T) {
			must(t, db.SetSubscriberLanguage(ctx, "+27821234567", "fr"))
			s, err := db.Subscriber(ctx, "27821234567")
			must(t, err)
			if s.Language != "fr" || s.DefaultMeter != m.Number {
				t.Errorf("got %+v, want language fr and the customer's meter %s", s, m.Number)
			}
			must(t, db.SetSubscriberLanguage(ctx, "27821234567", "sw"))
			if s, _ := db.Subscriber(ctx, "27821234567"); s.Language != "sw" {
				t.Errorf("after a second SetSubscriberLanguage: language %q, want sw", s.Language)
			}
		})
		t.Run("SetDefaultMeter", func(t *testing.T) {
			other := f.newMeter(t, 0)
			must(t, db.SetDefaultMeter(ctx, "255700000002", other.Number))
			s, err := db.Subscriber(ctx, "+255700000002")
			must(t, err)
			if s.DefaultMeter != other.Number || s.Language != "" || s.UpdatedAt.IsZero() {
				t.Errorf("got %+v, want meter %s, no language, an update time", s, other.Number)
			}
			must(t, db.SetSubscriberLanguage(ctx, "255700000002", "fr"))
			if s, _ := db.Subscriber(ctx, "255700000002"); s.DefaultMeter != other.Number || s.Language != "fr" {
				t.Errorf("setting the language lost the meter: %+v", s)
			}
			wantCode(t, db.SetDefaultMeter(ctx, "255700000002", "12345"), core.CodeInvalid, "invalid_meter_number")
		})
		t.Run("TwoMetersNoDefault", func(t *testing.T) {
			// The customer now has three active meters: none is the default.
			c := core.Customer{Name: "Two Meters", Phone: "+254711000001", Language: "sw"}
			must(t, db.CreateCustomer(ctx, &c))
			saved := f.customer
			f.customer = c
			f.newMeter(t, 0)
			f.newMeter(t, 0)
			f.customer = saved
			s, err := db.Subscriber(ctx, "254711000001")
			must(t, err)
			if s.DefaultMeter != "" || s.Language != "sw" {
				t.Errorf("got %+v, want no default meter and language sw", s)
			}
		})
	})
}

func TestUSSDSessions(t *testing.T) {
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		t0 := time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC)
		s := core.USSDSession{
			ID: "*404#:ATUid_1", Phone: "27821234567", ServiceCode: "*404#", Language: "en",
			State: `{"step":"meter"}`, Text: "1", Screen: "CON Enter your meter number",
			CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(3 * time.Minute),
		}
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := db.USSDSession(ctx, s.ID); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("got %v, want core.ErrNotFound", err)
			}
		})
		t.Run("SaveAndGet", func(t *testing.T) {
			must(t, db.SaveUSSDSession(ctx, s))
			got, err := db.USSDSession(ctx, s.ID)
			must(t, err)
			if got != s {
				t.Errorf("got %+v, want %+v", got, s)
			}
		})
		t.Run("SaveReplaces", func(t *testing.T) {
			next := s
			next.State, next.Text, next.Screen, next.VendID = `{"step":"done"}`, "1*01234567897*1*50*1", "END Token: ...", 42
			next.UpdatedAt, next.ExpiresAt = t0.Add(time.Minute), t0.Add(4*time.Minute)
			next.CreatedAt = t0.Add(time.Hour) // ignored: the first save's is kept
			must(t, db.SaveUSSDSession(ctx, next))
			got, err := db.USSDSession(ctx, s.ID)
			must(t, err)
			next.CreatedAt = t0
			if got != next {
				t.Errorf("got %+v, want %+v", got, next)
			}
		})
		t.Run("Sweep", func(t *testing.T) {
			other := s
			other.ID, other.ExpiresAt = "*404#:ATUid_2", t0.Add(10*time.Minute)
			must(t, db.SaveUSSDSession(ctx, other))
			n, err := db.DeleteExpiredUSSDSessions(ctx, t0.Add(5*time.Minute))
			must(t, err)
			if n != 1 {
				t.Errorf("deleted %d sessions, want 1", n)
			}
			if _, err := db.USSDSession(ctx, s.ID); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("the expired session: got %v, want core.ErrNotFound", err)
			}
			if _, err := db.USSDSession(ctx, other.ID); err != nil {
				t.Errorf("the live session: %v", err)
			}
			must(t, db.DeleteUSSDSession(ctx, other.ID))
			must(t, db.DeleteUSSDSession(ctx, other.ID))
			if _, err := db.USSDSession(ctx, other.ID); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("after DeleteUSSDSession: got %v, want core.ErrNotFound", err)
			}
		})
	})
}
