package cli

import (
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/awsapi"
	"github.com/gatehouse/gatehouse/internal/cognito/identity"
	"github.com/gatehouse/gatehouse/internal/cognito/userpool"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

// setHostedIssuers gives each hosted user pool without an issuer its
// default, http://{awsEndpoints.listen}/{poolId}, with the port the
// listener was bound to (awsEndpoints.listen may say :0). It runs before
// the gateway's plan is built, so that Cognito and JWT authorizers naming
// such a pool verify its tokens.
func setHostedIssuers(cfg *config.Config, bound net.Addr) {
	host, _, err := net.SplitHostPort(cfg.AWSEndpoints.Listen)
	_, port, err2 := net.SplitHostPort(bound.String())
	if err != nil || err2 != nil {
		return
	}
	base := "http://" + net.JoinHostPort(host, port)
	for i := range cfg.Cognito.UserPools {
		p := &cfg.Cognito.UserPools[i]
		if p.Hosted && p.Issuer == "" {
			p.Issuer = base + "/" + p.ID
		}
	}
}

// cognitoServices builds the Cognito user pools and identity services
// for the awsEndpoints listener (nil when nothing is configured) and
// returns the web identity providers STS must trust for them.
func cognitoServices(cfg *config.Config, ids storeIdentities, log *slog.Logger) (*userpool.Server, *identity.Server, error) {
	var up *userpool.Server
	var pools []userpool.Pool
	for _, p := range cfg.Cognito.UserPools {
		if !p.Hosted {
			continue
		}
		hp := userpool.Pool{ID: p.ID, Issuer: p.Issuer}
		for _, c := range p.Clients {
			hp.Clients = append(hp.Clients, userpool.Client{ID: c.ID, Name: c.Name})
		}
		for _, u := range p.Users {
			hp.Users = append(hp.Users, userpool.User{Username: u.Username, PasswordHash: u.PasswordHash, Attributes: u.Attributes})
		}
		pools = append(pools, hp)
	}
	if len(pools) > 0 {
		var err error
		up, err = userpool.New(userpool.Options{Region: cfg.Region, AccountID: cfg.AccountID, Pools: pools,
			DeriveKey: ids.s.DeriveKey, Principals: ids.auth, Logger: log, PasswordParams: cfg.Cognito.PasswordHashing})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(cfg.Cognito.IdentityPools) == 0 {
		return up, nil, nil
	}
	var ips []identity.Pool
	for _, ip := range cfg.Cognito.IdentityPools {
		p := identity.Pool{ID: ip.ID, AuthenticatedRole: ip.AuthenticatedRole, UnauthenticatedRole: ip.UnauthenticatedRole}
		for _, pr := range ip.Providers {
			p.Providers = append(p.Providers, identityProvider(cfg, up, pr))
		}
		ips = append(ips, p)
	}
	idp, err := identity.New(identity.Options{Pools: ips, DeriveKey: ids.s.DeriveKey, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return up, idp, nil
}

// identityProvider resolves an identity pool's provider: a hosted user
// pool (verified in process), a listed or real Cognito user pool, or an
// OIDC issuer (verified through its discovery document and JWKS).
func identityProvider(cfg *config.Config, up *userpool.Server, pr config.IdentityProvider) identity.Provider {
	if pr.UserPool == "" {
		iss := strings.TrimSuffix(pr.Issuer, "/")
		name := strings.TrimPrefix(strings.TrimPrefix(iss, "https://"), "http://")
		var aud []string
		if pr.ClientID != "" {
			aud = []string{pr.ClientID}
		}
		return identity.Provider{Name: name, Verifier: jwtauth.New(jwtauth.Options{Issuer: pr.Issuer, Audiences: aud})}
	}
	region, _, _ := strings.Cut(pr.UserPool, "_")
	p := identity.Provider{Name: "cognito-idp." + region + ".amazonaws.com/" + pr.UserPool, UserPool: true}
	if up != nil {
		if v, ok := up.Verifier(pr.UserPool, []string{pr.ClientID}); ok {
			p.Verifier = v
			return p
		}
	}
	opts := jwtauth.Options{Issuer: "https://cognito-idp." + region + ".amazonaws.com/" + pr.UserPool, Audiences: []string{pr.ClientID}}
	if listed, ok := cfg.Cognito.UserPool(pr.UserPool); ok {
		if listed.Issuer != "" {
			opts.Issuer = listed.Issuer
		}
		opts.JWKSURI = listed.JWKSURI
	}
	p.Verifier = jwtauth.New(opts)
	return p
}

// awsPaths serves the awsEndpoints listener's GET paths: user pools'
// /{poolId}/.well-known/..., and Cognito identity's /.well-known/jwks_uri.
type awsPaths struct {
	up  *userpool.Server
	idp *identity.Server
}

func (p awsPaths) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.up != nil && p.up.ServePath(w, r) {
		return
	}
	if p.idp != nil && p.idp.ServePath(w, r) {
		return
	}
	http.NotFound(w, r)
}

// awsHandler is the awsEndpoints router with the Cognito services that
// are configured.
func awsHandler(stsSrv *sts.Server, up *userpool.Server, idp *identity.Server) *awsapi.Handler {
	h := &awsapi.Handler{STS: stsSrv, Paths: awsPaths{up: up, idp: idp}}
	if up != nil {
		h.CognitoIdentityProvider = up
	}
	if idp != nil {
		h.CognitoIdentity = idp
	}
	return h
}

// storeRoles resolves role names for identity pools from the store.
type storeRoles struct{ s *store.Store }

// RoleARN returns the role's ARN, with its path.
func (r storeRoles) RoleARN(name string) (string, bool) {
	role, ok := r.s.Role(name)
	return role.ARN, ok
}
