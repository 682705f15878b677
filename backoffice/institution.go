package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// InstitutionStore keeps the ISO 8583 institutions.
type InstitutionStore interface {
	// CreateInstitution stores an institution for an agent of kind bank (its name, when empty,
	// the agent's); InstitutionByCode returns one, or not_found.
	CreateInstitution(ctx context.Context, in core.Institution) error
	InstitutionByCode(ctx context.Context, code string) (core.Institution, error)
}

// Institution actions.
const ActionInstitutionCreate Action = "institution.create"

func institutionTarget(code string) string { return "institution:" + code }

// InstitutionView is an institution as the API and the audit trail show it.
type InstitutionView struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	AgentID int64    `json:"agent_id"`
	Allowed []string `json:"allowed"`
	Active  bool     `json:"active"`
}

// InstitutionViewOf returns an institution's JSON form.
func InstitutionViewOf(in core.Institution) InstitutionView {
	v := InstitutionView{Code: in.Code, Name: in.Name, AgentID: in.AgentID, Allowed: make([]string, len(in.Allowed)), Active: in.Active}
	for i, p := range in.Allowed {
		v.Allowed[i] = p.String()
	}
	return v
}

// CreateInstitution lets a bank connect over ISO 8583: its acquiring institution id, the bank
// agent it sells from and the networks it connects from.
func (s *Service) CreateInstitution(ctx context.Context, a Actor, in core.Institution) (InstitutionView, error) {
	return actOn(ctx, s, a, PermAgentsManage, ActionInstitutionCreate, agentTarget(in.AgentID), s.agentOwner(in.AgentID),
		func(ctx context.Context) (InstitutionView, Change, error) {
			if len(in.Allowed) == 0 {
				return InstitutionView{}, Change{}, invalid("allowed", "an institution needs the networks it connects from")
			}
			in.Active = true
			if err := s.store.CreateInstitution(ctx, in); err != nil {
				if isDuplicate(err) {
					return InstitutionView{}, Change{}, core.Errorf(core.CodeDuplicate, ReasonDuplicateRecord, "institution %s exists already", in.Code).OnField("code")
				}
				return InstitutionView{}, Change{}, err
			}
			stored, err := s.store.InstitutionByCode(ctx, in.Code)
			if err != nil {
				return InstitutionView{}, Change{}, err
			}
			v := InstitutionViewOf(stored)
			return v, Change{Target: institutionTarget(in.Code), After: v}, nil
		})
}
