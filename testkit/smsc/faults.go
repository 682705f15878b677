package smsc

import (
	"fmt"
	"time"
)

// SMPP 3.4 command_status values the SMSC uses or tests commonly inject (SMPP v3.4, 5.1.3).
const (
	StatusOK            uint32 = 0x00 // ESME_ROK
	StatusInvalidLength uint32 = 0x02 // ESME_RINVCMDLEN
	StatusInvalidCmdID  uint32 = 0x03 // ESME_RINVCMDID
	StatusInvalidBind   uint32 = 0x04 // ESME_RINVBNDSTS: command not allowed in this bind state
	StatusAlreadyBound  uint32 = 0x05 // ESME_RALYBND
	StatusSystemError   uint32 = 0x08 // ESME_RSYSERR
	StatusBindFailed    uint32 = 0x0D // ESME_RBINDFAIL
	StatusInvalidPasswd uint32 = 0x0E // ESME_RINVPASWD
	StatusInvalidSysID  uint32 = 0x0F // ESME_RINVSYSID
	StatusMsgQueueFull  uint32 = 0x14 // ESME_RMSGQFUL
	StatusThrottled     uint32 = 0x58 // ESME_RTHROTTLED
	StatusTempAppError  uint32 = 0x64 // ESME_RX_T_APPN: the ESME's temporary rejection of a deliver_sm
	StatusPermAppError  uint32 = 0x65 // ESME_RX_P_APPN: the ESME's permanent rejection of a deliver_sm
	StatusRejectMessage uint32 = 0x66 // ESME_RX_R_APPN: the ESME rejects the message
)

// Faults are the failures the SMSC injects; SetFaults switches them at run time. The zero value
// injects nothing.
type Faults struct {
	// RefuseBind, when not zero, is the command_status answered to every bind.
	RefuseBind uint32
	// DropOnBind closes each connection right after its successful bind_resp.
	DropOnBind bool
	// DropAfterPDUs, when positive, closes a bound connection when it receives its Nth PDU after
	// the bind, without answering it (a submit_sm among them is still recorded, with Dropped set).
	// enquire_link is answered and not counted, so that the ESME's keep-alive timer does not
	// change when the fault strikes.
	DropAfterPDUs int
	// SubmitDelay delays every submit_sm_resp by this much (other PDUs keep flowing meanwhile).
	SubmitDelay time.Duration
	// SubmitStatus, when not zero, answers every submit_sm with this command_status and no
	// message_id (for example StatusThrottled or StatusSystemError).
	SubmitStatus uint32
	// DropSubmits records every submit_sm and never answers it.
	DropSubmits bool
	// SequenceClash, for every submit_sm, first sends the ESME a deliver_sm (an MO whose text is
	// ClashText, from the submit's destination to its source) carrying the submit_sm's own
	// sequence_number, then answers the submit_sm.
	SequenceClash bool
	// ClashText is the MO text of SequenceClash; "" means "CLASH".
	ClashText string
}

// SetFaults replaces the injected faults; it takes effect for the next PDU of every connection.
func (s *Server) SetFaults(f Faults) {
	s.faults.Store(&f)
	s.logf("smsc: faults set to %+v", f)
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults { return *s.faults.Load() }

// ReceiptState is the final state of a message in a delivery receipt (SMPP v3.4, 5.2.28 and
// appendix B).
type ReceiptState string

// The receipt states, as written in the receipt's stat: field.
const (
	Delivered     ReceiptState = "DELIVRD"
	Expired       ReceiptState = "EXPIRED"
	Deleted       ReceiptState = "DELETED"
	Undeliverable ReceiptState = "UNDELIV"
	Accepted      ReceiptState = "ACCEPTD"
	Unknown       ReceiptState = "UNKNOWN"
	Rejected      ReceiptState = "REJECTD"
)

// messageState is the message_state TLV value of each state (SMPP v3.4, 5.2.28).
var messageState = map[ReceiptState]byte{
	Delivered: 2, Expired: 3, Deleted: 4, Undeliverable: 5, Accepted: 6, Unknown: 7, Rejected: 8,
}

// Receipts configures delivery receipts: when Enabled, each accepted submit_sm whose
// registered_delivery asks for one (bits 0-1 = 01, or 10 with a failure State) gets a deliver_sm
// receipt after Delay, sent to a receiver bound with the submitter's system_id.
type Receipts struct {
	Enabled bool
	Delay   time.Duration
	// State is the final state reported; "" means Delivered.
	State ReceiptState
	// Err is the receipt's three-digit err: field; "" means "000".
	Err string
}

func (r Receipts) validate() error {
	if r.State != "" {
		if _, ok := messageState[r.State]; !ok {
			return fmt.Errorf("smsc: receipt state %q is not one of DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD", r.State)
		}
	}
	if len(r.Err) > 3 {
		return fmt.Errorf("smsc: receipt err %q is longer than 3 characters", r.Err)
	}
	if r.Delay < 0 {
		return fmt.Errorf("smsc: receipt delay %v is negative", r.Delay)
	}
	return nil
}

// SetReceipts replaces the receipt settings for submits received from now on.
func (s *Server) SetReceipts(r Receipts) error {
	if err := r.validate(); err != nil {
		return err
	}
	s.receipts.Store(&r)
	return nil
}
