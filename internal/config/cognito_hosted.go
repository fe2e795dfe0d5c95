package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// PoolUser is a user of a hosted user pool (cognito.userPools[].users).
type PoolUser struct {
	// Username is the sign-in name (Cognito's are case-insensitive by
	// default: "Alice" and "alice" are one user).
	Username string
	// PasswordHash is the password's argon2id PHC string: the configured
	// passwordHash, or password hashed at load (the plain password is
	// not kept).
	PasswordHash string
	// Attributes are the user's attributes (email, email_verified, name,
	// custom:tier ...), copied into ID tokens. sub is derived, not set.
	Attributes map[string]string
}

// IdentityPool is an entry of cognito.identityPools: a Cognito identity
// pool that trades identity provider tokens for temporary credentials.
type IdentityPool struct {
	// ID is the pool id, "{region}:{uuid}".
	ID string
	// Providers are the identity providers whose tokens the pool accepts
	// in Logins.
	Providers []IdentityProvider
	// AuthenticatedRole is the role (name, or role ARN) of callers with a
	// login; UnauthenticatedRole that of guests, "" meaning guests are
	// refused.
	AuthenticatedRole, UnauthenticatedRole string
	// Where is the position of the entry, for messages.
	Where string
}

// IdentityProvider is one of an identity pool's providers: a Cognito user
// pool and one of its app clients (Logins key
// cognito-idp.{region}.amazonaws.com/{UserPool}), or an OIDC issuer
// (Logins key: the issuer without https://).
type IdentityProvider struct {
	// UserPool is a user pool id; "" for an OIDC issuer.
	UserPool string
	// Issuer is the OIDC issuer URL; "" for a user pool.
	Issuer string
	// ClientID is the app client (user pool) or audience (OIDC) tokens
	// must be for; "" (OIDC only) accepts any audience.
	ClientID string
}

type poolUserDoc struct {
	Username     string            `yaml:"username,required"`
	Password     string            `yaml:"password"`
	PasswordHash string            `yaml:"passwordHash"`
	Attributes   map[string]string `yaml:"attributes"`
}

type identityPoolDoc struct {
	ID                  string                `yaml:"id,required"`
	Providers           []identityProviderDoc `yaml:"providers"`
	AuthenticatedRole   string                `yaml:"authenticatedRole,required"`
	UnauthenticatedRole string                `yaml:"unauthenticatedRole"`
}

type identityProviderDoc struct {
	UserPool string `yaml:"userPool"`
	Issuer   string `yaml:"issuer"`
	ClientID string `yaml:"clientId"`
}

// identityPoolIDRE is an identity pool id: a region, ':' and a UUID.
var identityPoolIDRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// roleNameRE is an IAM role name, or a role ARN.
var roleNameRE = regexp.MustCompile(`^([\w+=,.@-]{1,64}|arn:aws:iam::\d{12}:role/([\x21-\x7e]*/)?[\w+=,.@-]{1,64})$`)

// attributeNameRE is a user attribute name (Cognito: 1..32 characters of
// [\p{L}\p{M}\p{S}\p{N}\p{P}]; custom ones are "custom:...").
var attributeNameRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,32}$`)

func decodePoolUsers(es *yamlx.Errors, list *yaml.Node, field string, pd userPoolDoc, hashing password.Params) []PoolUser {
	at := func(i int, key string) *yaml.Node {
		if i >= len(list.Content) {
			return list
		}
		if v := yamlx.Lookup(list.Content[i], key); v != nil {
			return v
		}
		return list.Content[i]
	}
	seen := map[string]bool{}
	var out []PoolUser
	for i, ud := range pd.Users {
		uf := fmt.Sprintf("%s.users[%d]", field, i)
		if l := len([]rune(ud.Username)); l < 1 || l > 128 || strings.ContainsAny(ud.Username, " \t\r\n") {
			es.Add(at(i, "username"), uf+".username", "%q must be 1 to 128 characters without spaces", ud.Username)
		}
		key := strings.ToLower(ud.Username)
		if seen[key] {
			es.Add(at(i, "username"), uf+".username", "duplicate user %q (user names are case-insensitive)", ud.Username)
		}
		seen[key] = true
		u := PoolUser{Username: ud.Username, Attributes: ud.Attributes}
		switch {
		case (ud.Password == "") == (ud.PasswordHash == ""):
			es.Add(list.Content[min(i, len(list.Content)-1)], uf, "set exactly one of password and passwordHash")
		case ud.PasswordHash != "":
			if err := password.Check(ud.PasswordHash); err != nil {
				es.Add(at(i, "passwordHash"), uf+".passwordHash", "%v", err)
			}
			u.PasswordHash = ud.PasswordHash
		default:
			h, err := password.Hash(ud.Password, hashing)
			if err != nil && hashing.Validate() == nil { // else reported at passwordHashing
				es.Add(at(i, "password"), uf+".password", "%v", err)
			}
			u.PasswordHash = h
		}
		for name := range ud.Attributes {
			switch {
			case name == "sub":
				es.Add(at(i, "attributes"), uf+".attributes.sub", "sub is derived from the pool and the user name; it cannot be set")
			case !attributeNameRE.MatchString(name):
				es.Add(at(i, "attributes"), uf+".attributes."+name, "%q is not a user attribute name (1 to 32 characters)", name)
			}
		}
		out = append(out, u)
	}
	return out
}

func decodeIdentityPools(es *yamlx.Errors, list *yaml.Node, docs []identityPoolDoc) []IdentityPool {
	var out []IdentityPool
	seen := map[string]bool{}
	for i, d := range docs {
		field := fmt.Sprintf("cognito.identityPools[%d]", i)
		n := list
		if list != nil && i < len(list.Content) {
			n = list.Content[i]
		}
		at := func(key string) *yaml.Node {
			if v := yamlx.Lookup(n, key); v != nil {
				return v
			}
			return n
		}
		if !identityPoolIDRE.MatchString(d.ID) {
			es.Add(at("id"), field+".id", "%q is not an identity pool id like us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b", d.ID)
		}
		if seen[d.ID] {
			es.Add(at("id"), field+".id", "duplicate identity pool %q", d.ID)
		}
		seen[d.ID] = true
		for _, kv := range [...][2]string{{"authenticatedRole", d.AuthenticatedRole}, {"unauthenticatedRole", d.UnauthenticatedRole}} {
			if kv[1] != "" && !roleNameRE.MatchString(kv[1]) {
				es.Add(at(kv[0]), field+"."+kv[0], "%q is not a role name or role ARN", kv[1])
			}
		}
		p := IdentityPool{ID: d.ID, AuthenticatedRole: d.AuthenticatedRole, UnauthenticatedRole: d.UnauthenticatedRole, Where: fmt.Sprintf("%s:%d", es.File, n.Line)}
		keys := map[string]bool{}
		for j, pd := range d.Providers {
			pf := fmt.Sprintf("%s.providers[%d]", field, j)
			pn := at("providers")
			if j < len(pn.Content) {
				pn = pn.Content[j]
			}
			var key string
			switch {
			case (pd.UserPool == "") == (pd.Issuer == ""):
				es.Add(pn, pf, "set exactly one of userPool (with clientId) and issuer")
				continue
			case pd.UserPool != "":
				if !userPoolIDRE.MatchString(pd.UserPool) {
					es.Add(pn, pf+".userPool", "%q is not a user pool id like us-east-1_Gatehouse1", pd.UserPool)
				}
				if pd.ClientID == "" {
					es.Add(pn, pf+".clientId", "a user pool provider needs the app client id its ID tokens are for")
				}
				key = pd.UserPool
			default:
				if u, err := url.Parse(pd.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
					es.Add(pn, pf+".issuer", "%q must be the issuer URL, https://host[/path], exactly as the tokens' iss", pd.Issuer)
				}
				key = strings.TrimSuffix(pd.Issuer, "/")
			}
			if keys[key] {
				es.Add(pn, pf, "duplicate provider %q", key)
			}
			keys[key] = true
			p.Providers = append(p.Providers, IdentityProvider(pd))
		}
		out = append(out, p)
	}
	return out
}

// checkCognitoHosting checks what hosted user pools and identity pools
// need of the rest of the file: the awsEndpoints listener serves them.
func checkCognitoHosting(es *yamlx.Errors, n *yaml.Node, c *Config) {
	if n == nil {
		return
	}
	pools := yamlx.Lookup(n, "userPools")
	for i, p := range c.Cognito.UserPools {
		if !p.Hosted {
			continue
		}
		pn := n
		if pools != nil && i < len(pools.Content) {
			pn = pools.Content[i]
		}
		field := fmt.Sprintf("cognito.userPools[%d]", i)
		if c.AWSEndpoints.Listen == "" {
			es.Add(pn, field+".users", "a user pool with users is served on the awsEndpoints listener: set awsEndpoints.listen")
		}
		if p.JWKSURI != "" {
			es.Add(yamlx.Lookup(pn, "jwksUri"), field+".jwksUri", "a user pool with users signs with its own keys, published at {issuer}/.well-known/jwks.json; remove jwksUri")
		}
		if len(p.Clients) == 0 {
			es.Add(pn, field+".clients", "a user pool with users needs at least one app client (users sign in through a client id)")
		}
	}
	if len(c.Cognito.IdentityPools) > 0 && c.AWSEndpoints.Listen == "" {
		es.Add(yamlx.Lookup(n, "identityPools"), "cognito.identityPools", "identity pools are served on the awsEndpoints listener: set awsEndpoints.listen")
	}
}
