package core

// CheckMeterStatus checks that a status is one a meter can have.
func CheckMeterStatus(s MeterStatus) error {
	switch s {
	case MeterActive, MeterBlocked, MeterDecommissioned:
		return nil
	}
	return Errorf(CodeInvalid, ReasonInvalidMeterStatus, "%q is not active, blocked or decommissioned", s)
}

// CheckMeterStatusChange checks a change of a meter's status: any status may be set again, an
// active meter blocked or decommissioned, a blocked one unblocked or decommissioned; a
// decommissioned meter is out of service for good (its register may be in another meter's
// place), so it cannot become active or blocked again.
func CheckMeterStatusChange(number string, from, to MeterStatus) error {
	if err := CheckMeterStatus(to); err != nil {
		return err
	}
	if from == MeterDecommissioned && to != MeterDecommissioned {
		return Errorf(CodeConflict, ReasonMeterDecommissionedForGood, "meter %s is decommissioned: it cannot be made %s again", number, to)
	}
	return nil
}
