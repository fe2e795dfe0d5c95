// Package idtoken mints the short-lived signed JWTs that tell an
// integration who called (gatehouse's identity forwarding, off by
// default), and publishes their public keys as a JWKS document.
package idtoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DefaultTTL is how long a forwarded identity token is valid: long enough
// for one integration call, short enough to be useless when replayed.
const DefaultTTL = 60 * time.Second

// Claims describe the verified caller of one request.
type Claims struct {
	Subject   string // the caller's ARN
	Audience  string
	RequestID string
	AccountID string
	UserID    string
	UserName  string
	AccessKey string
	SourceIP  string
	APIID     string
	Stage     string
}

// Issuer signs identity tokens with an ES256 key.
type Issuer struct {
	issuer string
	kid    string
	signer jose.Signer
	jwks   []byte
	ttl    time.Duration
	now    func() time.Time
}

// Options configure an Issuer.
type Options struct {
	// Issuer is the iss claim, e.g. the gateway's admin URL.
	Issuer string
	// Key signs the tokens. Nil means a new P-256 key for this process.
	Key *ecdsa.PrivateKey
	// TTL is the token lifetime; 0 means DefaultTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns an Issuer.
func New(opts Options) (*Issuer, error) {
	key := opts.Key
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("generate identity key: %w", err)
		}
	}
	if key.Curve != elliptic.P256() {
		return nil, errors.New("identity key must be an ECDSA P-256 key (ES256)")
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	sum := sha256.Sum256(pub)
	kid := base64.RawURLEncoding.EncodeToString(sum[:12])
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("identity signer: %w", err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Algorithm: string(jose.ES256), Use: "sig"}}}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("identity JWKS: %w", err)
	}
	i := &Issuer{issuer: opts.Issuer, kid: kid, signer: signer, jwks: jwks, ttl: opts.TTL, now: opts.Now}
	if i.ttl <= 0 {
		i.ttl = DefaultTTL
	}
	if i.now == nil {
		i.now = time.Now
	}
	return i, nil
}

// LoadKey reads a PEM "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY" file.
func LoadKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("identity key %s: no PEM block", path)
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("identity key %s: %w", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("identity key %s: not an ECDSA key", path)
	}
	return ec, nil
}

// JWKS returns the public key set, for GET /.well-known/jwks.json.
func (i *Issuer) JWKS() []byte { return i.jwks }

// Issuer returns the iss claim of the tokens.
func (i *Issuer) Issuer() string { return i.issuer }

// tokenClaims is the JWT body.
type tokenClaims struct {
	jwt.Claims
	RequestID string `json:"requestId,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	UserID    string `json:"userId,omitempty"`
	UserName  string `json:"userName,omitempty"`
	AccessKey string `json:"accessKey,omitempty"`
	SourceIP  string `json:"sourceIp,omitempty"`
	APIID     string `json:"apiId,omitempty"`
	Stage     string `json:"stage,omitempty"`
}

// Mint returns a signed token for c.
func (i *Issuer) Mint(c Claims) (string, error) {
	now := i.now()
	tc := tokenClaims{
		Claims: jwt.Claims{
			Issuer:    i.issuer,
			Subject:   c.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(i.ttl)),
			ID:        c.RequestID,
		},
		RequestID: c.RequestID, AccountID: c.AccountID, UserID: c.UserID, UserName: c.UserName,
		AccessKey: c.AccessKey, SourceIP: c.SourceIP, APIID: c.APIID, Stage: c.Stage,
	}
	if c.Audience != "" {
		tc.Audience = jwt.Audience{c.Audience}
	}
	tok, err := jwt.Signed(i.signer).Claims(tc).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign identity token: %w", err)
	}
	return tok, nil
}
