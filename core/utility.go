package core

import "github.com/shopspring/decimal"

// Validate checks a utility's settings (a nil Location is UTC): a name, a supported currency,
// rates that are not negative, a debt recovery rate of at most 1 (it is a share of each
// purchase) and a reversal window that is not negative (0: DefaultReversalWindow).
func (u *Utility) Validate() error {
	if u.Name == "" {
		return Errorf(CodeInvalid, ReasonInvalidUtility, "the utility's name is required")
	}
	if _, err := ParseCurrency(u.Currency.Code); err != nil {
		return err
	}
	if u.TaxRate.IsNegative() || u.DebtRecoveryRate.IsNegative() || u.DebtRecoveryRate.GreaterThan(decimal.NewFromInt(1)) ||
		u.ReversalWindow < 0 || u.MaxVendAmount < 0 {
		return Errorf(CodeInvalid, ReasonInvalidUtility, "utility %q: rates, the reversal window and the purchase limit must not be negative, and the debt recovery rate is at most 1", u.Name)
	}
	return nil
}
