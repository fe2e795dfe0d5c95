package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Claim is one claim of a verified token: its name and its JSON value,
// compacted but otherwise byte-for-byte as in the token.
type Claim struct {
	Name  string
	Value json.RawMessage
}

// Claims is the verified payload of a token.
type Claims struct {
	// All holds every claim in the order the token lists them. API Gateway
	// exposes them as $context.authorizer.jwt.claims (HTTP APIs) and
	// $context.authorizer.claims (REST Cognito authorizers).
	All []Claim
	// Scopes is the space-separated "scope" claim split into words or, when
	// there is no "scope", the "scp" claim (a string or an array of strings).
	// HTTP API routes match authorizationScopes against it. Nil when absent.
	Scopes []string
}

// Get returns the JSON value of the named claim.
func (c *Claims) Get(name string) (json.RawMessage, bool) {
	for _, cl := range c.All {
		if cl.Name == name {
			return cl.Value, true
		}
	}
	return nil, false
}

// String returns the named claim when it is a JSON string.
func (c *Claims) String(name string) (string, bool) {
	raw, ok := c.Get(name)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// parseClaims decodes a JWT payload into its ordered claims. The payload must
// be exactly one JSON object; duplicate claim names are rejected so that no
// two JSON parsers can disagree about what the token says (RFC 7519 §4).
func parseClaims(payload []byte) ([]Claim, error) {
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

// registered holds the claims Verify checks, decoded strictly by type.
type registered struct {
	iss, clientID, tokenUse string
	hasIss, hasAud          bool
	aud                     []string
	exp, nbf, iat           float64
	hasExp, hasNbf, hasIat  bool
	scopes                  []string
}

func decodeRegistered(claims []Claim) (registered, error) {
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
			r.aud, err = stringOrList(c.Value)
		case "exp":
			r.hasExp = true
			r.exp, err = numericDate(c.Value)
		case "nbf":
			r.hasNbf = true
			r.nbf, err = numericDate(c.Value)
		case "iat":
			r.hasIat = true
			r.iat, err = numericDate(c.Value)
		case "scope":
			var s string
			err = json.Unmarshal(c.Value, &s)
			haveScope = true
			r.scopes = strings.Fields(s)
		case "scp":
			var list []string
			list, err = stringOrList(c.Value)
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

// stringOrList decodes a claim that RFC 7519 allows as a string or an array
// of strings (aud; scp in Okta and Azure AD tokens).
func stringOrList(raw json.RawMessage) ([]string, error) {
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

// numericDate decodes a NumericDate: seconds since the epoch, possibly
// fractional (RFC 7519 §2). Strings such as "1700000000" are rejected.
func numericDate(raw json.RawMessage) (float64, error) {
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' {
		return 0, errors.New("not a number")
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	return n.Float64()
}
