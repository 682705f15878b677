// Package atm is a bank switch's side of Vendgate's ISO 8583 link, for tests, demos and the load
// command: a client on github.com/moov-io/iso8583-connection that signs on, looks meters up, buys,
// reverses and answers Vendgate's echoes, with many requests in flight on one connection
// (responses are matched by STAN). Load keeps N connections busy with pipelined purchases.
package atm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	moov "github.com/moov-io/iso8583"
	connection "github.com/moov-io/iso8583-connection"

	iso "github.com/vendgate/vendgate/adapters/iso8583"
)

// Config says where and as whom a Client connects.
type Config struct {
	Addr        string
	Institution string // field 32
	Terminal    string // field 41, 8 characters (default "ATM00001")
	Acceptor    string // field 42, 15 characters (default "VENDGATE-TEST  ")
	PAN         string // field 2 (default a test card)
	Framing     iso.Framing
	TLS         *tls.Config
	Timeout     time.Duration // per request (default 30 s)
}

// Client is one connection of a switch to Vendgate. Its methods are safe for concurrent use.
type Client struct {
	cfg  Config
	conn *connection.Connection
}

// stans and rrns are process-wide so that every client's messages differ.
var (
	stans atomic.Uint32
	rrns  atomic.Uint64
)

func init() {
	rrns.Store(uint64(time.Now().UnixNano()) % 1_000_000_000 * 1000)
}

// NextSTAN returns a fresh 6-digit STAN.
func NextSTAN() string {
	return fmt.Sprintf("%06d", stans.Add(1)%999_999+1)
}

// NextRRN returns a fresh 12-digit retrieval reference number.
func NextRRN() string {
	return fmt.Sprintf("%012d", rrns.Add(1)%1_000_000_000_000)
}

// Dial connects; it does not sign on.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Terminal == "" {
		cfg.Terminal = "ATM00001"
	}
	if cfg.Acceptor == "" {
		cfg.Acceptor = "VENDGATE-TEST  "
	}
	if cfg.PAN == "" {
		cfg.PAN = "4761739001010119"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	opts := []connection.Option{
		connection.SendTimeout(cfg.Timeout),
		connection.InboundMessageHandler(answerEcho),
		connection.IdleTime(time.Hour),
	}
	if cfg.TLS != nil {
		opts = append(opts, connection.SetTLSConfig(func(t *tls.Config) { *t = *cfg.TLS.Clone() }))
	}
	c, err := connection.New(cfg.Addr, iso.Spec, cfg.Framing.ReadLength, cfg.Framing.WriteLength, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.ConnectCtx(ctx); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, conn: c}, nil
}

// answerEcho answers Vendgate's 0800 echoes.
func answerEcho(c *connection.Connection, m *moov.Message) {
	if mti, _ := m.GetMTI(); mti != iso.MTINetworkRequest {
		return
	}
	resp := moov.NewMessage(iso.Spec)
	resp.MTI(iso.MTINetworkResponse)
	for _, id := range []int{7, 11, 70} {
		if s, _ := m.GetString(id); s != "" {
			_ = resp.Field(id, s)
		}
	}
	_ = resp.Field(39, iso.RCApproved)
	_ = c.Reply(resp)
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Done is closed when the connection is closed, by either side.
func (c *Client) Done() <-chan struct{} { return c.conn.Done() }

// Send sends a request and waits for the response with its STAN.
func (c *Client) Send(m *moov.Message) (Response, error) {
	resp, err := c.conn.Send(m)
	if err != nil {
		return Response{}, err
	}
	return ParseResponse(resp), nil
}

// Network sends an 0800 with network management code code (iso.NetSignOn ...).
func (c *Client) Network(code string) (Response, error) {
	m := moov.NewMessage(iso.Spec)
	m.MTI(iso.MTINetworkRequest)
	_ = m.Field(7, transmitted())
	_ = m.Field(11, NextSTAN())
	_ = m.Field(32, c.cfg.Institution)
	_ = m.Field(70, code)
	return c.Send(m)
}

// SignOn signs on as the configured institution and fails unless Vendgate answers 00.
func (c *Client) SignOn() error {
	r, err := c.Network(iso.NetSignOn)
	if err != nil {
		return err
	}
	if r.RC != iso.RCApproved {
		return fmt.Errorf("atm: sign-on answered %s", r.RC)
	}
	return nil
}

func transmitted() string { return time.Now().UTC().Format("0102150405") }

// Financial builds a financial request (0100, 0200) for meter and amount (minor units; 0 leaves
// field 4 out), with a fresh STAN, RRN and transmission time.
func (c *Client) Financial(mti, procCode, meter string, amount int64) *moov.Message {
	now := time.Now()
	m := moov.NewMessage(iso.Spec)
	m.MTI(mti)
	_ = m.Field(2, c.cfg.PAN)
	_ = m.Field(3, procCode)
	if amount > 0 {
		_ = m.Field(4, fmt.Sprintf("%012d", amount))
	}
	_ = m.Field(7, now.UTC().Format("0102150405"))
	_ = m.Field(11, NextSTAN())
	_ = m.Field(12, now.Format("150405"))
	_ = m.Field(13, now.Format("0102"))
	_ = m.Field(32, c.cfg.Institution)
	_ = m.Field(37, NextRRN())
	_ = m.Field(41, c.cfg.Terminal)
	_ = m.Field(42, c.cfg.Acceptor)
	_ = m.MarshalPath("48.01", meter)
	_ = m.Field(49, "710")
	return m
}

// Purchase builds an 0200 purchase.
func (c *Client) Purchase(meter string, amount int64) *moov.Message {
	return c.Financial(iso.MTIFinancialRequest, "000000", meter, amount)
}

// Lookup builds an 0100 meter lookup.
func (c *Client) Lookup(meter string) *moov.Message {
	return c.Financial(iso.MTIAuthRequest, "310000", meter, 0)
}

// Reversal builds the 0420 (or 0421 when repeat) that reverses purchase: the purchase's fields,
// its STAN, transmission time and acquirer in field 90, a fresh STAN and transmission time.
func Reversal(purchase *moov.Message, repeat bool) *moov.Message {
	m := moov.NewMessage(iso.Spec)
	if repeat {
		m.MTI(iso.MTIReversalRepeat)
	} else {
		m.MTI(iso.MTIReversalAdvice)
	}
	get := func(id int) string { s, _ := purchase.GetString(id); return s }
	for _, id := range []int{2, 3, 4, 12, 13, 32, 37, 41, 42, 49} {
		if s := get(id); s != "" {
			_ = m.Field(id, s)
		}
	}
	var meter string
	_ = purchase.UnmarshalPath("48.01", &meter)
	_ = m.MarshalPath("48.01", meter)
	_ = m.Field(7, transmitted())
	_ = m.Field(11, NextSTAN())
	acq := get(32)
	_ = m.Field(90, iso.MTIFinancialRequest+get(11)+get(7)+strings.Repeat("0", 11-len(acq))+acq+strings.Repeat("0", 11))
	return m
}

// Response is a response as a test reads it.
type Response struct {
	MTI      string
	RC       string // field 39
	STAN     string
	AuthCode string   // field 38
	Customer string   // field 48.02
	Tokens   []string // field 63's tokens, 20 digits each
	Receipt  []string // field 63's receipt lines, trailing spaces removed
	Display  []string // field 62's lines, trailing spaces removed
	Message  *moov.Message
}

// ParseResponse reads a response.
func ParseResponse(m *moov.Message) Response {
	get := func(id int) string { s, _ := m.GetString(id); return s }
	r := Response{Message: m, RC: get(39), STAN: get(11), AuthCode: get(38)}
	r.MTI, _ = m.GetMTI()
	if m.GetField(48) != nil {
		_ = m.UnmarshalPath("48.02", &r.Customer)
	}
	r.Display = lines(get(62))
	if f63 := get(63); len(f63) >= 2 {
		n, _ := strconv.Atoi(f63[:2])
		rest := f63[2:]
		for i := 0; i < n && len(rest) >= iso.TokenDigits; i++ {
			r.Tokens = append(r.Tokens, rest[:iso.TokenDigits])
			rest = rest[iso.TokenDigits:]
		}
		r.Receipt = lines(rest)
	}
	return r
}

func lines(s string) []string {
	var out []string
	for len(s) > 0 {
		n := min(len(s), iso.ReceiptColumns)
		out = append(out, strings.TrimRight(s[:n], " "))
		s = s[n:]
	}
	return out
}

// ErrDeclined is wrapped by Buy when Vendgate answers with a code other than 00.
var ErrDeclined = errors.New("atm: declined")

// Buy sends a purchase and returns its response; a response code other than 00 is ErrDeclined.
func (c *Client) Buy(meter string, amount int64) (Response, error) {
	r, err := c.Send(c.Purchase(meter, amount))
	if err == nil && r.RC != iso.RCApproved {
		err = fmt.Errorf("%w: response code %s", ErrDeclined, r.RC)
	}
	return r, err
}
