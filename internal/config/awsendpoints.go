package config

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// AWSEndpoints is the awsEndpoints section: the listener on which the AWS
// SDKs and the aws CLI reach gatehouse's AWS service APIs (STS today) by
// endpoint override.
type AWSEndpoints struct {
	// Listen is host:port; "" means the AWS service APIs are not served.
	Listen string
}

// SeedRole is a role of iam.roles.
type SeedRole struct {
	Name string
	// Path is the role's path; "" means "/".
	Path        string
	Description string
	// AssumeRolePolicy is the trust policy, JSON.
	AssumeRolePolicy []byte
	Policies         []SeedPolicy
	// MaxSessionDuration is in seconds; 0 means one hour.
	MaxSessionDuration int
}

// OIDCProvider is an entry of iam.oidcProviders, as aws iam
// create-open-id-connect-provider registers one: tokens whose iss is URL
// are verified with the keys of URL's OpenID discovery document, and
// trust policies name it as the Federated principal
// arn:aws:iam::{account}:oidc-provider/{URL without https://}.
type OIDCProvider struct {
	URL string
	// ClientIDs are the audiences tokens may have; empty means any.
	ClientIDs []string
}

type awsDoc struct {
	Listen string `yaml:"listen,required"`
}

type seedRoleDoc struct {
	Name               string       `yaml:"name,required"`
	Path               string       `yaml:"path"`
	Description        string       `yaml:"description"`
	AssumeRolePolicy   *yaml.Node   `yaml:"assumeRolePolicy,required"`
	Policies           []seedPolDoc `yaml:"policies"`
	MaxSessionDuration int          `yaml:"maxSessionDuration"`
}

type oidcProviderDoc struct {
	URL       string   `yaml:"url,required"`
	ClientIDs []string `yaml:"clientIds"`
}

// decodeAWSEndpoints reads awsEndpoints, iam.roles and iam.oidcProviders.
// Policy grammar, names and durations are checked by the store when the
// roles are applied, with IAM's own messages.
func decodeAWSEndpoints(es *yamlx.Errors, root *yaml.Node, d *fileDoc, c *Config) {
	at := func(path ...string) *yaml.Node {
		n := root
		for _, k := range path {
			next := yamlx.Lookup(n, k)
			if next == nil {
				return n
			}
			n = next
		}
		return n
	}
	if d.AWS != nil {
		c.AWSEndpoints.Listen = d.AWS.Listen
		if err := CheckListen(d.AWS.Listen); err != nil {
			es.Add(at("awsEndpoints", "listen"), "awsEndpoints.listen", "%v", err)
		} else if !strings.HasSuffix(d.AWS.Listen, ":0") && (d.AWS.Listen == c.Listen || d.AWS.Listen == c.Admin) {
			es.Add(at("awsEndpoints", "listen"), "awsEndpoints.listen", "%q is already the gateway's or the admin listener", d.AWS.Listen)
		}
	}
	if d.IAM == nil {
		return
	}
	rolesNode := yamlx.Lookup(at("iam"), "roles")
	for i, r := range d.IAM.Roles {
		field := fmt.Sprintf("iam.roles[%d]", i)
		n := at("iam")
		if rolesNode != nil && i < len(rolesNode.Content) {
			n = rolesNode.Content[i]
		}
		sr := SeedRole{Name: r.Name, Path: r.Path, Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
		if r.AssumeRolePolicy != nil {
			doc, err := policyJSON(r.AssumeRolePolicy)
			if err != nil {
				es.Add(r.AssumeRolePolicy, field+".assumeRolePolicy", "%v", err)
			}
			sr.AssumeRolePolicy = doc
		}
		if r.MaxSessionDuration != 0 && (r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200) {
			if v := yamlx.Lookup(n, "maxSessionDuration"); v != nil {
				n = v
			}
			es.Add(n, field+".maxSessionDuration", "must be 3600 to 43200 seconds, not %d", r.MaxSessionDuration)
		}
		for j, p := range r.Policies {
			if p.Document == nil {
				continue
			}
			doc, err := policyJSON(p.Document)
			if err != nil {
				es.Add(p.Document, fmt.Sprintf("%s.policies[%d].document", field, j), "%v", err)
				continue
			}
			sr.Policies = append(sr.Policies, SeedPolicy{Name: p.Name, Document: doc})
		}
		c.IAM.Roles = append(c.IAM.Roles, sr)
	}
	seen := map[string]bool{}
	for i, p := range d.IAM.OIDCProviders {
		field := fmt.Sprintf("iam.oidcProviders[%d].url", i)
		u, err := url.Parse(p.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			es.Add(at("iam", "oidcProviders"), field, "%q must be the issuer URL, https://host[/path], exactly as the tokens' iss", p.URL)
			continue
		}
		key := strings.TrimSuffix(p.URL, "/")
		if seen[key] {
			es.Add(at("iam", "oidcProviders"), field, "duplicate provider %q", p.URL)
		}
		seen[key] = true
		c.IAM.OIDCProviders = append(c.IAM.OIDCProviders, OIDCProvider(p))
	}
}
