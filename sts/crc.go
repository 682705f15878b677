package sts

// The token CRC (IEC 62055-41; docs/sts.md §2): CRC-16 with the reflected polynomial 0xA001 and initial
// value 0xFFFF (the CRC-16/MODBUS parameters) over 7 big-endian bytes of class << 48 | block >> 16,
// stored byte-swapped in the block's bits 15..0.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0xA001
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC returns the CRC field for a data block of a class; the block's own bits 15..0 are ignored.
func CRC(class Class, block uint64) uint16 {
	x := uint64(class&3)<<48 | block>>16
	crc := uint16(0xFFFF)
	for i := 6; i >= 0; i-- {
		crc = crc>>8 ^ crcTable[byte(crc)^byte(x>>(8*i))]
	}
	return crc<<8 | crc>>8
}

// CRCOK reports whether a data block's CRC field matches its contents.
func CRCOK(class Class, block uint64) bool {
	return uint16(block) == CRC(class, block)
}
