package backoffice

import (
	"context"

	"github.com/vendgate/vendgate/core"
)

// CustomerRecord is a customer with the utility it belongs to (0 for a customer of no utility,
// which only an operator of every utility may see or change) and the version of its edits.
type CustomerRecord struct {
	core.Customer
	UtilityID int64
	Version   int64
}

// CustomerQuery selects customers, by ID.
type CustomerQuery struct {
	Page
	UtilityID int64  // only this utility's; 0 for all
	Search    string // a part of the name or the phone number; "" for any
}

// CustomerStore keeps customers.
type CustomerStore interface {
	// CreateCustomerRecord stores a customer of a utility and sets its ID and Version.
	CreateCustomerRecord(ctx context.Context, c *CustomerRecord) error
	// CustomerRecord returns a customer, or not_found.
	CustomerRecord(ctx context.Context, id int64) (CustomerRecord, error)
	// CustomerRecords returns the customers q selects, by ID.
	CustomerRecords(ctx context.Context, q CustomerQuery) ([]CustomerRecord, error)
	// SaveCustomer updates a customer's name, address, phone, language and free basic flag at
	// the Version it was read, and moves the version on; a stale version is a conflict.
	SaveCustomer(ctx context.Context, c *CustomerRecord) error
}

// Customer actions.
const (
	ActionCustomerCreate Action = "customer.create"
	ActionCustomerRead   Action = "customer.read"
	ActionCustomerUpdate Action = "customer.update"
)

func customerTarget(id int64) string { return "customer:" + itoa(id) }

// CustomerView is a customer as lists, the API and the audit trail show it.
type CustomerView struct {
	ID        int64  `json:"id"`
	UtilityID int64  `json:"utility_id,omitempty"`
	Name      string `json:"name"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Language  string `json:"language"`
	FreeBasic bool   `json:"free_basic"`
	Version   int64  `json:"version"`
}

// View returns the customer's JSON form.
func (c CustomerRecord) View() CustomerView {
	return CustomerView{ID: c.ID, UtilityID: c.UtilityID, Name: c.Name, Address: c.Address, Phone: c.Phone,
		Language: c.Language, FreeBasic: c.FreeBasic, Version: c.Version}
}

// checkCustomer checks the fields an operator gives a customer.
func checkCustomer(c *core.Customer) error {
	name, ok := trimmed(c.Name)
	if !ok {
		return invalid("name", "the customer's name is required")
	}
	c.Name = name
	if c.Language == "" {
		return invalid("language", "the customer's language is required")
	}
	return nil
}

// CreateCustomer creates a customer of a utility: the actor's own when it is limited to one and
// names none.
func (s *Service) CreateCustomer(ctx context.Context, a Actor, c core.Customer, utilityID int64) (CustomerView, error) {
	if utilityID == 0 {
		utilityID = a.UtilityID()
	}
	var of owner = ofUtility(0)
	if utilityID != 0 {
		of = s.utilityOwner(utilityID)
	}
	return actOn(ctx, s, a, PermCustomersManage, ActionCustomerCreate, utilityTarget(utilityID), of, func(ctx context.Context) (CustomerView, Change, error) {
		if err := checkCustomer(&c); err != nil {
			return CustomerView{}, Change{}, err
		}
		r := CustomerRecord{Customer: c, UtilityID: utilityID}
		if err := s.store.CreateCustomerRecord(ctx, &r); err != nil {
			return CustomerView{}, Change{}, err
		}
		v := r.View()
		return v, Change{Target: customerTarget(r.ID), After: v}, nil
	})
}

// Customers returns a page of customers: only its utility's for an actor limited to one.
func (s *Service) Customers(ctx context.Context, a Actor, q CustomerQuery) ([]CustomerView, error) {
	return read(ctx, s, a, PermCustomersRead, ActionCustomerRead, func(ctx context.Context) ([]CustomerView, error) {
		var err error
		if q.Page, err = q.Page.checked(); err != nil {
			return nil, err
		}
		if q.UtilityID, err = s.listUtility(ctx, a, PermCustomersRead, ActionCustomerRead, q.UtilityID); err != nil {
			return nil, err
		}
		rs, err := s.store.CustomerRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]CustomerView, len(rs))
		for i, r := range rs {
			out[i] = r.View()
		}
		return out, nil
	})
}

// customer reads a customer, not_found naming it.
func (s *Service) customer(ctx context.Context, id int64) (CustomerRecord, error) {
	r, err := s.store.CustomerRecord(ctx, id)
	return r, found(err, core.ReasonNotFound, "customer_id", "customer", id)
}

func (s *Service) customerOwner(id int64) owner {
	return func(ctx context.Context) (int64, error) {
		r, err := s.customer(ctx, id)
		return r.UtilityID, err
	}
}

// Customer returns one customer.
func (s *Service) Customer(ctx context.Context, a Actor, id int64) (CustomerView, error) {
	return readOn(ctx, s, a, PermCustomersRead, ActionCustomerRead, customerTarget(id), s.customerOwner(id), func(ctx context.Context) (CustomerView, error) {
		r, err := s.customer(ctx, id)
		return r.View(), err
	})
}

// CustomerUpdate is what UpdateCustomer changes: each field that is set.
type CustomerUpdate struct {
	Name, Address, Phone, Language *string
	FreeBasic                      *bool
}

// UpdateCustomer changes a customer's details at the version the operator read.
func (s *Service) UpdateCustomer(ctx context.Context, a Actor, id, version int64, up CustomerUpdate) (CustomerView, error) {
	return actOn(ctx, s, a, PermCustomersManage, ActionCustomerUpdate, customerTarget(id), s.customerOwner(id), func(ctx context.Context) (CustomerView, Change, error) {
		return edited(ctx, customerTarget(id), version, editing[CustomerRecord, CustomerView]{
			load:    func(ctx context.Context) (CustomerRecord, error) { return s.customer(ctx, id) },
			version: func(r CustomerRecord) int64 { return r.Version },
			edit: func(r *CustomerRecord) error {
				if up == (CustomerUpdate{}) {
					return core.Errorf(core.CodeInvalid, ReasonNothingChanged, "the update changes nothing")
				}
				for _, f := range []struct {
					from *string
					to   *string
				}{{up.Name, &r.Name}, {up.Address, &r.Address}, {up.Phone, &r.Phone}, {up.Language, &r.Language}} {
					if f.from != nil {
						*f.to = *f.from
					}
				}
				if up.FreeBasic != nil {
					r.FreeBasic = *up.FreeBasic
				}
				return checkCustomer(&r.Customer)
			},
			save: s.store.SaveCustomer,
			view: CustomerRecord.View,
		})
	})
}
