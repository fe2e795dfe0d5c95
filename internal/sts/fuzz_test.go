package sts

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

// FuzzParseParams: the query-protocol parser either refuses with one of
// STS's own 400 errors, or returns parameters that survive a round trip
// through their encoding.
func FuzzParseParams(f *testing.F) {
	f.Add("", "application/x-www-form-urlencoded; charset=utf-8", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FX&RoleSessionName=s")
	f.Add("Action=GetCallerIdentity&Version=2011-06-15", "", "")
	f.Add("a=%zz", "", "")
	f.Add("", "text/plain", "Action=x")
	f.Add("x=1&x=2", "application/x-www-form-urlencoded", "x=3&;y")
	f.Fuzz(func(t *testing.T, rawQuery, contentType, body string) {
		params, err := ParseParams(rawQuery, contentType, []byte(body))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code != CodeMalformedQueryString {
				t.Fatalf("error %v is not STS's MalformedQueryString", err)
			}
			return
		}
		again, err := ParseParams(params.Encode(), "", nil)
		if err != nil {
			t.Fatalf("re-parsing %q: %v", params.Encode(), err)
		}
		if len(params) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(params, again) {
			t.Fatalf("round trip: %v → %q → %v", params, params.Encode(), again)
		}
	})
}

// FuzzOpenToken: any X-Amz-Security-Token either opens (only a sealed
// session can) or is refused with errBadToken, never a panic; a sealed
// session opens to itself.
func FuzzOpenToken(f *testing.F) {
	sl, err := newSealer(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	good, err := sl.seal(&session{AccessKeyID: "ASIAEXAMPLE000000001", Secret: "s", Kind: kindRole, Name: "R", ID: "AROA1", SessionName: "x", Expires: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-4])
	f.Add("")
	f.Add("IQoJb3JpZ2luX2VjEA8aCWV1LXdlc3QtMyJHMEUCIQC4kHasZrfnaMezJkcPtDD8YizZlKE=")
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, token string) {
		s, err := sl.open(token)
		if err != nil {
			if err != errBadToken {
				t.Fatalf("error %v is not errBadToken", err)
			}
			return
		}
		again, err := sl.seal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := sl.open(again)
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("re-sealed session does not open to itself: %+v vs %+v (%v)", s, s2, err)
		}
	})
}
