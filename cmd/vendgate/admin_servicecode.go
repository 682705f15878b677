package main

import (
	"context"
	"flag"
	"strings"

	"github.com/vendgate/vendgate/core"
)

// adminServiceCodeCreate gives a telecom operator a number customers reach Vendgate on: an SMS
// short code or a USSD service code, sold from the operator's agent (of kind telco), its replies
// going out on --route (an SMSC bind's name; "" for the default).
var adminServiceCodeCreate = adminCommand{summary: "give a telecom operator an SMS short code or a USSD service code", setup: func(fs *flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
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
		return a.svc.CreateServiceCode(ctx, a.actor, sc)
	}
}}

// adminServiceCodeList shows every service code, by channel and code.
var adminServiceCodeList = adminCommand{summary: "list the service codes", setup: func(*flag.FlagSet) func(context.Context, *adminEnv) (any, error) {
	return func(ctx context.Context, a *adminEnv) (any, error) {
		codes, err := a.svc.ServiceCodes(ctx, a.actor)
		if err != nil {
			return nil, err
		}
		return map[string]any{"count": len(codes), "service_codes": codes}, nil
	}
}}
