package jwtauth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// diffKeys are the keys of the differential tests: one per algorithm
// family, pinned or not, and a P-384 key.
type diffKeys struct {
	testKeys
	ec384 *ecdsa.PrivateKey
	jwks  []jose.JSONWebKey
}

func newDiffKeys(tb testing.TB) diffKeys {
	tb.Helper()
	k := diffKeys{testKeys: newKeys(tb)}
	var err error
	if k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		tb.Fatal(err)
	}
	k.jwks = []jose.JSONWebKey{
		pub(k.rsa, "rsa1", "RS256"),
		pub(k.rsa, "rsa-any", ""),
		pub(k.ec, "ec1", "ES256"),
		pub(k.ec384, "ec384", ""),
		pub(k.rsa2, "two", "RS256"), // two keys under one kid: the second verifies
		pub(k.rsa, "two", "RS256"),
	}
	return k
}

// signRaw signs header.payload (both JSON, used verbatim) with key for
// alg, so tests control every byte of the header.
func signRaw(tb testing.TB, alg string, key any, header, payload string) string {
	tb.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	input := b64([]byte(header)) + "." + b64([]byte(payload))
	a, ok := lookupAlg([]byte(alg))
	if !ok {
		return input + "." + b64([]byte("not a signature"))
	}
	h := a.hash.New()
	h.Write([]byte(input))
	sum := h.Sum(nil)
	var sig []byte
	var err error
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if a.family == 'P' {
			sig, err = rsa.SignPSS(rand.Reader, k, a.hash, sum, nil)
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, a.hash, sum)
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, sum)
		if err == nil {
			n := (k.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*n)
			r.FillBytes(sig[:n])
			s.FillBytes(sig[n:])
		}
	}
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + b64(sig)
}

// diffVerifier returns a Verifier with a warm JWKS of k's keys.
func diffVerifier(tb testing.TB, k diffKeys) (*Verifier, string) {
	tb.Helper()
	p := newIDP(tb, k.jwks...)
	v := New(Options{Issuer: p.srv.URL, Audiences: []string{audience, "other"}, Now: newClock(t0()).Now, TokenCacheSize: -1})
	if _, err := v.Verify(context.Background(), signRaw(tb, "ES256", k.ec, `{"alg":"ES256","kid":"ec1"}`, claimsJSON(p.srv.URL, ""))); err != nil {
		tb.Fatal(err)
	}
	return v, p.srv.URL
}

// compareWithReference verifies token with v and with the reference and
// fails unless both give the same reason and the same claims, or the
// token is one the hand-written parser refuses on purpose.
func compareWithReference(t *testing.T, v *Verifier, keys map[string][]jose.JSONWebKey, token string) {
	t.Helper()
	claims, err := v.Verify(context.Background(), token)
	var got Reason
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not a *jwtauth.Error", err, err)
		}
		got = e.Reason
	}
	if stricter(token) {
		if err == nil {
			t.Fatalf("accepted a header refused on purpose: %q", token)
		}
		return
	}
	want := refVerify(v, keys, token)
	if got != want.reason {
		t.Fatalf("reason %q (%v), reference %q\ntoken %q", got, err, want.reason, token)
	}
	if err != nil {
		return
	}
	if len(claims.All) != len(want.claims) {
		t.Fatalf("%d claims, reference %d", len(claims.All), len(want.claims))
	}
	for i, c := range claims.All {
		w := want.claims[i]
		if c.Name != w.Name || !bytes.Equal(c.Value, w.Value) {
			t.Fatalf("claim %d = %q: %s, reference %q: %s", i, c.Name, c.Value, w.Name, w.Value)
		}
		var ws string
		wok := json.Unmarshal(w.Value, &ws) == nil
		if gs, gok := c.str(); gs != ws || gok != wok {
			t.Fatalf("claim %q string = %q, %v; json.Unmarshal %q, %v", c.Name, gs, gok, ws, wok)
		}
	}
	if !reflect.DeepEqual(claims.Scopes, want.reg.scopes) {
		t.Fatalf("scopes %q, reference %q", claims.Scopes, want.reg.scopes)
	}
}

// TestVerifyMatchesReference: on valid and invalid tokens, Verify gives
// the reason and the claims that go-jose and encoding/json gave.
func TestVerifyMatchesReference(t *testing.T) {
	k := newDiffKeys(t)
	v, iss := diffVerifier(t, k)
	keys := refKeys(k.jwks...)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	good := claimsJSON(iss, `"scope":"read write"`)
	rs := func(header, payload string) string { return signRaw(t, "RS256", k.rsa, header, payload) }
	valid := rs(`{"alg":"RS256","kid":"rsa1"}`, good)
	parts := strings.Split(valid, ".")

	tokens := map[string]string{
		"RS256":                    valid,
		"RS384 on unpinned key":    signRaw(t, "RS384", k.rsa, `{"alg":"RS384","kid":"rsa-any"}`, good),
		"RS512 on unpinned key":    signRaw(t, "RS512", k.rsa, `{"alg":"RS512","kid":"rsa-any"}`, good),
		"PS256":                    signRaw(t, "PS256", k.rsa, `{"alg":"PS256","kid":"rsa-any"}`, good),
		"ES256":                    signRaw(t, "ES256", k.ec, `{"alg":"ES256","kid":"ec1","typ":"JWT"}`, good),
		"ES384":                    signRaw(t, "ES384", k.ec384, `{"alg":"ES384","kid":"ec384"}`, good),
		"ES256 on P-384 key":       signRaw(t, "ES256", k.ec384, `{"alg":"ES256","kid":"ec384"}`, good),
		"ES384 on P-256 key":       signRaw(t, "ES384", k.ec, `{"alg":"ES384","kid":"ec1"}`, good),
		"RS384 on key pinned":      signRaw(t, "RS384", k.rsa, `{"alg":"RS384","kid":"rsa1"}`, good),
		"second key under kid":     rs(`{"alg":"RS256","kid":"two"}`, good),
		"PS256 signed PKCS1":       signRaw(t, "RS256", k.rsa, `{"alg":"PS256","kid":"rsa-any"}`, good),
		"escaped alg and kid":      rs(`{"alg":"RS\u0032\u0035\u0036","kid":"rs\u00611"}`, good),
		"header whitespace":        rs(" {\n\t\"alg\" : \"RS256\" ,\"kid\":\"rsa1\" } ", good),
		"header extra members":     rs(`{"alg":"RS256","kid":"rsa1","typ":"JWT","x5t":"abc","cty":null,"ext":{"a":[1,2,{"b":null}]}}`, good),
		"kid null":                 rs(`{"alg":"RS256","kid":null}`, good),
		"kid number":               rs(`{"alg":"RS256","kid":1}`, good),
		"kid empty":                rs(`{"alg":"RS256","kid":""}`, good),
		"alg null":                 rs(`{"alg":null,"kid":"rsa1"}`, good),
		"alg number":               rs(`{"alg":256,"kid":"rsa1"}`, good),
		"alg lower case":           rs(`{"alg":"rs256","kid":"rsa1"}`, good),
		"alg none":                 b64(`{"alg":"none","kid":"rsa1"}`) + "." + b64(good) + ".",
		"HS256":                    b64(`{"alg":"HS256","kid":"rsa1"}`) + "." + b64(good) + "." + b64("sig"),
		"no alg":                   rs(`{"kid":"rsa1"}`, good),
		"empty header":             "." + b64(good) + "." + parts[2],
		"header null":              rs(`null`, good),
		"header array":             rs(`[]`, good),
		"header not JSON":          rs(`{"alg":"RS256",}`, good),
		"header trailing data":     rs(`{"alg":"RS256","kid":"rsa1"}x`, good),
		"duplicate alg":            rs(`{"alg":"HS256","alg":"RS256","kid":"rsa1"}`, good),
		"duplicate escaped kid":    rs(`{"alg":"RS256","kid":"x","k\u0069d":"rsa1"}`, good),
		"crit":                     rs(`{"alg":"RS256","kid":"rsa1","crit":["exp"],"exp":1}`, good),
		"crit b64":                 rs(`{"alg":"RS256","kid":"rsa1","crit":["b64"],"b64":true}`, good),
		"b64 false":                rs(`{"alg":"RS256","kid":"rsa1","b64":false}`, good),
		"embedded jwk not a key":   rs(`{"alg":"RS256","kid":"rsa1","jwk":{"kty":"nope"}}`, good),
		"x5c not certificates":     rs(`{"alg":"RS256","kid":"rsa1","x5c":["AAAA"]}`, good),
		"deep header":              rs(`{"alg":"RS256","kid":"rsa1","x":`+strings.Repeat("[", 20)+strings.Repeat("]", 20)+`}`, good),
		"tampered payload":         parts[0] + "." + b64(claimsJSON(iss, `"scope":"admin"`)) + "." + parts[2],
		"signature of other key":   signRaw(t, "RS256", k.rsa2, `{"alg":"RS256","kid":"rsa1"}`, good),
		"short signature":          parts[0] + "." + parts[1] + "." + parts[2][:20],
		"empty signature":          parts[0] + "." + parts[1] + ".",
		"padded signature":         parts[0] + "." + parts[1] + "." + parts[2] + "==",
		"newline in signature":     parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:],
		"newline in payload":       parts[0] + "." + parts[1][:10] + "\r\n" + parts[1][10:] + "." + parts[2],
		"bad base64 header":        "e!J." + parts[1] + "." + parts[2],
		"bad base64 payload":       parts[0] + ".e!J." + parts[2],
		"bad base64 signature":     parts[0] + "." + parts[1] + ".A!A",
		"standard base64 alphabet": parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]),
		"two parts":                parts[0] + "." + parts[1],
		"four parts":               valid + ".x",
		"empty":                    "",
		"dots":                     "..",
		"JSON serialization":       `{"payload":"e30","protected":"eyJhbGciOiJSUzI1NiJ9","signature":"AA"}`,
		"huge":                     rs(`{"alg":"RS256","kid":"rsa1"}`, claimsJSON(iss, `"pad":"`+strings.Repeat("x", 20000)+`"`)),
		"ES256 r is zero":          b64(`{"alg":"ES256","kid":"ec1"}`) + "." + parts[1] + "." + b64(string(make([]byte, 64))),
		"ES256 r = n":              b64(`{"alg":"ES256","kid":"ec1"}`) + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(append(elliptic.P256().Params().N.FillBytes(make([]byte, 32)), bytes.Repeat([]byte{1}, 32)...)),
		"ES256 65-byte signature":  b64(`{"alg":"ES256","kid":"ec1"}`) + "." + parts[1] + "." + b64(string(make([]byte, 65))),
	}
	payloads := map[string]string{
		"escapes in names and values": `{"i\u0073s":"` + strings.ReplaceAll(iss, "/", `\/`) + `","aud":"other","exp":` + itoa(t0Unix+60) + `,"n\u00e4me":"caf\u00e9 \"q\" \ud83d\ude00","emoji":"😀"}`,
		"invalid UTF-8 in a value":    claimsJSON(iss, "\"x\":\"a\xffb\",\"y\":\"\xed\xa0\x80\""),
		"invalid UTF-8 in a name":     claimsJSON(iss, "\"a\xff\":1,\"a\xfe\":2"),
		"lone surrogate escape":       claimsJSON(iss, `"x":"\ud800","y":"\udc00\ud800x"`),
		"whitespace everywhere":       " {\n \"iss\" : \"" + iss + "\" ,\t\"aud\":[ \"x\" , \"other\" ],\r\n\"exp\" : " + itoa(t0Unix+60) + " , \"o\" : { \"a\" : [ 1 , true , null ] } } \n",
		"numbers":                     claimsJSON(iss, `"a":-0,"b":1.5e+3,"c":0.1E-2,"d":12345678901234567890`),
		"fractional exp":              `{"iss":"` + iss + `","aud":"other","exp":` + itoa(t0Unix) + `.75}`,
		"exp 1e400":                   `{"iss":"` + iss + `","aud":"other","exp":1e400}`,
		"exp -1e-400":                 `{"iss":"` + iss + `","aud":"other","exp":-1e-400}`,
		"exp string":                  `{"iss":"` + iss + `","aud":"other","exp":"` + itoa(t0Unix+60) + `"}`,
		"exp null":                    `{"iss":"` + iss + `","aud":"other","exp":null}`,
		"exp true":                    `{"iss":"` + iss + `","aud":"other","exp":true}`,
		"nbf object":                  claimsJSON(iss, `"nbf":{}`),
		"iss null":                    `{"iss":null,"aud":"other","exp":` + itoa(t0Unix+60) + `}`,
		"iss number":                  `{"iss":1,"aud":"other","exp":` + itoa(t0Unix+60) + `}`,
		"aud array with null":         `{"iss":"` + iss + `","aud":[null,"other"],"exp":` + itoa(t0Unix+60) + `}`,
		"aud array with number":       `{"iss":"` + iss + `","aud":["other",1],"exp":` + itoa(t0Unix+60) + `}`,
		"aud empty array":             `{"iss":"` + iss + `","aud":[],"client_id":"other","exp":` + itoa(t0Unix+60) + `}`,
		"aud null":                    `{"iss":"` + iss + `","aud":null,"client_id":"other","exp":` + itoa(t0Unix+60) + `}`,
		"aud object":                  `{"iss":"` + iss + `","aud":{},"exp":` + itoa(t0Unix+60) + `}`,
		"aud escaped":                 `{"iss":"` + iss + `","aud":["\u006fther"],"exp":` + itoa(t0Unix+60) + `}`,
		"client_id only":              `{"iss":"` + iss + `","client_id":"other","exp":` + itoa(t0Unix+60) + `}`,
		"client_id number":            `{"iss":"` + iss + `","client_id":5,"exp":` + itoa(t0Unix+60) + `}`,
		"token_use refresh":           claimsJSON(iss, `"token_use":"refresh"`),
		"token_use null":              claimsJSON(iss, `"token_use":null`),
		"token_use array":             claimsJSON(iss, `"token_use":["id"]`),
		"scope null":                  claimsJSON(iss, `"scope":null`),
		"scope array":                 claimsJSON(iss, `"scope":["a"]`),
		"scope with tabs and escapes": claimsJSON(iss, `"scope":"a\tb\u00a0c  d\n"`),
		"scp array":                   claimsJSON(iss, `"scp":["a b",null,"c"]`),
		"scp string":                  claimsJSON(iss, `"scp":"x y"`),
		"scp number":                  claimsJSON(iss, `"scp":1`),
		"scp array of arrays":         claimsJSON(iss, `"scp":[["a"]]`),
		"scope and scp":               claimsJSON(iss, `"scp":["x"],"scope":"a"`),
		"duplicate claim":             claimsJSON(iss, `"sub":"again"`),
		"duplicate escaped claim":     claimsJSON(iss, `"s\u0075b":"again"`),
		"many claims":                 manyClaims(iss, 40, false),
		"many claims duplicate":       manyClaims(iss, 40, true),
		"deep value":                  claimsJSON(iss, `"d":`+strings.Repeat("[", 500)+strings.Repeat("]", 500)),
		"too deep value":              claimsJSON(iss, `"d":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)),
		"array payload":               `["a"]`,
		"string payload":              `"a"`,
		"empty payload":               ``,
		"null payload":                `null`,
		"trailing object":             good + `{}`,
		"trailing comma":              `{"iss":"` + iss + `",}`,
		"leading zero":                claimsJSON(iss, `"n":01`),
		"bad escape":                  claimsJSON(iss, `"n":"\x"`),
		"short unicode escape":        claimsJSON(iss, `"n":"\u12"`),
		"control character":           claimsJSON(iss, "\"n\":\"a\tb\""),
		"unterminated string":         `{"iss":"` + iss,
		"bare word":                   claimsJSON(iss, `"n":nul`),
		"name not a string":           `{iss:"x"}`,
		"BOM":                         "\ufeff" + good,
	}
	for name, p := range payloads {
		tokens["payload "+name] = rs(`{"alg":"RS256","kid":"rsa1"}`, p)
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) { compareWithReference(t, v, keys, tok) })
	}
}

func manyClaims(iss string, n int, dup bool) string {
	var b strings.Builder
	b.WriteString(`{"iss":"` + iss + `","aud":"other","exp":` + itoa(t0Unix+60))
	for i := range n {
		b.WriteString(`,"c` + itoa(int64(i)) + `":` + itoa(int64(i)))
	}
	if dup {
		b.WriteString(`,"c7":0`)
	}
	b.WriteString("}")
	return b.String()
}

// FuzzVerifyMatchesReference signs a fuzzed header and payload for real,
// so that the fuzzer explores the JSON of both behind a valid signature,
// and checks that Verify agrees with the reference (go-jose and
// encoding/json) on every one.
func FuzzVerifyMatchesReference(f *testing.F) {
	k := newDiffKeys(f)
	v, iss := diffVerifier(f, k)
	keys := refKeys(k.jwks...)
	f.Add(`{"alg":"ES256","kid":"ec1"}`, claimsJSON(iss, `"scope":"a b"`), "ES256")
	f.Add(`{"alg":"ES256","kid":"ec1","typ":"JWT"}`, `{"iss":"`+iss+`","aud":["x","other"],"exp":`+itoa(t0Unix+1)+`.5,"scp":["a",null]}`, "ES256")
	f.Add(`{"alg":"ES384","kid":"ec384"}`, `{"i\u0073s":"`+iss+`","client_id":"other","exp":1e10,"n":{"a":[1,"\ud800"]}}`, "ES384")
	f.Add(`{"alg":"ES256","kid":"ec1","alg":"ES256"}`, `{"a":1,"a":2}`, "ES256")
	f.Add(`{"alg":"HS256","kid":"ec1"}`, `{}`, "ES256")
	f.Add(` {"kid":"ec1" , "alg" : "ES256", "x":[{}]}`, " {\"iss\" : \""+iss+"\", \"exp\":"+itoa(t0Unix)+", \"aud\" : null } ", "ES256")
	f.Fuzz(func(t *testing.T, header, payload, alg string) {
		var key any = k.ec
		switch alg {
		case "ES384":
			key = k.ec384
		case "RS256":
			key = k.rsa // slow: the fuzzer rarely gets here
		}
		compareWithReference(t, v, keys, signRaw(t, alg, key, header, payload))
	})
}

// FuzzParseClaims compares the hand-written claim parser with
// encoding/json on any payload: the same verdict, the same claims
// (names, compacted values, string values), the same registered claims.
func FuzzParseClaims(f *testing.F) {
	f.Add([]byte(`{"sub":"u","iss":"https://i","aud":["a",null],"exp":1.5,"scope":"a b","x":{"y":[1,true,null]}}`))
	f.Add([]byte(" {\"a\\u00e9\" : \"\\ud83d\\ude00\\/\" , \"b\":-0.0e+1}\n"))
	f.Add([]byte(`{"a":1,"\u0061":2}`))
	f.Add([]byte("{\"a\":\"\xff\"}"))
	f.Add([]byte(`{"scp":"x y","scope":null,"token_use":null,"client_id":"c"}`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		want, wantErr := refParseClaims(payload)
		var wantReg registered
		if wantErr == nil {
			wantReg, wantErr = refDecodeRegistered(want)
		}
		got, gotReg, _, gotErr := parseClaims(bytes.Clone(payload), nil)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("error %v, encoding/json %v", gotErr, wantErr)
		}
		if gotErr != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d claims, encoding/json %d", len(got), len(want))
		}
		for i := range got {
			if got[i].Name != want[i].Name || !bytes.Equal(got[i].Value, want[i].Value) {
				t.Fatalf("claim %d = %q: %s; encoding/json %q: %s", i, got[i].Name, got[i].Value, want[i].Name, want[i].Value)
			}
			var ws string
			wok := json.Unmarshal(want[i].Value, &ws) == nil
			if gs, gok := got[i].str(); gs != ws || gok != wok {
				t.Fatalf("claim %q string %q %v; encoding/json %q %v", got[i].Name, gs, gok, ws, wok)
			}
		}
		if !reflect.DeepEqual(gotReg, wantReg) && !(gotReg.exp != gotReg.exp && wantReg.exp != wantReg.exp) {
			t.Fatalf("registered %+v\nencoding/json %+v", gotReg, wantReg)
		}
	})
}

// FuzzParseCompact: on any string, the compact JWS parser refuses what
// go-jose refuses, and when both accept, they read the same alg and kid;
// tokens it refuses on purpose are named by refStricter.
func FuzzParseCompact(f *testing.F) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	f.Add(b64(`{"alg":"RS256","kid":"k"}`) + "." + b64(`{}`) + ".c2ln")
	f.Add(b64(`{"alg":"ES256","kid":"k","typ":"JWT"}`) + ".." + "AAAA")
	f.Add(b64(`{"alg":"RS256","alg":"none"}`) + ".e30.")
	f.Add(b64(`{"alg":"PS256","kid":null,"crit":["b64"],"b64":false}`) + ".e30.AA")
	f.Add(b64(`{"alg":"RS256","kid":"k","jwk":{"kty":"oct","k":"AA"}}`) + ".e30.AA")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		var sc scratch
		jws, err := parseCompact(&sc, token)
		ref, refErr := jose.ParseSignedCompact(token, refAllowedAlgs())
		if err == nil && refErr != nil {
			t.Fatalf("accepted what go-jose refuses (%v)", refErr)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" {
				t.Fatalf("error %v (%T) is not a *jwtauth.Error", err, err)
			}
			if stricter(token) {
				return // refused on purpose
			}
			if refErr == nil {
				t.Fatalf("refused (%v) what go-jose accepts", err)
			}
			var unexpected *jose.ErrUnexpectedSignatureAlgorithm
			if want := ReasonMalformed; errors.As(refErr, &unexpected) {
				want = ReasonUnsupportedAlg
				if e.Reason != want {
					t.Fatalf("reason %q (%v), go-jose %v", e.Reason, err, refErr)
				}
			} else if e.Reason != want && !(e.Reason == ReasonUnsupportedAlg && refErr.Error() == "go-jose/go-jose: empty input") {
				t.Fatalf("reason %q (%v), go-jose %v", e.Reason, err, refErr)
			}
			return
		}
		hdr := ref.Signatures[0].Header
		if jws.alg.name != hdr.Algorithm || string(jws.kid) != hdr.KeyID {
			t.Fatalf("alg %q kid %q; go-jose %q %q", jws.alg.name, jws.kid, hdr.Algorithm, hdr.KeyID)
		}
		if !bytes.Equal(jws.payload, ref.UnsafePayloadWithoutVerification()) || !bytes.Equal(jws.sig, ref.Signatures[0].Signature) {
			t.Fatal("payload or signature differs from go-jose's")
		}
		if d := strings.LastIndexByte(token, '.'); string(jws.signed) != token[:d] {
			t.Fatal("signing input is not the token up to its last dot")
		}
	})
}

// FuzzScanObject: the scanner accepts exactly what encoding/json
// accepts as one object, and compacts it as json.Compact does.
func FuzzScanObject(f *testing.F) {
	f.Add([]byte(` { "a" : [ 1 , { "b" : "c\"d" } ] , "e" : null } `))
	f.Add([]byte(`{"a":1e}`))
	f.Add([]byte(`{"a":"\u00e9"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		buf := bytes.Clone(in)
		_, n, err := scanObject(buf, maxPayloadDepth, nil)
		var obj map[string]json.RawMessage
		jsonErr := json.Unmarshal(in, &obj)
		if jsonErr == nil && obj == nil {
			jsonErr = errors.New("null") // not an object
		}
		if (err == nil) != (jsonErr == nil) {
			t.Fatalf("scanObject error %v, encoding/json %v", err, jsonErr)
		}
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, in); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], want.Bytes()) {
			t.Fatalf("compacted %q, json.Compact %q", buf[:n], want.Bytes())
		}
	})
}

// TestAppendECDSASignature checks the r||s → ASN.1 conversion against
// the SEQUENCE encoding/asn1 would write, through ecdsa.VerifyASN1.
func TestAppendECDSASignature(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for range 64 { // r and s with and without a high bit or leading zeros
		sum := make([]byte, 32)
		rand.Read(sum)
		r, s, err := ecdsa.Sign(rand.Reader, key, sum)
		if err != nil {
			t.Fatal(err)
		}
		sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		der, ok := appendECDSASignature(nil, sig[:32], sig[32:])
		if !ok || !ecdsa.VerifyASN1(&key.PublicKey, sum, der) {
			t.Fatalf("r=%x s=%x: DER %x does not verify", r, s, der)
		}
		if !ecdsa.Verify(&key.PublicKey, sum, r, s) {
			t.Fatal("ecdsa.Verify disagrees")
		}
	}
	if _, ok := appendECDSASignature(nil, make([]byte, 32), []byte{1}); ok {
		t.Error("r = 0 accepted")
	}
}
