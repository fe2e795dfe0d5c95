package iam

import (
	"strconv"
	"strings"
	"time"
)

// Context is the request context that policies are evaluated against: the
// values of the condition keys (and policy variables) for one request. The
// caller fills it once per request and may share it, read-only, between
// evaluations.
//
// The well-known keys below are plain fields; any other key (for example
// "aws:SourceVpce", "aws:PrincipalTag/team",
// "cognito-identity.amazonaws.com:aud") is stored with [Context.Set]. Key
// names are case-insensitive, as IAM documents for condition keys
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
// An empty string field, a nil *bool and a zero time mean the key is absent
// from the request context, which matters to ...IfExists, Null and the
// negated operators.
//
// The zero value is an empty context: every key absent, anonymous caller.
type Context struct {
	// PrincipalARN is aws:PrincipalArn, the caller's ARN (an IAM user
	// "arn:aws:iam::123456789012:user/alice", a role session
	// "arn:aws:sts::123456789012:assumed-role/Role/session", or an account
	// root). It is also what the Principal element of a resource or trust
	// policy is matched against. Empty means anonymous.
	PrincipalARN string
	// PrincipalAccount is aws:PrincipalAccount, the caller's 12-digit
	// account id. Empty means it is taken from PrincipalARN when that parses
	// as an ARN.
	PrincipalAccount string
	// PrincipalType is aws:PrincipalType: "Account", "User",
	// "FederatedUser", "AssumedRole" or "Anonymous". Empty means absent.
	PrincipalType string
	// Username is aws:username, present only for IAM users. Empty means
	// absent.
	Username string
	// UserID is aws:userid: the user's unique id (AIDA...), or
	// "AROA...:session" for a role session. Empty means absent.
	UserID string
	// FederatedProvider is aws:FederatedProvider, the identity provider that
	// issued a web identity ("cognito-identity.amazonaws.com" or an OIDC
	// issuer). The Federated principal of a trust policy is matched against
	// it. Empty means absent.
	FederatedProvider string
	// PrincipalServiceName is aws:PrincipalServiceName, set when an AWS
	// service principal ("lambda.amazonaws.com") makes the request; the
	// Service principal of a trust policy is matched against it. Empty means
	// absent.
	PrincipalServiceName string
	// SourceIP is aws:SourceIp, the caller's IPv4 or IPv6 address in text
	// form. Empty means absent.
	SourceIP string
	// UserAgent is aws:UserAgent. Empty means absent.
	UserAgent string
	// Referer is aws:Referer. Empty means absent.
	Referer string
	// CurrentTime is aws:CurrentTime, and its seconds since the Unix epoch
	// are aws:EpochTime. The zero time means both keys are absent.
	CurrentTime time.Time
	// SecureTransport is aws:SecureTransport (true for TLS). Nil means
	// absent.
	SecureTransport *bool
	// MultiFactorAuthPresent is aws:MultiFactorAuthPresent. Nil means
	// absent, which is the case for long-term access keys: IAM recommends
	// BoolIfExists with this key for that reason
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent).
	MultiFactorAuthPresent *bool

	// keys holds every other key, lower-cased.
	keys map[string][]string
}

// Set stores values for a condition key that has no field of its own, or
// overrides a field's key when the field is empty. The key name is
// case-insensitive. A key with several values is multi-valued (for the
// ForAllValues / ForAnyValue set operators); Set with no values removes the
// key. Set is not safe for concurrent use with evaluation.
func (c *Context) Set(key string, values ...string) {
	k := strings.ToLower(key)
	if len(values) == 0 {
		delete(c.keys, k)
		return
	}
	if c.keys == nil {
		c.keys = make(map[string][]string)
	}
	c.keys[k] = append([]string(nil), values...)
}

// Get returns the values of a condition key as the evaluator sees them, and
// whether the key is present. Key names are case-insensitive.
func (c *Context) Get(key string) ([]string, bool) {
	one, many, ok := c.lookup(compileKey(key))
	if !ok {
		return nil, false
	}
	if many != nil {
		return append([]string(nil), many...), true
	}
	return []string{one}, true
}

// keyID identifies the well-known keys that have a Context field.
type keyID uint8

const (
	keyOther keyID = iota
	keyPrincipalArn
	keyPrincipalAccount
	keyPrincipalType
	keyUsername
	keyUserID
	keyFederatedProvider
	keyPrincipalServiceName
	keySourceIP
	keyUserAgent
	keyReferer
	keyCurrentTime
	keyEpochTime
	keySecureTransport
	keyMFAPresent
)

// wellKnownKey maps a lower-cased key name to its field, or keyOther.
func wellKnownKey(name string) keyID {
	switch name {
	case "aws:principalarn":
		return keyPrincipalArn
	case "aws:principalaccount":
		return keyPrincipalAccount
	case "aws:principaltype":
		return keyPrincipalType
	case "aws:username":
		return keyUsername
	case "aws:userid":
		return keyUserID
	case "aws:federatedprovider":
		return keyFederatedProvider
	case "aws:principalservicename":
		return keyPrincipalServiceName
	case "aws:sourceip":
		return keySourceIP
	case "aws:useragent":
		return keyUserAgent
	case "aws:referer":
		return keyReferer
	case "aws:currenttime":
		return keyCurrentTime
	case "aws:epochtime":
		return keyEpochTime
	case "aws:securetransport":
		return keySecureTransport
	case "aws:multifactorauthpresent":
		return keyMFAPresent
	}
	return keyOther
}

// ctxKey is a compiled condition key or policy variable name.
type ctxKey struct {
	id   keyID
	name string // lower-cased
}

func compileKey(name string) ctxKey {
	n := strings.ToLower(name)
	return ctxKey{id: wellKnownKey(n), name: n}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// lookup returns a key's value(s): either one (many == nil) or many. It
// does not allocate except for the time keys read as strings.
func (c *Context) lookup(k ctxKey) (one string, many []string, ok bool) {
	if c == nil {
		return "", nil, false
	}
	var v string
	switch k.id {
	case keyPrincipalArn:
		v = c.PrincipalARN
	case keyPrincipalAccount:
		v = c.principalAccount()
	case keyPrincipalType:
		v = c.PrincipalType
	case keyUsername:
		v = c.Username
	case keyUserID:
		v = c.UserID
	case keyFederatedProvider:
		v = c.FederatedProvider
	case keyPrincipalServiceName:
		v = c.PrincipalServiceName
	case keySourceIP:
		v = c.SourceIP
	case keyUserAgent:
		v = c.UserAgent
	case keyReferer:
		v = c.Referer
	case keyCurrentTime:
		if !c.CurrentTime.IsZero() {
			v = c.CurrentTime.UTC().Format(time.RFC3339)
		}
	case keyEpochTime:
		if !c.CurrentTime.IsZero() {
			v = strconv.FormatInt(c.CurrentTime.Unix(), 10)
		}
	case keySecureTransport:
		if c.SecureTransport != nil {
			v = boolString(*c.SecureTransport)
		}
	case keyMFAPresent:
		if c.MultiFactorAuthPresent != nil {
			v = boolString(*c.MultiFactorAuthPresent)
		}
	}
	if v != "" {
		return v, nil, true
	}
	vs, ok := c.keys[k.name]
	if !ok || len(vs) == 0 {
		return "", nil, false
	}
	if len(vs) == 1 {
		return vs[0], nil, true
	}
	return "", vs, true
}

// variable resolves a policy variable: a key with exactly one value. A
// multi-valued key cannot be used as a variable.
func (c *Context) variable(k ctxKey) (string, bool) {
	one, many, ok := c.lookup(k)
	if !ok || many != nil {
		return "", false
	}
	return one, true
}

// principalAccount returns PrincipalAccount or the account of PrincipalARN.
func (c *Context) principalAccount() string {
	if c.PrincipalAccount != "" {
		return c.PrincipalAccount
	}
	_, _, _, acct, _, ok := splitARN(c.PrincipalARN)
	if !ok {
		return ""
	}
	return acct
}

// BoolPtr returns a pointer to b, for Context.SecureTransport and
// Context.MultiFactorAuthPresent.
func BoolPtr(b bool) *bool { return &b }
