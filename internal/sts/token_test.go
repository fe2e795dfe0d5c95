package sts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// emptyDir is a Directory with nothing in it: enough to issue tokens.
type emptyDir struct{}

func (emptyDir) Identity(string) (store.Identity, bool) { return store.Identity{}, false }
func (emptyDir) User(string) (store.UserIdentity, bool) { return store.UserIdentity{}, false }
func (emptyDir) Role(string) (store.RoleIdentity, bool) { return store.RoleIdentity{}, false }
func (emptyDir) AccountID() string                      { return "123456789012" }

// MinimumSessionTokenSize pads a token to at least that size, and not
// past the next base64 quantum.
func TestMinimumSessionTokenSize(t *testing.T) {
	a, err := NewAuthority(emptyDir{}, make([]byte, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, min := range []int{0, 100, 401, 402, 403, 404, 1000, 2049, 4095, 4096} {
		c, err := a.issue(&session{Kind: kindRole, Name: "R", ID: "AROA1", SessionName: "s"}, time.Hour, min)
		if err != nil {
			t.Fatal(err)
		}
		n := len(c.SessionToken)
		if n < min || (min > 400 && n >= min+4) {
			t.Errorf("MinimumSessionTokenSize %d: token of %d bytes", min, n)
		}
		if _, err := a.sealer.open(c.SessionToken); err != nil {
			t.Errorf("padded token does not open: %v", err)
		}
	}
}

// The largest session policy (2,048 characters, quotes everywhere) still
// fits STS's 4,096-byte session token.
func TestLargestTokenFits(t *testing.T) {
	a, err := NewAuthority(emptyDir{}, make([]byte, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	var stmts []string
	doc := ""
	for i := 0; len(doc) < 2048-120; i++ {
		stmts = append(stmts, `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/p/GET/`+strings.Repeat("x", i%7)+`"}`)
		doc = `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	web := &WebIdentity{Provider: CognitoIdentity, Issuer: "https://cognito-identity.amazonaws.com", Subject: "us-east-1:" + strings.Repeat("a", 36),
		Audience: []string{"us-east-1:" + strings.Repeat("b", 36)}, AMR: []string{"authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1",
			"cognito-idp.us-east-1.amazonaws.com/us-east-1_Gatehouse1:CognitoSignIn:" + strings.Repeat("c", 36)}}
	c, err := a.issue(&session{Kind: kindRole, Name: strings.Repeat("R", 64), ID: "AROA" + strings.Repeat("A", 17), SessionName: strings.Repeat("s", 64),
		Policy: json.RawMessage(doc), SourceIdentity: strings.Repeat("i", 64), Web: web}, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc) > 2048 || len(c.SessionToken) > 4096 {
		t.Errorf("policy of %d characters gives a token of %d bytes", len(doc), len(c.SessionToken))
	}
	t.Logf("policy %d characters → token %d bytes", len(doc), len(c.SessionToken))
}
