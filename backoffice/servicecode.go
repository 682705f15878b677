package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// ServiceCodeQuery selects service codes, by channel and code.
type ServiceCodeQuery struct {
	UtilityID int64 // only the codes of this utility's agents; 0 for all
}

// ServiceCodeStore keeps the SMS short codes and USSD service codes.
type ServiceCodeStore interface {
	// CreateServiceCode stores a code of an agent of kind telco; a code its channel has is a
	// duplicate. ServiceCode returns one, ServiceCodeList those q selects.
	CreateServiceCode(ctx context.Context, sc core.ServiceCode) error
	ServiceCode(ctx context.Context, channel, code string) (core.ServiceCode, error)
	ServiceCodeList(ctx context.Context, q ServiceCodeQuery) ([]core.ServiceCode, error)
}

// Service code actions.
const (
	ActionServiceCodeCreate Action = "service_code.create"
	ActionServiceCodeRead   Action = "service_code.read"
)

func serviceCodeTarget(channel, code string) string { return "service_code:" + channel + ":" + code }

// ServiceCodeView is a service code as the API and the audit trail show it.
type ServiceCodeView struct {
	Channel string `json:"channel"`
	Code    string `json:"code"`
	AgentID int64  `json:"agent_id"`
	Route   string `json:"route"`
	Active  bool   `json:"active"`
}

// ServiceCodeViewOf returns a service code's JSON form.
func ServiceCodeViewOf(sc core.ServiceCode) ServiceCodeView {
	return ServiceCodeView{Channel: sc.Channel, Code: sc.Code, AgentID: sc.AgentID, Route: sc.Route, Active: sc.Active}
}

// CreateServiceCode gives a telecom operator's agent an SMS short code or a USSD service code.
func (s *Service) CreateServiceCode(ctx context.Context, a Actor, sc core.ServiceCode) (ServiceCodeView, error) {
	return actOn(ctx, s, a, PermAgentsManage, ActionServiceCodeCreate, agentTarget(sc.AgentID), s.agentOwner(sc.AgentID),
		func(ctx context.Context) (ServiceCodeView, Change, error) {
			sc.Active = true
			err := s.store.CreateServiceCode(ctx, sc)
			if isDuplicate(err) {
				return ServiceCodeView{}, Change{}, core.Errorf(core.CodeDuplicate, core.ReasonDuplicateServiceCode, "the %s code %s exists already",
					sc.Channel, core.NormalizeServiceCode(sc.Code)).OnField("code")
			}
			if err != nil {
				return ServiceCodeView{}, Change{}, err
			}
			stored, err := s.store.ServiceCode(ctx, sc.Channel, sc.Code)
			if err != nil {
				return ServiceCodeView{}, Change{}, err
			}
			v := ServiceCodeViewOf(stored)
			return v, Change{Target: serviceCodeTarget(v.Channel, v.Code), After: v}, nil
		})
}

// ServiceCodes returns the service codes, by channel and code: only those of its utility's
// agents for an actor limited to one.
func (s *Service) ServiceCodes(ctx context.Context, a Actor) ([]ServiceCodeView, error) {
	return read(ctx, s, a, PermAgentsRead, ActionServiceCodeRead, func(ctx context.Context) ([]ServiceCodeView, error) {
		codes, err := s.store.ServiceCodeList(ctx, ServiceCodeQuery{UtilityID: a.UtilityID()})
		if err != nil {
			return nil, err
		}
		out := make([]ServiceCodeView, len(codes))
		for i, sc := range codes {
			out[i] = ServiceCodeViewOf(sc)
		}
		return out, nil
	})
}
