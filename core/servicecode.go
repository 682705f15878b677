package core

import "strings"

// ServiceCode is a number customers reach Vendgate on through a telecom operator: an SMS short
// code ("40404") or a USSD service code ("*404#"). Each belongs to an operator's settlement
// account (an agent of kind telco), which the purchases made through it are sold from.
type ServiceCode struct {
	// Code is the short code or service code exactly as the operator's platform sends it, spaces
	// trimmed (NormalizeServiceCode).
	Code    string
	Channel string // ChannelUSSD or ChannelSMS
	AgentID int64  // the operator's agent, of kind telco
	// Route is the outward link replies go out on (an SMSC bind's name); "" for the default one.
	Route  string
	Active bool
}

// NormalizeServiceCode returns a service code as it is stored and matched: with the spaces
// around and inside it removed. Nothing else changes: USSD aggregators send the code the customer
// dialled in its base form ("*404#"), and "*404#", "404" and "*404*1#" are different codes. A
// platform that sends another form is configured with the code in that form.
func NormalizeServiceCode(code string) string {
	return strings.Join(strings.Fields(code), "")
}

// CheckServiceCode checks a service code's code and channel: a USSD code is 2 to 32 digits, "*"
// and "#" ("*404#"); an SMS short code or long number is 2 to 15 digits.
func CheckServiceCode(sc ServiceCode) error {
	code := NormalizeServiceCode(sc.Code)
	switch sc.Channel {
	case ChannelUSSD:
		if len(code) < 2 || len(code) > 32 || strings.Trim(code, "0123456789*#") != "" || strings.Trim(code, "*#") == "" {
			return Errorf(CodeInvalid, ReasonInvalidServiceCode, "USSD service code %q: 2 to 32 digits, * and #, e.g. *404#", code)
		}
	case ChannelSMS:
		if len(code) < 2 || len(code) > 15 || strings.Trim(code, "0123456789") != "" {
			return Errorf(CodeInvalid, ReasonInvalidServiceCode, "SMS short code %q: 2 to 15 digits", code)
		}
	default:
		return Errorf(CodeInvalid, ReasonInvalidServiceCode, "service code %q: channel %q is neither %s nor %s", code, sc.Channel, ChannelUSSD, ChannelSMS)
	}
	return nil
}
