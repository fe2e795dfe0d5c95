package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Claim is one claim of a verified token: its name and its JSON value,
// compacted but otherwise byte-for-byte as in the token.
type Claim struct {
	Name  string
	Value json.RawMessage

	// Set by Verify: the kind of Value (kindString, ...; 0 for a Claim
	// made elsewhere) and its text: a string's value, "" for null, else
	// Value's JSON text. Value and text share the verified payload.
	kind byte
	text string
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
	if cl := c.find(name); cl != nil {
		return cl.Value, true
	}
	return nil, false
}

// String returns the named claim when it is a JSON string (null reads as
// "", as json.Unmarshal into a string has it). It does not allocate for
// claims that Verify returned.
func (c *Claims) String(name string) (string, bool) {
	cl := c.find(name)
	if cl == nil {
		return "", false
	}
	return cl.str()
}

// Text returns the named claim as HTTP APIs pass claims to integrations
// and $context.authorizer.jwt.claims: a string as its value, any other
// value as its JSON text, "" when absent. It does not allocate for claims
// that Verify returned.
func (c *Claims) Text(name string) string {
	cl := c.find(name)
	if cl == nil {
		return ""
	}
	if s, ok := cl.str(); ok {
		return s
	}
	if cl.kind != 0 {
		return cl.text
	}
	return string(cl.Value)
}

func (c *Claims) find(name string) *Claim {
	for i := range c.All {
		if c.All[i].Name == name {
			return &c.All[i]
		}
	}
	return nil
}

// str returns the claim's string value, as json.Unmarshal into a string
// would.
func (cl *Claim) str() (string, bool) {
	switch cl.kind {
	case kindString, kindNull:
		return cl.text, true
	case 0: // not made by parseClaims
		var s string
		if json.Unmarshal(cl.Value, &s) != nil {
			return "", false
		}
		return s, true
	}
	return "", false
}

// maxLinearDup is the claim count up to which duplicates are found by
// comparing every pair; longer payloads use a map.
const maxLinearDup = 32

// parseClaims decodes a JWT payload into its ordered claims and the
// registered claims Verify checks. The payload must be exactly one JSON
// object; duplicate claim names are rejected so that no two JSON parsers
// can disagree about what the token says (RFC 7519 §4). payload is
// compacted in place and kept: the claims' values point into it. members
// is scratch space.
func parseClaims(payload []byte, members []member) ([]Claim, registered, []member, error) {
	members, n, err := scanObject(payload, maxPayloadDepth, members[:0])
	if err != nil {
		if errors.Is(err, errNoObject) {
			err = errors.New("payload is not a JSON object")
		}
		return nil, registered{}, members, err
	}
	payload = payload[:n:n]
	text := string(payload) // names and string values are substrings of it
	all := make([]Claim, len(members))
	for i, m := range members {
		c := &all[i]
		if m.namePlain {
			c.Name = text[m.name.start+1 : m.name.end-1]
		} else if c.Name, err = unquote(text[m.name.start:m.name.end]); err != nil {
			return nil, registered{}, members, err
		}
		c.Value = payload[m.val.start:m.val.end:m.val.end]
		c.kind = m.kind
		switch {
		case m.kind == kindNull:
		case m.kind != kindString:
			c.text = text[m.val.start:m.val.end]
		case m.valuePlain:
			c.text = text[m.val.start+1 : m.val.end-1]
		default:
			if c.text, err = unquote(text[m.val.start:m.val.end]); err != nil {
				return nil, registered{}, members, err
			}
		}
	}
	if err := checkDuplicates(all); err != nil {
		return nil, registered{}, members, err
	}
	reg, err := decodeRegistered(all)
	return all, reg, members, err
}

func checkDuplicates(all []Claim) error {
	if len(all) <= maxLinearDup {
		for i := range all {
			for j := range i {
				if all[i].Name == all[j].Name {
					return fmt.Errorf("duplicate claim %q", all[i].Name)
				}
			}
		}
		return nil
	}
	seen := make(map[string]struct{}, len(all))
	for _, c := range all {
		if _, dup := seen[c.Name]; dup {
			return fmt.Errorf("duplicate claim %q", c.Name)
		}
		seen[c.Name] = struct{}{}
	}
	return nil
}

// registered holds the claims Verify checks, decoded strictly by type.
type registered struct {
	iss, clientID, tokenUse string
	hasIss, hasAud          bool
	aud                     []string // when aud is an array
	aud1                    string   // when aud is a string (no allocation)
	audList                 bool
	exp, nbf, iat           float64
	hasExp, hasNbf, hasIat  bool
	scopes                  []string
}

// decodeRegistered decodes the registered claims with the types RFC 7519
// gives them, exactly as json.Unmarshal did before: iss, client_id and
// token_use strings (null reads as ""), aud and scp a string or an array
// of strings, exp, nbf and iat numbers, scope a string.
func decodeRegistered(claims []Claim) (registered, error) {
	var r registered
	var scp []string
	haveScope := false
	for i := range claims {
		c := &claims[i]
		var err error
		switch c.Name {
		case "iss":
			r.hasIss = true
			r.iss, err = stringClaim(c)
		case "client_id":
			r.clientID, err = stringClaim(c)
		case "token_use":
			r.tokenUse, err = stringClaim(c)
		case "aud":
			r.hasAud = true
			if c.kind == kindArray {
				r.audList = true
				r.aud, err = stringOrList(c, nil)
			} else {
				r.aud1, err = stringClaim(c)
			}
		case "exp":
			r.hasExp = true
			r.exp, err = numericDate(c)
		case "nbf":
			r.hasNbf = true
			r.nbf, err = numericDate(c)
		case "iat":
			r.hasIat = true
			r.iat, err = numericDate(c)
		case "scope":
			var s string
			s, err = stringClaim(c)
			haveScope = true
			r.scopes = strings.Fields(s)
		case "scp":
			var list []string
			list, err = stringOrList(c, nil)
			for _, s := range list {
				scp = append(scp, strings.Fields(s)...)
			}
		}
		if err != nil {
			return registered{}, fmt.Errorf("claim %q: %w", c.Name, err)
		}
	}
	if !haveScope {
		r.scopes = scp
	}
	return r, nil
}

func stringClaim(c *Claim) (string, error) {
	if s, ok := c.str(); ok {
		return s, nil
	}
	return "", errors.New("not a string")
}

// stringOrList decodes a claim that RFC 7519 allows as a string or an array
// of strings (aud; scp in Okta and Azure AD tokens), appending to list.
func stringOrList(c *Claim, list []string) ([]string, error) {
	if c.kind == kindArray {
		if err := eachArrayString(c.text, func(s string) { list = append(list, s) }); err != nil {
			return nil, err
		}
		if list == nil {
			list = []string{} // [] is an empty list, not no list
		}
		return list, nil
	}
	s, err := stringClaim(c)
	if err != nil {
		return nil, err
	}
	return append(list, s), nil
}

// numericDate decodes a NumericDate: seconds since the epoch, possibly
// fractional (RFC 7519 §2). Strings such as "1700000000" are rejected.
func numericDate(c *Claim) (float64, error) {
	if c.kind != kindNumber {
		return 0, errors.New("not a number")
	}
	return strconv.ParseFloat(c.text, 64)
}
