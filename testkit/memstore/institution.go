package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/vendgate/vendgate/core"
)

var _ core.InstitutionReader = (*Store)(nil)

// CreateInstitution stores an institution (core.CheckInstitutionCode) of an agent of kind bank;
// an empty name is the agent's. A code taken, or an agent that has an institution, is
// core.ErrDuplicate.
func (s *Store) CreateInstitution(_ context.Context, in core.Institution) error {
	if err := core.CheckInstitutionCode(in.Code); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[in.AgentID]
	switch {
	case !ok:
		return core.ErrNotFound
	case a.Kind != core.AgentBank:
		return core.Errorf(core.CodeInvalid, core.ReasonInvalidInstitution, "agent %d is of kind %s, not bank", a.ID, a.Kind)
	}
	for _, o := range s.institutions {
		if o.Code == in.Code || o.AgentID == in.AgentID {
			return fmt.Errorf("%w: institution %s of agent %d", core.ErrDuplicate, in.Code, in.AgentID)
		}
	}
	if in.Name == "" {
		in.Name = a.Name
	}
	in.Allowed = slices.Clone(in.Allowed)
	s.institutions[in.Code] = in
	return nil
}

// InstitutionByCode returns the institution with an acquiring institution id, or core.ErrNotFound.
func (s *Store) InstitutionByCode(ctx context.Context, code string) (core.Institution, error) {
	if err := s.failed(ctx, "InstitutionByCode"); err != nil {
		return core.Institution{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.institutions[code]
	if !ok {
		return core.Institution{}, core.ErrNotFound
	}
	in.Allowed = slices.Clone(in.Allowed)
	return in, nil
}
