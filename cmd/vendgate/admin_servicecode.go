package main

import (
	"context"
	"errors"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// serviceCodeJSON is a service code as admin prints it.
type serviceCodeJSON struct {
	Channel string `json:"channel"`
	Code    string `json:"code"`
	AgentID int64  `json:"agent_id"`
	Route   string `json:"route"`
	Active  bool   `json:"active"`
}

func toServiceCodeJSON(sc core.ServiceCode) serviceCodeJSON {
	return serviceCodeJSON{Channel: sc.Channel, Code: sc.Code, AgentID: sc.AgentID, Route: sc.Route, Active: sc.Active}
}

// adminServiceCodeCreate gives a telecom operator a number customers reach Vendgate on: an SMS
// short code or a USSD service code, sold from the operator's agent (of kind telco), its replies
// going out on --route (an SMSC bind's name; "" for the default).
var adminServiceCodeCreate = adminCommand{"give a telecom operator an SMS short code or a USSD service code", func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	channel := fs.String("channel", "", "sms or ussd (required)")
	code := fs.String("code", "", "SMS short code or USSD service code, e.g. *404# (required)")
	agent := fs.Int64("agent", 0, "`id` of the agent of kind telco it sells from (required)")
	route := fs.String("route", "", "`name` of the SMSC bind its replies go out on (\"\" for the default)")
	return func(ctx context.Context, a *adminEnv) (any, error) {
		switch *channel {
		case core.ChannelSMS, core.ChannelUSSD:
		case "":
			return nil, usagef("--channel: required (sms or ussd)")
		default:
			return nil, usagef("--channel: %q is not sms or ussd", *channel)
		}
		if err := required("code", *code); err != nil {
			return nil, err
		}
		if *agent <= 0 {
			return nil, usagef("--agent: required (an agent of kind telco)")
		}
		sc := core.ServiceCode{Code: *code, Channel: *channel, AgentID: *agent, Route: strings.TrimSpace(*route), Active: true}
		if err := core.CheckServiceCode(sc); err != nil {
			return nil, usagef("--code: %s", core.AsError(err).Message)
		}
		if _, err := a.db.Agent(ctx, *agent); err != nil {
			return nil, lookup(err, "agent", "agent", *agent)
		}
		err := a.db.CreateServiceCode(ctx, sc)
		if errors.Is(err, core.ErrDuplicate) {
			return nil, core.Errorf(core.CodeDuplicate, core.ReasonDuplicateServiceCode, "the %s code %s exists already",
				sc.Channel, core.NormalizeServiceCode(sc.Code))
		}
		if err != nil {
			return nil, err
		}
		stored, err := a.db.ServiceCode(ctx, sc.Channel, sc.Code)
		if err != nil {
			return nil, err
		}
		return toServiceCodeJSON(stored), nil
	}
}}

// adminServiceCodeList shows every service code, by channel and code.
var adminServiceCodeList = adminCommand{"list the service codes", func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		codes, err := a.db.ServiceCodes(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]serviceCodeJSON, len(codes))
		for i, sc := range codes {
			out[i] = toServiceCodeJSON(sc)
		}
		return map[string]any{"service_codes": out}, nil
	}
}}
