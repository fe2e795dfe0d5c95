package proxyevent

import (
	"errors"
	"testing"
)

// FuzzParseResponse checks that ParseResponse never panics, that every
// error is a *MalformedError carrying the format's answer, and that a
// success has a valid status.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		`{"statusCode":200,"headers":{"A":"1"},"multiValueHeaders":{"A":["2"]},"body":"x"}`,
		`{"statusCode":"200","isBase64Encoded":true,"body":"aGk="}`,
		`{"cookies":["a=1"],"statusCode":200}`,
		`"Hello from Lambda!"`,
		`{"message":"hi"}`,
		`null`,
		`Hello`,
	} {
		for _, fm := range []uint8{uint8(REST), uint8(HTTP10), uint8(HTTP20)} {
			f.Add(fm, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, fm uint8, payload []byte) {
		format := Format(fm%3 + 1)
		r, err := ParseResponse(format, payload)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is %T, not *MalformedError", err, err)
			}
			if me.Format != format || (me.Status() != 502 && me.Status() != 500) {
				t.Fatalf("bad error %+v", me)
			}
			return
		}
		if r.Status < 100 || r.Status > 599 {
			t.Fatalf("status %d", r.Status)
		}
	})
}
