package config

import (
	"fmt"
	"net/url"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/cognito/password"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// Cognito is the cognito: section: the Amazon Cognito user pools whose
// tokens COGNITO_USER_POOLS authorizers accept.
type Cognito struct {
	// UserPools are the pools by id, in file order.
	UserPools []UserPool
	// IdentityPools are the Cognito identity pools gatehouse serves on
	// awsEndpoints (docs/cognito.md), in file order.
	IdentityPools []IdentityPool
	// PasswordHashing are the argon2id parameters of the hashes made at
	// load (users' password:) and of the dummy hash checked for unknown
	// users (cognito.passwordHashing; docs/cognito.md, "Passwords"). The
	// zero value means password.DefaultParams(); Load always sets it.
	// Configured passwordHash values keep their own parameters.
	PasswordHashing password.Params
}

// UserPool is one entry of cognito.userPools. A provider ARN naming a
// pool that is not listed is verified against Cognito itself
// (https://cognito-idp.{region}.amazonaws.com/{poolId}); listing it points
// the authorizers at another issuer, such as a local identity provider.
type UserPool struct {
	// ID is the pool id as provider ARNs name it ({region}_{suffix}).
	ID string
	// Issuer is the iss claim of the pool's tokens and the base URL of its
	// discovery document. "" means Cognito's,
	// https://cognito-idp.{region}.amazonaws.com/{ID}.
	Issuer string
	// JWKSURI is the URL of the pool's signing keys. "" means discovery:
	// {Issuer}/.well-known/openid-configuration, then
	// {Issuer}/.well-known/jwks.json.
	JWKSURI string
	// Clients are the pool's app clients. When set, a token must be for
	// one of them (aud of an ID token, client_id of an access token); nil
	// accepts every client, as any token the pool signs is for one of its
	// own clients.
	Clients []UserPoolClient
	// Hosted is true when the entry has users: gatehouse itself is the
	// pool (InitiateAuth on awsEndpoints, its own signing keys), and
	// Issuer, when "", becomes http://{awsEndpoints.listen}/{ID} once the
	// listener is bound (docs/cognito.md).
	Hosted bool
	// Users are a hosted pool's users.
	Users []PoolUser
	// Where is the position of the entry, for messages.
	Where string
}

// UserPoolClient is an app client of a user pool.
type UserPoolClient struct {
	ID   string
	Name string
}

type cognitoDoc struct {
	UserPools       []userPoolDoc       `yaml:"userPools"`
	IdentityPools   []identityPoolDoc   `yaml:"identityPools"`
	PasswordHashing *passwordHashingDoc `yaml:"passwordHashing"`
}

type userPoolDoc struct {
	ID      string          `yaml:"id,required"`
	Issuer  string          `yaml:"issuer"`
	JWKSURI string          `yaml:"jwksUri"`
	Clients []poolClientDoc `yaml:"clients"`
	Users   []poolUserDoc   `yaml:"users"`
}

type poolClientDoc struct {
	ID   string `yaml:"id,required"`
	Name string `yaml:"name"`
}

// userPoolIDRE is a Cognito user pool id: the region, '_', and letters or
// digits (us-east-1_Gatehouse1).
var userPoolIDRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+_[0-9A-Za-z]+$`)

func decodeCognito(es *yamlx.Errors, n *yaml.Node, d *cognitoDoc) Cognito {
	c := Cognito{PasswordHashing: password.DefaultParams()}
	if d == nil {
		return c
	}
	c.PasswordHashing = decodePasswordHashing(es, yamlx.Lookup(n, "passwordHashing"), d.PasswordHashing)
	list := yamlx.Lookup(n, "userPools")
	seen := map[string]bool{}
	for i, pd := range d.UserPools {
		field := fmt.Sprintf("cognito.userPools[%d]", i)
		pn := n
		if list != nil && i < len(list.Content) {
			pn = list.Content[i]
		}
		at := func(key string) *yaml.Node {
			if v := yamlx.Lookup(pn, key); v != nil {
				return v
			}
			return pn
		}
		if !userPoolIDRE.MatchString(pd.ID) {
			es.Add(at("id"), field+".id", "%q is not a user pool id like us-east-1_Gatehouse1", pd.ID)
		}
		if seen[pd.ID] {
			es.Add(at("id"), field+".id", "duplicate user pool %q", pd.ID)
		}
		seen[pd.ID] = true
		for _, kv := range [...][2]string{{"issuer", pd.Issuer}, {"jwksUri", pd.JWKSURI}} {
			key, u := kv[0], kv[1]
			if u == "" {
				continue
			}
			if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" || pu.Fragment != "" {
				es.Add(at(key), field+"."+key, "%q must be an absolute http(s) URL without query or fragment", u)
			}
		}
		p := UserPool{ID: pd.ID, Issuer: pd.Issuer, JWKSURI: pd.JWKSURI, Where: fmt.Sprintf("%s:%d", es.File, pn.Line)}
		for _, cd := range pd.Clients {
			p.Clients = append(p.Clients, UserPoolClient(cd))
		}
		if users := yamlx.Lookup(pn, "users"); users != nil {
			p.Hosted = true
			p.Users = decodePoolUsers(es, users, field, pd, c.PasswordHashing)
		}
		c.UserPools = append(c.UserPools, p)
	}
	c.IdentityPools = decodeIdentityPools(es, yamlx.Lookup(n, "identityPools"), d.IdentityPools)
	return c
}

// UserPool returns the pool with the given id, if it is listed.
func (c *Cognito) UserPool(id string) (UserPool, bool) {
	for _, p := range c.UserPools {
		if p.ID == id {
			return p, true
		}
	}
	return UserPool{}, false
}

// decodeAPICORS returns the API's CORS configuration: the definition's
// x-amazon-apigateway-cors or gatehouse.yaml's cors: (inline APIs, or a
// definition without one), not both.
func decodeAPICORS(es *yamlx.Errors, n *yaml.Node, field string, api *model.API) *model.CORS {
	if n == nil {
		return api.CORS
	}
	if api.CORS != nil {
		es.Add(n, field, "the definition already has x-amazon-apigateway-cors; set CORS in one place")
		return api.CORS
	}
	return openapi.DecodeCORS(es, n, field, api.Protocol)
}
