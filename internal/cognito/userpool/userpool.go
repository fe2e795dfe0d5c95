// Package userpool is gatehouse's Amazon Cognito user pools service: the
// JSON 1.1 API (X-Amz-Target: AWSCognitoIdentityProviderService.*) that
// signs users in — InitiateAuth and AdminInitiateAuth with
// USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH —
// and each pool's OpenID discovery document and JWKS at
// {issuer}/.well-known/openid-configuration and /.well-known/jwks.json,
// so that API Gateway's Cognito and JWT authorizers (and any OIDC
// library) verify its tokens.
//
// Users come from configuration, with argon2id password hashes
// (internal/cognito/password). Signing keys are derived from the IAM
// store key (internal/cognito/jwtkey), and refresh tokens are sealed
// under another derived key, so every gateway node sharing the store
// issues and accepts the same tokens with nothing in one process's
// memory. See docs/cognito.md.
package userpool

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
	"github.com/gatehouse/gatehouse/internal/cognito/jwtkey"
	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/sts"
	"github.com/gatehouse/gatehouse/internal/uuid"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Token lifetimes: Cognito's defaults for a new app client.
const (
	// TokenValidity is the life of ID and access tokens (ExpiresIn).
	TokenValidity = time.Hour
	// RefreshTokenValidity is the life of refresh tokens.
	RefreshTokenValidity = 30 * 24 * time.Hour
)

// Key purposes, for DeriveKey: the pool's signing key seed and the
// refresh token sealing key. The pool id is appended to the first.
const (
	SigningKeyPurpose   = "cognito-idp/signing-key/v1/"
	RefreshKeyPurpose   = "cognito-idp/refresh-token/v1"
	SubjectKeyPurpose   = "cognito-idp/sub/v1"
	refreshTokenVersion = 1
)

// Pool is a hosted user pool.
type Pool struct {
	// ID is the pool id ({region}_{suffix}).
	ID string
	// Issuer is the iss of the pool's tokens and the base of its
	// discovery URLs: http://{awsEndpoints}/{ID}. Required.
	Issuer string
	// Clients are the pool's app clients.
	Clients []Client
	// Users are the pool's users.
	Users []User
}

// Client is an app client.
type Client struct {
	ID, Name string
}

// User is a pool user.
type User struct {
	Username string
	// PasswordHash is an argon2id PHC string (internal/cognito/password).
	PasswordHash string
	// Attributes go into ID tokens; sub is derived.
	Attributes map[string]string
}

// Principals resolves the access key of a signed request
// (AdminInitiateAuth) to its IAM principal. *sts.Authority implements
// it.
type Principals interface {
	Principal(accessKeyID, token string) (sts.Principal, bool)
}

// Options configure a Server.
type Options struct {
	// Region is the region of signatures (AdminInitiateAuth). Required.
	Region string
	// AccountID is the account of pool ARNs
	// (arn:aws:cognito-idp:{region}:{account}:userpool/{id}). Required.
	AccountID string
	// Pools are the hosted pools.
	Pools []Pool
	// DeriveKey returns a 32-byte key for a purpose, the same on every
	// node (store.DeriveKey). Required.
	DeriveKey func(purpose string) []byte
	// Principals resolves signed callers of the admin actions. Nil
	// refuses them (UnrecognizedClientException).
	Principals Principals
	// Logger receives refusals at debug level and failures at error
	// level; never passwords or tokens. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// PasswordParams are the argon2id parameters of the dummy hash
	// checked when a user does not exist, which should be those of the
	// users' hashes (cognito.passwordHashing) so that an unknown user
	// costs what a wrong password does. The zero value means
	// password.DefaultParams().
	PasswordParams password.Params
}

// pool is a hosted pool, ready to serve.
type pool struct {
	Pool
	key     *jwtkey.Key
	clients map[string]Client
	users   map[string]*User // by lower-case user name
	arn     string
	// discovery and jwks are the documents at {issuer}/.well-known/...
	discovery, jwks []byte
}

// Server serves the user pools API and the pools' well-known documents.
// It is safe for concurrent use.
type Server struct {
	region   string
	pools    map[string]*pool
	byClient map[string]*pool
	refresh  cipher.AEAD
	subKey   []byte
	// dummyHash is checked when a user does not exist, so that a wrong
	// user name costs what a wrong password does (no timing oracle).
	dummyHash string
	auth      Principals
	signer    *sigv4.Signer
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Server; it derives each pool's signing key (~0.2 s each).
func New(opts Options) (*Server, error) {
	if opts.Region == "" || opts.AccountID == "" || opts.DeriveKey == nil {
		return nil, errors.New("userpool: Region, AccountID and DeriveKey are required")
	}
	s := &Server{region: opts.Region, pools: map[string]*pool{}, byClient: map[string]*pool{}, auth: opts.Principals,
		log: opts.Logger, now: opts.Now, subKey: opts.DeriveKey(SubjectKeyPurpose)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	block, err := aes.NewCipher(opts.DeriveKey(RefreshKeyPurpose))
	if err != nil {
		return nil, fmt.Errorf("userpool: refresh token key: %w", err)
	}
	if s.refresh, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("userpool: refresh token key: %w", err)
	}
	pp := opts.PasswordParams
	if pp == (password.Params{}) {
		pp = password.DefaultParams()
	}
	if s.dummyHash, err = password.Hash("gatehouse: no such user", pp); err != nil {
		return nil, err
	}
	s.signer = sigv4.New(sigv4.Options{Region: opts.Region, Service: "cognito-idp", Now: s.now, ClockSkew: 15 * time.Minute,
		MaxBodyBytes: awsjson.DefaultMaxBodyBytes})
	for _, p := range opts.Pools {
		if _, dup := s.pools[p.ID]; dup {
			return nil, fmt.Errorf("userpool: duplicate pool %s", p.ID)
		}
		if p.Issuer == "" {
			return nil, fmt.Errorf("userpool: pool %s has no issuer", p.ID)
		}
		key, err := jwtkey.Derive(opts.DeriveKey(SigningKeyPurpose+p.ID), jwtkey.RS256)
		if err != nil {
			return nil, fmt.Errorf("userpool: pool %s: %w", p.ID, err)
		}
		region, _, _ := strings.Cut(p.ID, "_")
		hp := &pool{Pool: p, key: key, clients: map[string]Client{}, users: map[string]*User{},
			arn: "arn:aws:cognito-idp:" + region + ":" + opts.AccountID + ":userpool/" + p.ID}
		for _, c := range p.Clients {
			if other, dup := s.byClient[c.ID]; dup {
				return nil, fmt.Errorf("userpool: client %s is in pools %s and %s", c.ID, other.ID, p.ID)
			}
			hp.clients[c.ID] = c
			s.byClient[c.ID] = hp
		}
		for i := range p.Users {
			u := &p.Users[i]
			hp.users[strings.ToLower(u.Username)] = u
		}
		hp.discovery, hp.jwks = discoveryDoc(p.Issuer), jwtkey.JWKS(key)
		s.pools[p.ID] = hp
	}
	return s, nil
}

// subject is a user's sub: a UUID derived from the pool, the user name
// (lower-cased) and a key derived from the store key, so it is the same
// on every node and after every restart, and reveals nothing.
func (s *Server) subject(poolID, username string) string {
	m := hmac.New(sha256.New, s.subKey)
	m.Write([]byte(poolID))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(username)))
	var b [16]byte
	copy(b[:], m.Sum(nil))
	return uuid.Format(uuid.MarkV4(b))
}

// Issuer returns a hosted pool's issuer.
func (s *Server) Issuer(poolID string) (string, bool) {
	p, ok := s.pools[poolID]
	if !ok {
		return "", false
	}
	return p.Issuer, true
}

// Verifier returns a verifier of a hosted pool's tokens for the given
// audiences (app client ids; none: any). It reads the pool's discovery
// document and JWKS from this Server in process (jwtkey.HandlerClient),
// exactly as a remote verifier reads them over HTTP.
func (s *Server) Verifier(poolID string, audiences []string) (*jwtauth.Verifier, bool) {
	p, ok := s.pools[poolID]
	if !ok {
		return nil, false
	}
	jwks := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, p.jwks) })
	return jwtauth.New(jwtauth.Options{Issuer: p.Issuer, Audiences: audiences, Now: s.now,
		JWKSURI: p.Issuer + "/.well-known/jwks.json", HTTPClient: jwtkey.HandlerClient(jwks)}), true
}
