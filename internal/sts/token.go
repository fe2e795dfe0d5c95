package sts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// TokenKeyPurpose names the key that seals session tokens, derived from
// the IAM store key (store.DeriveKey): every node sharing the store
// derives the same key.
const TokenKeyPurpose = "sts/session-token/v1"

// tokenVersion is the first byte of every sealed token; a future format
// (or key rotation) takes another value.
const tokenVersion = 1

// tokenAAD binds the ciphertext to its use: a box sealed for something
// else under the same key does not open as a token.
const tokenAAD = "gatehouse sts session token v1"

// MaxTokenBytes is the longest session token that is decoded at all; a
// longer X-Amz-Security-Token is invalid without further work. Tokens
// gatehouse issues stay well below it (a 2,048-character session policy
// included).
const MaxTokenBytes = 8192

// Session kinds, the "t" of a token.
const (
	kindRole = "role" // AssumeRole, AssumeRoleWithWebIdentity
	kindUser = "user" // GetSessionToken
)

// session is what a session token carries, sealed: the temporary
// credentials themselves and who they stand for. Field names are short
// to keep tokens small; the JSON never leaves the ciphertext.
type session struct {
	// AccessKeyID ("ASIA...") and Secret are the temporary credentials.
	AccessKeyID string `json:"k"`
	Secret      string `json:"s"`
	// Issued and Expires are Unix seconds.
	Issued  int64 `json:"i"`
	Expires int64 `json:"e"`
	// Kind is kindRole or kindUser; Name and ID name the role (RoleName,
	// "AROA...") or the user (UserName, "AIDA...").
	Kind string `json:"t"`
	Name string `json:"n"`
	ID   string `json:"d"`
	// SessionName is the role session name.
	SessionName string `json:"r,omitempty"`
	// Policy is the inline session policy, compact JSON, nil for none
	// (raw, so that its quotes are not escaped: tokens stay small).
	Policy json.RawMessage `json:"p,omitempty"`
	// SourceIdentity is AssumeRole's SourceIdentity.
	SourceIdentity string `json:"si,omitempty"`
	// Web describes the web identity of AssumeRoleWithWebIdentity.
	Web *WebIdentity `json:"w,omitempty"`
	// Pad lengthens the token to MinimumSessionTokenSize.
	Pad string `json:"z,omitempty"`
}

// WebIdentity is the verified web identity behind a session from
// AssumeRoleWithWebIdentity: what $context.identity.cognito* are made of
// for Cognito identity pool callers.
type WebIdentity struct {
	// Provider is the Federated principal the trust policy matched:
	// "cognito-identity.amazonaws.com" or an OIDC provider's ARN.
	Provider string `json:"p"`
	// Issuer is the token's iss (the Provider element of the response).
	Issuer string `json:"iss"`
	// Subject and Audience are the token's sub and aud (for Cognito: the
	// identity id and the identity pool id).
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	// AMR is the token's amr (for Cognito: "authenticated" or
	// "unauthenticated", then the login providers).
	AMR []string `json:"amr,omitempty"`
}

// sealer seals and opens session tokens with AES-256-GCM.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("session token key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session token key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns base64(version || nonce || ciphertext): the session token.
func (s *sealer) seal(sess *session) (string, error) {
	plain, err := json.Marshal(sess)
	if err != nil {
		return "", fmt.Errorf("seal session: %w", err)
	}
	ns := s.aead.NonceSize()
	box := make([]byte, 1+ns, 1+ns+len(plain)+s.aead.Overhead())
	box[0] = tokenVersion
	if _, err := rand.Read(box[1:]); err != nil {
		return "", fmt.Errorf("seal session: %w", err)
	}
	box = s.aead.Seal(box, box[1:1+ns], plain, []byte(tokenAAD))
	return base64.StdEncoding.EncodeToString(box), nil
}

// tokenError is the type of errBadToken; a string type lets the sentinel
// be a constant.
type tokenError string

func (e tokenError) Error() string { return string(e) }

// errBadToken is every reason a token does not open: never more precise,
// so that a forger learns nothing.
const errBadToken = tokenError("invalid session token")

// open returns the session sealed in token, or errBadToken.
func (s *sealer) open(token string) (*session, error) {
	if len(token) == 0 || len(token) > MaxTokenBytes {
		return nil, errBadToken
	}
	box, err := base64.StdEncoding.DecodeString(token)
	ns := s.aead.NonceSize()
	if err != nil || len(box) < 1+ns+s.aead.Overhead() || box[0] != tokenVersion {
		return nil, errBadToken
	}
	plain, err := s.aead.Open(nil, box[1:1+ns], box[1+ns:], []byte(tokenAAD))
	if err != nil {
		return nil, errBadToken
	}
	var sess session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.AccessKeyID == "" || sess.Secret == "" {
		return nil, errBadToken
	}
	return &sess, nil
}

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newAccessKeyID returns "ASIA" and 16 characters of [A-Z2-7] from
// crypto/rand: the shape of AWS's temporary access key ids.
func newAccessKeyID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate access key id: %w", err)
	}
	for i := range b {
		b[i] = base32Upper[b[i]&31]
	}
	return "ASIA" + string(b), nil
}

// newSecret returns 40 base64 characters from 30 random bytes.
func newSecret() (string, error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// CognitoIdentityInfo describes an identity pool caller as API Gateway's
// $context.identity.cognito* variables do.
type CognitoIdentityInfo struct {
	// IdentityID is the identity id (the token's sub).
	IdentityID string
	// PoolID is the identity pool id (the token's aud).
	PoolID string
	// AuthenticationType is "authenticated" or "unauthenticated" (the
	// first amr value).
	AuthenticationType string
	// AuthenticationProvider is the other amr values joined with ",", as
	// API Gateway writes cognitoAuthenticationProvider:
	// "cognito-idp.{region}.amazonaws.com/{pool},cognito-idp.{region}.amazonaws.com/{pool}:CognitoSignIn:{sub}".
	AuthenticationProvider string
}

// Cognito returns the identity pool view of a web identity issued by
// Cognito identity (the cognito-identity.amazonaws.com provider); ok is
// false for other providers and for a nil w.
func (w *WebIdentity) Cognito() (CognitoIdentityInfo, bool) {
	if w == nil || w.Provider != CognitoIdentity {
		return CognitoIdentityInfo{}, false
	}
	info := CognitoIdentityInfo{IdentityID: w.Subject}
	if len(w.Audience) > 0 {
		info.PoolID = w.Audience[0]
	}
	if len(w.AMR) > 0 {
		info.AuthenticationType = w.AMR[0]
		info.AuthenticationProvider = strings.Join(w.AMR[1:], ",")
	}
	return info, true
}
