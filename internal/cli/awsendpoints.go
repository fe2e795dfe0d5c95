package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/sts"
)

// newStoreIdentities wires the gateway's caller lookups to the store and
// to STS's authority, whose session tokens are sealed under a key derived
// from the store key (so every node sharing the store accepts them).
func newStoreIdentities(st *store.Store) (storeIdentities, error) {
	auth, err := sts.NewAuthority(st, st.DeriveKey(sts.TokenKeyPurpose), nil)
	if err != nil {
		return storeIdentities{}, err
	}
	return storeIdentities{s: st, auth: auth}, nil
}

// SessionCaller resolves temporary credentials for the gateway.
func (si storeIdentities) SessionCaller(accessKeyID, token string) (gateway.Caller, bool) {
	p, ok := si.auth.Principal(accessKeyID, token)
	if !ok {
		return gateway.Caller{}, false
	}
	c := gateway.Caller{
		AccessKeyID: p.AccessKeyID, Secret: p.Secret, Active: true,
		UserName: p.UserName, UserID: p.UserID, ARN: p.ARN, AccountID: p.AccountID, Policies: p.Policies,
		SessionToken: p.SessionToken, Expires: p.Expires, PrincipalType: p.Type, SessionPolicy: p.SessionPolicy,
	}
	if id, ok := p.Web.Cognito(); ok {
		c.CognitoIdentityID, c.CognitoIdentityPoolID = id.IdentityID, id.PoolID
		c.CognitoAuthenticationType, c.CognitoAuthenticationProvider = id.AuthenticationType, id.AuthenticationProvider
		c.CognitoAMR = p.Web.AMR
	}
	return c, true
}

// startAWSEndpoints serves the AWS service APIs (STS, and the Cognito
// user pools and identity pools that are configured) on ln, the
// awsEndpoints listener, and returns the function that stops it.
func startAWSEndpoints(cfg *config.Config, ids storeIdentities, ln net.Listener, log *slog.Logger) (func(), error) {
	up, idp, err := cognitoServices(cfg, ids, log)
	if err != nil {
		return nil, err
	}
	var providers []sts.WebIdentityProvider
	if idp != nil {
		// First: the pools' own OpenID tokens are verified locally even
		// if iam.oidcProviders also names Cognito's issuer.
		providers = append(providers, idp.WebIdentityProvider())
	}
	for _, p := range cfg.IAM.OIDCProviders {
		providers = append(providers, sts.OIDCProvider(cfg.AccountID, p.URL, p.ClientIDs, nil))
	}
	stsSrv, err := sts.New(sts.Options{Region: cfg.Region, Authority: ids.auth, Providers: providers, Logger: log})
	if err != nil {
		return nil, err
	}
	if idp != nil {
		idp.SetCredentials(stsSrv, storeRoles{ids.s})
	}
	srv := &http.Server{
		Handler:           awsHandler(stsSrv, up, idp),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("awsEndpoints listener stopped", "err", err)
		}
	}()
	log.Info("AWS service APIs (STS, Cognito) serving", "awsEndpoints", "http://"+ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// seedRoles converts config seed roles for store.ApplyRoles.
func seedRoles(roles []config.SeedRole) []store.SeedRole {
	out := make([]store.SeedRole, 0, len(roles))
	for _, r := range roles {
		sr := store.SeedRole{Name: r.Name, AssumeRolePolicy: r.AssumeRolePolicy,
			Options: store.RoleOptions{Path: r.Path, Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}}
		for _, p := range r.Policies {
			sr.Policies = append(sr.Policies, store.SeedPolicy{Name: p.Name, Document: p.Document})
		}
		out = append(out, sr)
	}
	return out
}

// roleCommands are the aws iam role sub-commands.
func roleCommands() map[string]iamCommand {
	return map[string]iamCommand{
		"create-role": {flags: []string{"role-name", "assume-role-policy-document"}, opt: []string{"path", "description", "max-session-duration"},
			run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
				o := store.RoleOptions{Path: f["path"], Description: f["description"]}
				if v := f["max-session-duration"]; v != "" {
					d, err := strconv.Atoi(strings.TrimSpace(v))
					if err != nil {
						return nil, fmt.Errorf("--max-session-duration %q: want a number of seconds", v)
					}
					o.MaxSessionDuration = d
				}
				r, err := s.CreateRole(ctx, f["role-name"], []byte(f["assume-role-policy-document"]), o)
				return map[string]any{"Role": r}, err
			}},
		"get-role": {flags: []string{"role-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			r, err := s.GetRole(ctx, f["role-name"])
			return map[string]any{"Role": r}, err
		}},
		"delete-role": {flags: []string{"role-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteRole(ctx, f["role-name"])
		}},
		"list-roles": {opt: []string{"path-prefix"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			rs, err := s.ListRoles(ctx, f["path-prefix"])
			return map[string]any{"Roles": nonNil(rs)}, err
		}},
		"update-assume-role-policy": {flags: []string{"role-name", "policy-document"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.UpdateAssumeRolePolicy(ctx, f["role-name"], []byte(f["policy-document"]))
		}},
		"put-role-policy": {flags: []string{"role-name", "policy-name", "policy-document"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.PutRolePolicy(ctx, f["role-name"], f["policy-name"], []byte(f["policy-document"]))
		}},
		"get-role-policy": {flags: []string{"role-name", "policy-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return s.GetRolePolicy(ctx, f["role-name"], f["policy-name"])
		}},
		"delete-role-policy": {flags: []string{"role-name", "policy-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			return nil, s.DeleteRolePolicy(ctx, f["role-name"], f["policy-name"])
		}},
		"list-role-policies": {flags: []string{"role-name"}, run: func(ctx context.Context, s *store.Store, f map[string]string) (any, error) {
			ps, err := s.ListRolePolicies(ctx, f["role-name"])
			return map[string]any{"PolicyNames": nonNil(ps)}, err
		}},
	}
}
