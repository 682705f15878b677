package smstext_test

import (
	"fmt"
	"strings"

	"github.com/vendgate/vendgate/smstext"
)

func ExampleCodec_Decode() {
	// A deliver_sm from an SMSC whose default alphabet is GSM 7-bit packed: part 1 of 2 of
	// message 0xCC, with one fill bit after the user data header.
	sm := []byte{0x05, 0x00, 0x03, 0xCC, 0x02, 0x01, 0xD0, 0x65, 0x36, 0xFB, 0x0D, 0xBA, 0xBF, 0xE5, 0x6C, 0x32}
	m, err := smstext.Codec{Default: smstext.GSM7Packed}.Decode(0x00, smstext.ESMClassUDHI, sm)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q part %d of %d\n", m.Text, m.Concat.Seq, m.Concat.Total)
	// Output: "hello world" part 1 of 2
}

func ExampleCodec_Encode() {
	reply := "Token 1234 5678 9012 3456 7890 for 45.6 kWh. " + strings.Repeat("Thank you. ", 12)
	fmt.Printf("%+v\n", smstext.Measure(reply))
	parts, err := smstext.Codec{}.Encode(reply, 0x2A)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range parts {
		fmt.Printf("data_coding %d esm_class 0x%02X %d octets, header % X\n", p.DataCoding, p.ESMClass, len(p.ShortMessage), p.ShortMessage[:6])
	}
	// Output:
	// {Alphabet:gsm7 Units:177 Parts:2}
	// data_coding 0 esm_class 0x40 159 octets, header 05 00 03 2A 02 01
	// data_coding 0 esm_class 0x40 30 octets, header 05 00 03 2A 02 02
}
