package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/adapters/smpp"
	"github.com/vendgate/vendgate/adapters/smpp/smstext"
	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/store"
)

// relay delivers the outbox's replies: queue.Pool from the database, or queue.Asynq on Redis.
type relay interface {
	core.ReplyNotifier
	Start() error
	Shutdown(ctx context.Context) error
}

// poolRelay is queue.Pool as a relay.
type poolRelay struct{ *queue.Pool }

func (p poolRelay) Start() error { p.Pool.Start(); return nil }

// lateNotifier passes notifications to the relay, which is built after the adapters that notify
// it (it needs their links as deliverers); until then, and without a relay, replies wait in the
// outbox.
type lateNotifier struct{ r relay }

func (n *lateNotifier) Notify(ctx context.Context, id int64) {
	if n.r != nil {
		n.r.Notify(ctx, id)
	}
}

// smsDirectory is what the SMS channel looks up: service codes in the store, agents through the
// cache.
type smsDirectory struct {
	*store.DB
	agents *store.AgentCache
}

func (d smsDirectory) Agent(ctx context.Context, id int64) (core.Agent, error) {
	return d.agents.Agent(ctx, id)
}

// openSMS builds the SMS channel on the configured binds and the relay that delivers replies
// through them; Run starts both. Without binds there is neither: the server runs, and replies
// wait in the outbox.
func openSMS(cfg config.Config, db *store.DB, vendor *core.Vendor, agents *store.AgentCache, catalog *lang.Catalog,
	notifier *lateNotifier, log zerolog.Logger) (*smpp.Adapter, relay, error) {
	binds := cfg.Binds()
	if len(binds) == 0 {
		log.Info().Msg("no SMSC configured: SMS is off, and replies wait in the outbox")
		return nil, nil, nil
	}
	var sb []smpp.Bind
	for _, b := range binds {
		alphabet, err := smstext.ParseDefaultAlphabet(b.Alphabet)
		if err != nil {
			return nil, nil, err
		}
		bind := smpp.Bind{Name: b.Name, Addr: b.Addr, SystemID: b.SystemID, Password: b.Password, SystemType: b.SystemType,
			Window: b.Window, Throughput: b.Throughput, Alphabet: alphabet, EnquireLink: cfg.SMPPEnquireLink}
		if b.TLS {
			bind.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
			if b.TLSCA != "" {
				pem, err := os.ReadFile(b.TLSCA)
				if err != nil {
					return nil, nil, fmt.Errorf("bind %s: %w", b.Name, err)
				}
				bind.TLS.RootCAs = x509.NewCertPool()
				if !bind.TLS.RootCAs.AppendCertsFromPEM(pem) {
					return nil, nil, fmt.Errorf("bind %s: %s holds no PEM certificate", b.Name, b.TLSCA)
				}
			}
		}
		sb = append(sb, bind)
	}
	sms, err := smpp.New(smpp.Config{Binds: sb, Vendor: vendor, Directory: smsDirectory{DB: db, agents: agents},
		Subscribers: db, Vends: db, Replies: outboxReplies{DB: db, notifier: notifier}, Catalog: catalog, Logger: log, Clock: vendor.Clock})
	if err != nil {
		return nil, nil, err
	}
	qc := queue.Config{Store: db, Routes: sms.Deliverers(), Workers: cfg.ReplyWorkers, Clock: vendor.Clock,
		Retry:   core.RetryPolicy{Initial: cfg.ReplyRetry, Max: cfg.ReplyRetryMax, MaxAttempts: cfg.ReplyAttempts},
		Breaker: queue.BreakerSettings{OpenFor: cfg.ReplyBreakerOpen},
		Lease:   cfg.ReplyLease, DeliveryTimeout: min(30*time.Second, cfg.ReplyLease-queue.OutcomeTimeout-time.Second),
		Logger: log.With().Str("component", "replies").Logger()}
	var r relay
	if cfg.RedisAddr != "" {
		a, err := queue.NewAsynq(queue.AsynqConfig{Config: qc, Redis: asynq.RedisClientOpt{Addr: cfg.RedisAddr},
			SweepInterval: cfg.ReplySweep, Grace: 2 * cfg.ReplySweep})
		if err != nil {
			return nil, nil, err
		}
		r = a
	} else {
		p, err := queue.NewPool(qc)
		if err != nil {
			return nil, nil, err
		}
		r = poolRelay{p}
	}
	notifier.r = r
	return sms, r, nil
}

// outboxReplies is the SMS and USSD channels' way to the outbox for replies that answer no new
// vend (help, LAST, refusals): written, then announced to the relay.
type outboxReplies struct {
	*store.DB
	notifier core.ReplyNotifier
}

func (o outboxReplies) Reply(ctx context.Context, route, sender, recipient, body string, vendID int64) error {
	r := &core.Reply{VendID: vendID, Channel: core.ReplyChannelSMS, Route: route, Sender: sender, Recipient: recipient, Body: body}
	if err := o.AddReply(ctx, r); err != nil {
		return err
	}
	o.notifier.Notify(ctx, r.ID)
	return nil
}
