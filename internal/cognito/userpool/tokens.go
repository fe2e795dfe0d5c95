package userpool

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
)

// claims writes a JSON object whose members keep the order they are
// added in: Cognito's order, which some clients print as they get it.
type claims struct{ b bytes.Buffer }

func (c *claims) raw(name string, v []byte) {
	if c.b.Len() == 0 {
		c.b.WriteByte('{')
	} else {
		c.b.WriteByte(',')
	}
	k, _ := json.Marshal(name)
	c.b.Write(k)
	c.b.WriteByte(':')
	c.b.Write(v)
}

func (c *claims) str(name, v string) {
	b, _ := json.Marshal(v)
	c.raw(name, b)
}

func (c *claims) num(name string, v int64) { c.raw(name, strconv.AppendInt(nil, v, 10)) }

func (c *claims) bytes() []byte {
	if c.b.Len() == 0 {
		return []byte("{}")
	}
	c.b.WriteByte('}')
	return c.b.Bytes()
}

// boolAttributes are the standard attributes whose values are booleans in
// tokens.
func boolAttribute(name string) bool {
	return name == "email_verified" || name == "phone_number_verified"
}

// authEvent is one authentication and what its tokens share: a
// refresh keeps the original auth_time, origin_jti and event_id, as
// Cognito does.
type authEvent struct {
	pool     *pool
	client   Client
	user     *User
	sub      string
	authTime int64
	origin   string // origin_jti
	event    string // event_id
}

// result is AuthenticationResult.
type result struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	IDToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	TokenType    string `json:"TokenType"`
}

// tokens issues the ID and access tokens of ev at now, and a refresh
// token when withRefresh (a refresh does not issue a new one, as Cognito
// without refresh token rotation).
func (s *Server) tokens(ev *authEvent, now time.Time, withRefresh bool) (*result, error) {
	iat := now.Unix()
	exp := now.Add(TokenValidity).Unix()

	var id claims
	id.str("sub", ev.sub)
	names := make([]string, 0, len(ev.user.Attributes))
	for k := range ev.user.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := ev.user.Attributes[k]
		if boolAttribute(k) && (v == "true" || v == "false") {
			id.raw(k, []byte(v))
			continue
		}
		id.str(k, v)
	}
	id.str("iss", ev.pool.Issuer)
	id.str("cognito:username", ev.user.Username)
	id.str("origin_jti", ev.origin)
	id.str("aud", ev.client.ID)
	id.str("event_id", ev.event)
	id.str("token_use", "id")
	id.num("auth_time", ev.authTime)
	id.num("exp", exp)
	id.num("iat", iat)
	id.str("jti", awsjson.NewRequestID())
	idToken, err := ev.pool.key.Sign(id.bytes())
	if err != nil {
		return nil, err
	}

	var ac claims
	ac.str("sub", ev.sub)
	ac.str("iss", ev.pool.Issuer)
	ac.str("client_id", ev.client.ID)
	ac.str("origin_jti", ev.origin)
	ac.str("event_id", ev.event)
	ac.str("token_use", "access")
	ac.str("scope", "aws.cognito.signin.user.admin")
	ac.num("auth_time", ev.authTime)
	ac.num("exp", exp)
	ac.num("iat", iat)
	ac.str("jti", awsjson.NewRequestID())
	ac.str("username", ev.user.Username)
	accessToken, err := ev.pool.key.Sign(ac.bytes())
	if err != nil {
		return nil, err
	}
	r := &result{AccessToken: accessToken, ExpiresIn: int(TokenValidity / time.Second), IDToken: idToken, TokenType: "Bearer"}
	if withRefresh {
		if r.RefreshToken, err = s.sealRefresh(ev, now); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// refreshClaims is what a refresh token carries, sealed. Field names are
// short; the JSON never leaves the ciphertext.
type refreshClaims struct {
	Pool     string `json:"p"`
	Client   string `json:"c"`
	Username string `json:"u"`
	Sub      string `json:"s"`
	AuthTime int64  `json:"a"`
	Origin   string `json:"o"`
	Event    string `json:"v"`
	Expires  int64  `json:"x"`
}

// refreshHeader is the protected header of refresh tokens: a JWE with
// direct encryption (RFC 7516, "dir" + A256GCM), opaque to clients as
// Cognito's (RSA-OAEP) are.
const refreshHeader = `{"cty":"JWT","enc":"A256GCM","alg":"dir","ver":` + "1" + `}`

// sealRefresh returns ev's refresh token: a compact JWE whose key is
// derived from the store key, so any node opens it.
func (s *Server) sealRefresh(ev *authEvent, now time.Time) (string, error) {
	plain, err := json.Marshal(refreshClaims{Pool: ev.pool.ID, Client: ev.client.ID, Username: ev.user.Username, Sub: ev.sub,
		AuthTime: ev.authTime, Origin: ev.origin, Event: ev.event, Expires: now.Add(RefreshTokenValidity).Unix()})
	if err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	enc := base64.RawURLEncoding
	hdr := enc.EncodeToString([]byte(refreshHeader))
	nonce := make([]byte, s.refresh.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	sealed := s.refresh.Seal(nil, nonce, plain, []byte(hdr))
	ct, tag := sealed[:len(sealed)-s.refresh.Overhead()], sealed[len(sealed)-s.refresh.Overhead():]
	return hdr + ".." + enc.EncodeToString(nonce) + "." + enc.EncodeToString(ct) + "." + enc.EncodeToString(tag), nil
}

// openRefresh opens a refresh token; ok is false for anything that is
// not one this store's key sealed (never more precise: a forger learns
// nothing).
func (s *Server) openRefresh(token string) (refreshClaims, bool) {
	if len(token) > 8192 {
		return refreshClaims{}, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 5 || parts[1] != "" {
		return refreshClaims{}, false
	}
	enc := base64.RawURLEncoding
	hdr, err := enc.DecodeString(parts[0])
	if err != nil || string(hdr) != refreshHeader {
		return refreshClaims{}, false
	}
	nonce, err1 := enc.DecodeString(parts[2])
	ct, err2 := enc.DecodeString(parts[3])
	tag, err3 := enc.DecodeString(parts[4])
	if err1 != nil || err2 != nil || err3 != nil || len(nonce) != s.refresh.NonceSize() || len(tag) != s.refresh.Overhead() {
		return refreshClaims{}, false
	}
	plain, err := s.refresh.Open(nil, nonce, append(ct, tag...), []byte(parts[0]))
	if err != nil {
		return refreshClaims{}, false
	}
	var rc refreshClaims
	if json.Unmarshal(plain, &rc) != nil {
		return refreshClaims{}, false
	}
	return rc, true
}

// discoveryDoc is a pool's OpenID discovery document: the members OIDC
// Discovery requires that apply to a pool without a hosted UI (no
// authorization or token endpoint; docs/cognito.md).
func discoveryDoc(issuer string) []byte {
	doc := struct {
		IDTokenAlgs      []string `json:"id_token_signing_alg_values_supported"`
		Issuer           string   `json:"issuer"`
		JWKSURI          string   `json:"jwks_uri"`
		ResponseTypes    []string `json:"response_types_supported"`
		ScopesSupported  []string `json:"scopes_supported"`
		SubjectTypes     []string `json:"subject_types_supported"`
		TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}{[]string{"RS256"}, issuer, issuer + "/.well-known/jwks.json", []string{"code", "token"},
		[]string{"openid", "email", "phone", "profile"}, []string{"public"}, []string{"client_secret_basic", "client_secret_post"}}
	b, _ := json.Marshal(doc) // strings only: never fails
	return b
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(b)
}

// ServePath serves /{poolId}/.well-known/openid-configuration and
// /{poolId}/.well-known/jwks.json (GET or HEAD); it reports false for any
// other request, which the caller answers.
func (s *Server) ServePath(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	id, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok {
		return false
	}
	p, ok := s.pools[id]
	if !ok {
		return false
	}
	switch rest {
	case ".well-known/openid-configuration":
		writeJSON(w, p.discovery)
	case ".well-known/jwks.json":
		writeJSON(w, p.jwks)
	default:
		return false
	}
	return true
}
