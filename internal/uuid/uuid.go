// Package uuid formats the version 4 UUIDs that AWS services use as
// request IDs (x-amzn-RequestId, Lambda's and STS's RequestId) and that
// Cognito uses as identity and subject IDs.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
)

// Len is the length of a formatted UUID: 8-4-4-4-12 hex digits.
const Len = 36

// New returns a random version 4 UUID from crypto/rand.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return Format(MarkV4(b))
}

// MarkV4 sets the version (4) and variant (RFC 9562) bits of b, whose
// other bits are random or derived, and returns it.
func MarkV4(b [16]byte) [16]byte {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// Format returns b in the 8-4-4-4-12 lowercase hex form.
func Format(b [16]byte) string {
	var s [Len]byte
	Encode(s[:], b)
	return string(s[:])
}

// Encode writes the 8-4-4-4-12 lowercase hex form of b to dst[:Len], for
// callers that build several IDs in one allocation.
func Encode(dst []byte, b [16]byte) {
	_ = dst[Len-1]
	hex.Encode(dst[0:8], b[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], b[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], b[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], b[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], b[10:16])
}
