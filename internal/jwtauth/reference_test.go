package jwtauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// The reference for the differential tests: how Verify parsed and checked
// a token before it had its own parser, with go-jose's
// ParseSignedCompact and Verify and an encoding/json decoder for the
// claims. The hand-written path must agree with it on every token, except
// where docs/jwt-authorizers.md says it is stricter (refStricter).

func refAllowedAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.PS256}
}

// refResult is the reference's verdict on a token.
type refResult struct {
	reason Reason // "" when accepted
	claims []Claim
	reg    registered
}

// refVerify checks token against keys (by kid) as Verify did, up to and
// including the claim decoding; the time checks are v.check's, shared.
func refVerify(v *Verifier, keys map[string][]jose.JSONWebKey, token string) refResult {
	if len(token) > v.maxSize {
		return refResult{reason: ReasonTooLarge}
	}
	jws, err := jose.ParseSignedCompact(token, refAllowedAlgs())
	if err != nil {
		var unexpected *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &unexpected) {
			return refResult{reason: ReasonUnsupportedAlg}
		}
		return refResult{reason: ReasonMalformed}
	}
	if len(jws.Signatures) != 1 {
		return refResult{reason: ReasonMalformed}
	}
	hdr := jws.Signatures[0].Header
	if hdr.KeyID == "" {
		return refResult{reason: ReasonUnknownKID}
	}
	ks, ok := keys[hdr.KeyID]
	if !ok {
		return refResult{reason: ReasonUnknownKID}
	}
	payload, err := refVerifyWith(jws, hdr.Algorithm, ks)
	if err != nil {
		return refResult{reason: ReasonBadSignature}
	}
	all, err := refParseClaims(payload)
	if err != nil {
		return refResult{reason: ReasonMalformed}
	}
	reg, err := refDecodeRegistered(all)
	if err != nil {
		return refResult{reason: ReasonMalformed}
	}
	if err := v.check(&reg); err != nil {
		var e *Error
		errors.As(err, &e)
		return refResult{reason: e.Reason}
	}
	return refResult{claims: all, reg: reg}
}

func refVerifyWith(jws *jose.JSONWebSignature, alg string, keys []jose.JSONWebKey) ([]byte, error) {
	err := errors.New("no key under this kid fits alg " + alg)
	for _, k := range keys {
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		switch k.Key.(type) {
		case *rsa.PublicKey:
			if alg[0] != 'R' && alg[0] != 'P' {
				continue
			}
		case *ecdsa.PublicKey:
			if alg[0] != 'E' {
				continue
			}
		default:
			continue
		}
		var payload []byte
		if payload, err = jws.Verify(k.Key); err == nil {
			return payload, nil
		}
	}
	return nil, err
}

// refKeys groups the usable keys of a JWKS by kid, as the JWKS cache did.
func refKeys(jwks ...jose.JSONWebKey) map[string][]jose.JSONWebKey {
	out := map[string][]jose.JSONWebKey{}
	for _, k := range jwks {
		if _, ok := toVerifyKey(&k); ok {
			out[k.KeyID] = append(out[k.KeyID], k.Public())
		}
	}
	return out
}

// refParseClaims is parseClaims with encoding/json's Decoder.
func refParseClaims(payload []byte) ([]Claim, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("payload is not a JSON object")
	}
	var claims []Claim
	seen := make(map[string]struct{})
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("claim name is not a string")
		}
		if _, dup := seen[name]; dup {
			return nil, fmt.Errorf("duplicate claim %q", name)
		}
		seen[name] = struct{}{}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		claims = append(claims, Claim{Name: name, Value: buf.Bytes()})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the payload object")
	}
	return claims, nil
}

// refDecodeRegistered is decodeRegistered with json.Unmarshal.
func refDecodeRegistered(claims []Claim) (registered, error) {
	var r registered
	var scp []string
	haveScope := false
	for _, c := range claims {
		var err error
		switch c.Name {
		case "iss":
			r.hasIss = true
			err = json.Unmarshal(c.Value, &r.iss)
		case "client_id":
			err = json.Unmarshal(c.Value, &r.clientID)
		case "token_use":
			err = json.Unmarshal(c.Value, &r.tokenUse)
		case "aud":
			r.hasAud = true
			var list []string
			list, err = refStringOrList(c.Value)
			if len(c.Value) > 0 && c.Value[0] == '[' {
				r.audList, r.aud = true, list
			} else if len(list) == 1 {
				r.aud1 = list[0]
			}
		case "exp":
			r.hasExp = true
			r.exp, err = refNumericDate(c.Value)
		case "nbf":
			r.hasNbf = true
			r.nbf, err = refNumericDate(c.Value)
		case "iat":
			r.hasIat = true
			r.iat, err = refNumericDate(c.Value)
		case "scope":
			var s string
			err = json.Unmarshal(c.Value, &s)
			haveScope = true
			r.scopes = strings.Fields(s)
		case "scp":
			var list []string
			list, err = refStringOrList(c.Value)
			for _, s := range list {
				scp = append(scp, strings.Fields(s)...)
			}
		}
		if err != nil {
			return r, fmt.Errorf("claim %q: %w", c.Name, err)
		}
	}
	if !haveScope {
		r.scopes = scp
	}
	return r, nil
}

func refStringOrList(raw json.RawMessage) ([]string, error) {
	if len(raw) > 0 && raw[0] == '[' {
		var list []string
		err := json.Unmarshal(raw, &list)
		return list, err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func refNumericDate(raw json.RawMessage) (float64, error) {
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' {
		return 0, errors.New("not a number")
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	return n.Float64()
}

// stricter reports whether token is one the hand-written parser refuses
// on purpose where go-jose did not (docs/jwt-authorizers.md): a header
// with a duplicate name, a crit or b64 member, or nesting deeper than
// maxHeaderDepth; or a header or payload part that is not the canonical
// base64url of its bytes (go-jose verified the signature over the
// re-encoded parts, so a line break or other trailing bits in them did
// not matter; Verify checks the signature over the token's own text, as
// RFC 7515 §5.2 says). Verify must refuse such a token.
func stricter(token string) bool {
	h, rest, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	if p, _, ok := strings.Cut(rest, "."); ok {
		for _, part := range []string{h, p} {
			if b, err := decodeSegment(part); err == nil && base64.RawURLEncoding.EncodeToString(b) != part {
				return true
			}
		}
	}
	hdr, err := decodeSegment(h)
	if err != nil {
		return false
	}
	members, _, err := scanObject(bytes.Clone(hdr), maxPayloadDepth, nil)
	if err != nil {
		return false // not JSON: go-jose refuses it too
	}
	if _, _, err := scanObject(hdr, maxHeaderDepth, nil); err != nil {
		return true
	}
	seen := map[string]bool{}
	for _, m := range members {
		name, err := memberName(hdr, m)
		if err != nil {
			return false
		}
		if seen[name] || name == "crit" || name == "b64" {
			return true
		}
		seen[name] = true
	}
	return false
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(s)
}
