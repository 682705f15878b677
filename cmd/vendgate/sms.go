package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/vendgate/vendgate/adapters/lang"
	"github.com/vendgate/vendgate/adapters/queue"
	"github.com/vendgate/vendgate/adapters/smpp"
	"github.com/vendgate/vendgate/config"
	"github.com/vendgate/vendgate/core"
	"github.com/vendgate/vendgate/smstext"
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

// throttledRelay is a relay whose links are paced through Redis: the throttles' client closes
// after the relay, whose deliveries are the only ones that wait on them.
type throttledRelay struct {
	relay
	rdb *redis.Client
}

func (t throttledRelay) Shutdown(ctx context.Context) error {
	err := t.relay.Shutdown(ctx)
	closeRedis(t.rdb)
	return err
}

func closeRedis(rdb *redis.Client) {
	if rdb != nil {
		_ = rdb.Close()
	}
}

// lateNotifier passes notifications to the relay, which is built after the adapters that notify
// it (it needs their links as deliverers); until then, and without a relay, replies wait in the
// outbox.
type lateNotifier struct{ r relay }

func (n *lateNotifier) Notify(ctx context.Context, id int64) {
	if n.r != nil {
		n.r.Notify(ctx, id)
	}
}

// mobileStore is what the mobile channels' rules (core.Mobile) read: the store, with agents
// through the cache.
type mobileStore struct {
	*store.DB
	agents *store.AgentCache
}

func (d mobileStore) Agent(ctx context.Context, id int64) (core.Agent, error) {
	return d.agents.Agent(ctx, id)
}

// openSMS builds the SMS channel on the configured binds and the relay that delivers replies
// through them; Run starts both. Without binds there is neither: the server runs, and replies
// wait in the outbox.
func openSMS(cfg config.Config, db *store.DB, vendor *core.Vendor, mobile *core.Mobile, catalog *lang.Catalog,
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
	// With Redis, every node bound to an SMSC shares the bind's throughput through it.
	var throttles smpp.Throttles
	var rdb *redis.Client
	if cfg.RedisAddr != "" {
		rdb = redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
		throttles = smpp.SharedThrottles(rdb)
		log.Info().Msg("SMSC throughput shared through Redis by every node")
	}
	sms, err := smpp.New(smpp.Config{Binds: sb, Vendor: vendor, Mobile: mobile, Vends: db, Replies: smsReplies{Outbox: core.Outbox{Store: db, Notifier: notifier}, ReceiptRecorder: db}, Catalog: catalog, Logger: log, Clock: vendor.Clock,
		Throttles: throttles})
	if err != nil {
		closeRedis(rdb)
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
			closeRedis(rdb)
			return nil, nil, err
		}
		r = throttledRelay{relay: a, rdb: rdb}
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

// smsReplies is the SMS channel's outbox: replies written and announced by core's Outbox,
// receipts recorded in the store.
type smsReplies struct {
	core.Outbox
	core.ReceiptRecorder
}
