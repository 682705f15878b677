package backoffice

import (
	"context"
)

// DemoOperator is an operator the demo seeds beside the administrator.
type DemoOperator struct {
	Username, FullName, Role string
}

// BootstrapDemo is Bootstrap for a demonstration: when no operator exists it creates the
// administrator and each of more (limited to utilityID), all with one-time passwords, and
// returns their credentials, the administrator's first. It returns nil when operators exist.
func (s *Service) BootstrapDemo(ctx context.Context, admin string, utilityID int64, more ...DemoOperator) ([]Credentials, error) {
	if err := s.SeedRoles(ctx); err != nil {
		return nil, err
	}
	var out []Credentials
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		creds, err := s.Bootstrap(ctx, admin)
		if err != nil || creds == nil {
			return err
		}
		out = append(out, *creds)
		for _, m := range more {
			c, err := s.newOperator(ctx, systemActor("bootstrap"), Operator{Username: m.Username, FullName: m.FullName,
				Roles: []string{m.Role}, UtilityID: utilityID}, ActionBootstrap)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}
