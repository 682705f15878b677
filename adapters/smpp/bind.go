package smpp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/vendgate/vendgate/smstext"
)

// Bind is one bind to an SMSC as an ESME transceiver.
type Bind struct {
	// Name names the bind: replies to the messages it receives go out on the route of that name.
	Name       string
	Addr       string // host:port
	SystemID   string
	Password   string // a secret: never logged
	SystemType string
	// ShortCodes are the addresses customers text on this bind; a reply leaves from the short
	// code the customer wrote to.
	ShortCodes []string
	// Window bounds the submit_sm awaiting their response (default 10); Throughput the submit_sm
	// per second (default 50), for the SMSC as a whole when the bind's Throttle is shared.
	Window     int
	Throughput int
	// EnquireLink is the keep-alive interval (default 15 s); a bind that hears nothing for three
	// intervals is taken as dead and bound again.
	EnquireLink time.Duration
	// RebindMin and RebindMax bound the wait between bind attempts, doubling from the first to
	// the second (defaults 1 s and 60 s).
	RebindMin, RebindMax time.Duration
	// SubmitTimeout is how long a submit_sm waits for its response (default 10 s).
	SubmitTimeout time.Duration
	// TLS, when set, binds over TLS.
	TLS *tls.Config
	// Alphabet is what data_coding 0 means on this SMSC (GSM 7-bit unpacked by default).
	Alphabet smstext.DefaultAlphabet
}

func (b Bind) withDefaults() Bind {
	if b.Window <= 0 {
		b.Window = 10
	}
	if b.Throughput <= 0 {
		b.Throughput = 50
	}
	if b.EnquireLink <= 0 {
		b.EnquireLink = 15 * time.Second
	}
	if b.RebindMin <= 0 {
		b.RebindMin = time.Second
	}
	if b.RebindMax < b.RebindMin {
		b.RebindMax = max(b.RebindMin, time.Minute)
	}
	if b.SubmitTimeout <= 0 {
		b.SubmitTimeout = 10 * time.Second
	}
	return b
}

// Check reports what is missing from a bind's settings.
func (b Bind) Check() error {
	switch {
	case b.Name == "":
		return errors.New("smpp: a bind needs a name")
	case b.Addr == "":
		return fmt.Errorf("smpp: bind %s has no address", b.Name)
	case b.SystemID == "":
		return fmt.Errorf("smpp: bind %s has no system_id", b.Name)
	}
	if _, _, err := net.SplitHostPort(b.Addr); err != nil {
		return fmt.Errorf("smpp: bind %s: address %q: %v", b.Name, b.Addr, err)
	}
	return nil
}
