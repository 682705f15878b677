package core

// CheckNew checks a meter about to be registered, with its opening arrears, and fills in what it
// may leave out: an empty PAN is built from the number, an empty kind is electricity, an empty
// status active. The number must be valid and the key's DRN, the key and any pending key change
// valid (IEC 62055-41), the arrears not negative.
func (m *Meter) CheckNew(arrears Money) error {
	n, err := ParseMeterNumber(m.Number)
	if err != nil {
		return err
	}
	if m.Key.PAN.IsZero() {
		if m.Key.PAN, err = n.PAN(); err != nil {
			return Errorf(CodeInvalid, ReasonInvalidMeterNumber, "meter %s: %v", m.Number, err)
		}
	}
	if m.Key.PAN.DRN() != m.Number {
		return Errorf(CodeInvalid, ReasonInvalidMeterKey, "meter %s: the key's PAN is for another meter", m.Number)
	}
	if m.Kind == "" {
		m.Kind = Electricity
	}
	if m.Status == "" {
		m.Status = MeterActive
	}
	if _, err := ParseMeterKind(string(m.Kind)); err != nil {
		return Errorf(CodeInvalid, ReasonInvalidMeterKind, "meter %s: unknown kind %q", m.Number, m.Kind)
	}
	switch {
	case m.Status != MeterActive && m.Status != MeterBlocked && m.Status != MeterDecommissioned:
		return Errorf(CodeInvalid, ReasonInvalidMeterStatus, "meter %s: unknown status %q", m.Number, m.Status)
	case arrears < 0:
		return Errorf(CodeInvalid, ReasonInvalidArrears, "meter %s: arrears must not be negative", m.Number)
	}
	if err := m.Key.Validate(); err != nil {
		return err
	}
	if m.PendingKey != nil {
		return CheckKeyChange(m.Key, m.PendingKey)
	}
	return nil
}
