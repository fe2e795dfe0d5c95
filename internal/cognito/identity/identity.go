// Package identity is gatehouse's Amazon Cognito Identity service (identity
// pools, "federated identities"): the JSON 1.1 API (X-Amz-Target:
// AWSCognitoIdentityService.*) with GetId, GetCredentialsForIdentity (the
// enhanced flow) and GetOpenIdToken, served on the awsEndpoints listener.
//
// An identity pool trades a login — an ID token of a user pool (local or
// Cognito's) or of any OIDC issuer — for temporary credentials of its
// authenticated role, and a guest for those of its unauthenticated role.
// The credentials are minted as Cognito does: the pool signs its own
// OpenID token (iss https://cognito-identity.amazonaws.com, aud the pool
// id, amr ["authenticated", provider ...]) and STS's
// AssumeRoleWithWebIdentity verifies it and checks the role's trust
// policy (cognito-identity.amazonaws.com:aud and :amr conditions), so a
// role that does not trust the pool gives nothing.
//
// Nothing is stored: an identity id is derived from the pool, the
// provider and the token's subject under a key derived from the IAM store
// key, so every node computes the same id and recognises the pool of any
// id it is shown. See docs/cognito.md.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
	"github.com/gatehouse/gatehouse/internal/cognito/jwtkey"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/sts"
	"github.com/gatehouse/gatehouse/internal/uuid"
)

// Service is the X-Amz-Target prefix of the Cognito Identity API.
const Service = "AWSCognitoIdentityService"

// Issuer is the iss of the OpenID tokens identity pools sign.
const Issuer = "https://cognito-identity.amazonaws.com"

// Key purposes, for DeriveKey.
const (
	OpenIDKeyPurpose   = "cognito-identity/openid-key/v1"
	IdentityKeyPurpose = "cognito-identity/identity-id/v1"
)

// Lifetimes, as Cognito documents them.
const (
	// OpenIDTokenValidity is the life of GetOpenIdToken's tokens ("valid
	// for 10 minutes").
	OpenIDTokenValidity = 10 * time.Minute
	// CredentialsDuration is the session length of the enhanced flow's
	// credentials (one hour).
	CredentialsDuration = 3600
	// SessionName is the role session name of the enhanced flow.
	SessionName = "CognitoIdentityCredentials"
)

// TokenVerifier verifies a login's token. *jwtauth.Verifier implements
// it.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (*jwtauth.Claims, error)
}

// Provider is an identity provider of a pool.
type Provider struct {
	// Name is the Logins key: cognito-idp.{region}.amazonaws.com/{poolId}
	// for a user pool, the issuer without its scheme for OIDC.
	Name string
	// UserPool is true for a Cognito user pool (its logins must be ID
	// tokens, and amr names them "...:CognitoSignIn:{sub}").
	UserPool bool
	// Verifier checks the provider's tokens: signature, iss, exp and the
	// client id (aud). Required.
	Verifier TokenVerifier
}

// Pool is an identity pool.
type Pool struct {
	// ID is "{region}:{uuid}".
	ID string
	// Providers are the pool's identity providers.
	Providers []Provider
	// AuthenticatedRole and UnauthenticatedRole are role names or ARNs;
	// UnauthenticatedRole "" refuses guests.
	AuthenticatedRole, UnauthenticatedRole string
}

// Assumer mints a role's credentials for a web identity token:
// *sts.Server.
type Assumer interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in sts.WebIdentityInput) (sts.WebIdentityOutput, error)
}

// Roles resolves a role name to its ARN (with its path), from the IAM
// store's current snapshot.
type Roles interface {
	RoleARN(name string) (string, bool)
}

// Options configure a Server.
type Options struct {
	// Pools are the identity pools.
	Pools []Pool
	// DeriveKey returns a 32-byte key for a purpose, the same on every
	// node (store.DeriveKey). Required.
	DeriveKey func(purpose string) []byte
	// Logger receives refusals at debug level and failures at error
	// level; never tokens or credentials. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Server serves the Cognito Identity API. Set STS and Roles (with
// SetCredentials) before serving GetCredentialsForIdentity: STS needs
// the Server's WebIdentityProvider first. Safe for concurrent use once
// serving.
type Server struct {
	pools map[string]*Pool
	key   *jwtkey.Key
	idKey []byte
	tags  map[[4]byte]*Pool
	jwks  []byte
	sts   Assumer
	roles Roles
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Server; it derives the OpenID token signing key (~0.2 s).
func New(opts Options) (*Server, error) {
	if opts.DeriveKey == nil {
		return nil, errors.New("identity: DeriveKey is required")
	}
	key, err := jwtkey.Derive(opts.DeriveKey(OpenIDKeyPurpose), jwtkey.RS512)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	s := &Server{pools: map[string]*Pool{}, key: key, idKey: opts.DeriveKey(IdentityKeyPurpose), tags: map[[4]byte]*Pool{},
		jwks: jwtkey.JWKS(key), log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i := range opts.Pools {
		p := &opts.Pools[i]
		if _, dup := s.pools[p.ID]; dup {
			return nil, fmt.Errorf("identity: duplicate pool %s", p.ID)
		}
		tag := s.tag(p.ID)
		if other, dup := s.tags[tag]; dup {
			return nil, fmt.Errorf("identity: pools %s and %s collide; rename one", other.ID, p.ID)
		}
		s.pools[p.ID], s.tags[tag] = p, p
	}
	return s, nil
}

// SetCredentials gives the Server what GetCredentialsForIdentity needs.
func (s *Server) SetCredentials(a Assumer, r Roles) { s.sts, s.roles = a, r }

// WebIdentityProvider is the provider STS's AssumeRoleWithWebIdentity
// needs for this Server's OpenID tokens: issuer
// https://cognito-identity.amazonaws.com, Federated principal and
// condition key prefix cognito-identity.amazonaws.com, verified with the
// Server's key (read in process, as jwtkey.HandlerClient describes).
func (s *Server) WebIdentityProvider() sts.WebIdentityProvider {
	jwks := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.jwks) })
	return sts.WebIdentityProvider{Issuer: Issuer, Principal: sts.CognitoIdentity, KeyPrefix: sts.CognitoIdentity,
		Verifier: jwtauth.New(jwtauth.Options{Issuer: Issuer, JWKSURI: Issuer + "/.well-known/jwks_uri", Now: s.now,
			HTTPClient: jwtkey.HandlerClient(jwks)})}
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

// ServePath serves /.well-known/jwks_uri, the keys of the OpenID tokens
// (Cognito publishes them at https://cognito-identity.amazonaws.com/.well-known/jwks_uri),
// and reports false for any other request.
func (s *Server) ServePath(w http.ResponseWriter, r *http.Request) bool {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.Path != "/.well-known/jwks_uri" {
		return false
	}
	writeJSON(w, s.jwks)
	return true
}

// tag is the first four bytes of a pool's identity ids.
func (s *Server) tag(poolID string) [4]byte {
	var t [4]byte
	copy(t[:], s.mac("pool", poolID))
	return t
}

func (s *Server) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.idKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

func regionOf(poolID string) string {
	r, _, _ := strings.Cut(poolID, ":")
	return r
}

// authenticatedID is the identity id of a provider's subject in a pool:
// the same for the same pool, provider and sub, on every node.
func (s *Server) authenticatedID(p *Pool, provider, sub string) string {
	var b [16]byte
	t := s.tag(p.ID)
	copy(b[:4], t[:])
	copy(b[4:], s.mac("auth", p.ID, provider, sub))
	return regionOf(p.ID) + ":" + uuid.Format(uuid.MarkV4(b))
}

// guestID returns a new identity id for a guest: random, and
// recognisable as this pool's guest (guestIDValid) with nothing stored.
func (s *Server) guestID(p *Pool) (string, error) {
	var b [16]byte
	t := s.tag(p.ID)
	copy(b[:4], t[:])
	if _, err := rand.Read(b[4:10]); err != nil {
		return "", err
	}
	b = uuid.MarkV4(b)
	copy(b[10:], s.mac("guest", p.ID, string(b[4:10])))
	return regionOf(p.ID) + ":" + uuid.Format(b), nil
}

// parseID finds the pool of an identity id and whether it is one of its
// guest ids.
func (s *Server) parseID(id string) (p *Pool, guest, ok bool) {
	region, u, found := strings.Cut(id, ":")
	if !found || len(u) != 36 {
		return nil, false, false
	}
	var b [16]byte
	hexs := strings.ReplaceAll(u, "-", "")
	if len(hexs) != 32 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-' {
		return nil, false, false
	}
	for i := range b {
		hi, ok1 := unhex(hexs[2*i])
		lo, ok2 := unhex(hexs[2*i+1])
		if !ok1 || !ok2 {
			return nil, false, false
		}
		b[i] = hi<<4 | lo
	}
	var t [4]byte
	copy(t[:], b[:4])
	p, found = s.tags[t]
	if !found || regionOf(p.ID) != region {
		return nil, false, false
	}
	want := s.mac("guest", p.ID, string(b[4:10]))
	return p, hmac.Equal(want[:6], b[10:]), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// login is a verified login: the provider and the token's subject.
type login struct {
	provider *Provider
	sub      string
}

// verifyLogins verifies every token of logins against the pool's
// providers and returns them sorted by provider name.
func (s *Server) verifyLogins(ctx context.Context, p *Pool, logins map[string]string) ([]login, *awsjson.Error) {
	names := make([]string, 0, len(logins))
	for k := range logins {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]login, 0, len(names))
	for _, name := range names {
		var prov *Provider
		for i := range p.Providers {
			if p.Providers[i].Name == name {
				prov = &p.Providers[i]
			}
		}
		if prov == nil {
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Token is not from a supported provider of this identity pool.")
		}
		claims, err := prov.Verifier.Verify(ctx, logins[name])
		if err != nil {
			return nil, s.loginError(err, logins[name])
		}
		if _, ok := claims.Get("aud"); !ok {
			// An access token (client_id, no aud) is not a login.
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Missing a required claim: aud")
		}
		if prov.UserPool {
			if use, _ := claims.String("token_use"); use != "id" {
				return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Not a valid OpenId Connect identity token.")
			}
		}
		sub, _ := claims.String("sub")
		if sub == "" {
			return nil, awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Missing a required claim: sub")
		}
		out = append(out, login{provider: prov, sub: sub})
	}
	return out, nil
}

// loginError answers a token the provider's verifier refused, in
// Cognito's words where known (docs/cognito.md).
func (s *Server) loginError(err error, token string) *awsjson.Error {
	var je *jwtauth.Error
	if !errors.As(err, &je) {
		return awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Couldn't verify signed token.")
	}
	switch je.Reason {
	case jwtauth.ReasonExpired:
		exp, _ := expiry(token)
		return awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Token expired: %d >= %d", s.now().Unix(), exp)
	case jwtauth.ReasonWrongAudience:
		return awsjson.Errorf(awsjson.TypeNotAuthorized, "Token is not from a supported provider of this identity pool.")
	case jwtauth.ReasonWrongIssuer:
		return awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Issuer doesn't match providerName")
	case jwtauth.ReasonMalformed, jwtauth.ReasonTooLarge:
		return awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Not a valid OpenId Connect identity token.")
	case jwtauth.ReasonJWKSUnavailable:
		return &awsjson.Error{Status: http.StatusBadRequest, Type: "ExternalServiceException",
			Message: "Couldn't retrieve the identity provider's signing keys.", Err: err}
	}
	return awsjson.Errorf(awsjson.TypeNotAuthorized, "Invalid login token. Couldn't verify signed token.")
}
