package smpp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/linxGnu/gosmpp/pdu"
)

// maxPDU bounds a PDU from the SMSC; SMPP 3.4's largest (a deliver_sm with a full
// message_payload) is far below it.
const maxPDU = 1 << 16

// guardConn stands between the SMSC's connection and gosmpp. It hands gosmpp one whole PDU at a
// time, and only PDUs gosmpp can parse: gosmpp drops the bind on one it cannot (a deliver_sm whose
// user data header runs past the message, say) before answering it, so the SMSC would deliver it
// again on the next bind, forever; and on some it panics (a query_sm with optional parameters
// makes gosmpp v0.3.1 write to a nil map), in a goroutine of its own, which would end the process.
// The guard answers such a request itself: a deliver_sm gets ESME_RX_P_APPN (refused for good),
// any other request a generic_nack; a response is dropped. Writes are whole PDUs under one lock,
// so the answers it writes never interleave with gosmpp's.
type guardConn struct {
	net.Conn
	r       *bufio.Reader
	pending []byte // the rest of the PDU gosmpp is reading
	wmu     sync.Mutex
	refused func(commandID, seq uint32, err error)
}

func newGuardConn(c net.Conn, refused func(commandID, seq uint32, err error)) *guardConn {
	return &guardConn{Conn: c, r: bufio.NewReader(c), refused: refused}
}

// Read gives gosmpp the next PDU gosmpp can parse, as much of it as p holds.
func (g *guardConn) Read(p []byte) (int, error) {
	for len(g.pending) == 0 {
		frame, err := g.frame()
		if err != nil {
			return 0, err
		}
		if err := unparsable(frame); err != nil {
			id, seq := binary.BigEndian.Uint32(frame[4:8]), binary.BigEndian.Uint32(frame[12:16])
			if err := g.refuse(id, seq); err != nil {
				return 0, err
			}
			g.refused(id, seq, err)
			continue
		}
		g.pending = frame
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

// frame reads one PDU off the connection.
func (g *guardConn) frame() ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(g.r, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 16 || n > maxPDU {
		return nil, fmt.Errorf("smpp: the SMSC sent a PDU of %d octets", n)
	}
	frame := make([]byte, n)
	copy(frame, head[:])
	if _, err := io.ReadFull(g.r, frame[4:]); err != nil {
		return nil, err
	}
	return frame, nil
}

// unparsable reports why gosmpp cannot parse a PDU; nil when it can.
func unparsable(frame []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the PDU parser panicked: %v", r)
		}
	}()
	_, err = pdu.Parse(bytes.NewReader(frame))
	return err
}

// SMPP 3.4 command ids and the status of a request the guard cannot read.
const (
	cmdDeliverSM     = 0x00000005
	cmdResponse      = 0x80000000 // the bit of every response
	cmdGenericNack   = 0x80000000
	statusBadCommand = 0x00000002 // ESME_RINVCMDLEN: the PDU's body cannot be read
)

// refuse answers an unparsable request: deliver_sm_resp ESME_RX_P_APPN for a deliver_sm,
// generic_nack for any other; a response gets nothing.
func (g *guardConn) refuse(commandID, seq uint32) error {
	var resp []byte
	switch {
	case commandID&cmdResponse != 0:
		return nil
	case commandID == cmdDeliverSM:
		resp = pduHeader(17, cmdDeliverSM|cmdResponse, uint32(statusCorrupted), seq) // an empty message_id follows
	default:
		resp = pduHeader(16, cmdGenericNack, statusBadCommand, seq)
	}
	_, err := g.Write(resp)
	return err
}

// pduHeader is a PDU of length octets with its header filled in and a zero body.
func pduHeader(length, commandID, status, seq uint32) []byte {
	b := make([]byte, length)
	binary.BigEndian.PutUint32(b[0:], length)
	binary.BigEndian.PutUint32(b[4:], commandID)
	binary.BigEndian.PutUint32(b[8:], status)
	binary.BigEndian.PutUint32(b[12:], seq)
	return b
}

// Write writes one PDU, whole, before any other.
func (g *guardConn) Write(b []byte) (int, error) {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	return g.Conn.Write(b)
}
