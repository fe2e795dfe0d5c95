// Package authorizer runs API Gateway Lambda authorizers: TOKEN and REQUEST
// authorizers of REST APIs, and REQUEST authorizers of HTTP APIs (payload
// format 1.0 and 2.0, IAM policy or simple responses), with API Gateway's
// authorizer result cache.
//
// The behaviour follows the AWS documentation:
//
//   - "Input to an API Gateway Lambda authorizer",
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
//   - "Output from an API Gateway Lambda authorizer",
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
//   - "Control access to HTTP APIs with AWS Lambda authorizers",
//     https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
//
// A Config is validated and compiled once by New into an immutable
// *Authorizer; Authorize is then called after route matching for every
// request of a method that uses it. Denials are *gwerr.Error values carrying
// AWS's exact status, x-amzn-ErrorType and body. docs/authorizers.md records
// the sources and the choices made where AWS does not say.
package authorizer

import (
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/model"
)

// Type is the kind of Lambda authorizer. The zero Type is invalid.
type Type uint8

// The authorizer types of x-amazon-apigateway-authorizer's "type".
const (
	// TypeToken is a REST TOKEN authorizer: the function gets one header value
	// as authorizationToken.
	TypeToken Type = iota + 1
	// TypeRequest is a REQUEST authorizer: the function gets the request's
	// parameters (REST and HTTP APIs).
	TypeRequest
)

// String returns "TOKEN" or "REQUEST", as the event's "type" spells it.
func (t Type) String() string {
	switch t {
	case TypeToken:
		return "TOKEN"
	case TypeRequest:
		return "REQUEST"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Limits and defaults of authorizerResultTtlInSeconds, from the
// CreateAuthorizer API reference: "If this field is not set, the default
// value is 300. The maximum value is 3600, or 1 hour."
const (
	DefaultTTL = 300
	MaxTTL     = 3600
)

// Config is one Lambda authorizer as an API definition declares it
// (x-amazon-apigateway-authorizer), with the function already resolved.
type Config struct {
	// Name is the authorizer's name (the security scheme name); it is used
	// in errors and as the policy name in evaluation results.
	Name string
	// Protocol is model.REST or model.HTTP (required).
	Protocol model.Protocol
	// Type is TypeToken or TypeRequest (required); HTTP APIs have only TypeRequest.
	Type Type
	// Function is the Lambda function name (required).
	Function string
	// IdentitySource is the comma-separated list of identity sources.
	// REST: method.request.header.X, method.request.querystring.X,
	// stageVariables.X, context.X (TOKEN: exactly one
	// method.request.header.X). HTTP APIs: $request.header.X,
	// $request.querystring.X, $context.X, $stageVariables.X. Empty is
	// allowed only for REQUEST authorizers without caching.
	IdentitySource string
	// IdentityValidationExpression is a regular expression the whole token
	// must match (TOKEN only); empty means no validation.
	IdentityValidationExpression string
	// ResultTTL is authorizerResultTtlInSeconds: 0 disables the cache, at
	// most MaxTTL. The zero value means no caching; Extension.Config fills
	// in DefaultTTL when the definition omits the key, as AWS does.
	ResultTTL int
	// PayloadFormatVersion is the HTTP API authorizerPayloadFormatVersion,
	// "1.0" or "2.0" (required for HTTP APIs, empty for REST).
	PayloadFormatVersion string
	// EnableSimpleResponses lets a 2.0 authorizer answer
	// {"isAuthorized": bool, "context": {...}} instead of a policy.
	EnableSimpleResponses bool
}

// Validate reports every problem in c, joined, each naming the
// x-amazon-apigateway-authorizer key at fault and the allowed values.
func (c *Config) Validate() error {
	_, err := compile(c)
	return err
}

// sourceKind is where an identity source is read from.
type sourceKind uint8

const (
	srcHeader sourceKind = iota + 1
	srcQuery
	srcStageVar
	srcContext
)

// source is one parsed identity source.
type source struct {
	kind  sourceKind
	name  string
	canon string // a header's name in canonical form, for Params.Header
	expr  string // as written, for errors and docs
}

// plan is the compiled form of a Config.
type plan struct {
	sources []source
	re      *regexp.Regexp
}

// compile validates c and parses its identity sources and expression.
func compile(c *Config) (plan, error) {
	var p plan
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("authorizer %q: %s: %s", c.Name, field, fmt.Sprintf(format, args...)))
	}
	switch c.Protocol {
	case model.REST:
		if c.Type != TypeToken && c.Type != TypeRequest {
			bad("type", "must be token or request")
		}
		if c.PayloadFormatVersion != "" {
			bad("authorizerPayloadFormatVersion", "is for HTTP APIs only")
		}
		if c.EnableSimpleResponses {
			bad("enableSimpleResponses", "is for HTTP APIs only")
		}
	case model.HTTP:
		if c.Type != TypeRequest {
			bad("type", "must be request for an HTTP API Lambda authorizer")
		}
		switch c.PayloadFormatVersion {
		case "1.0":
			if c.EnableSimpleResponses {
				bad("enableSimpleResponses", "requires authorizerPayloadFormatVersion 2.0")
			}
		case "2.0":
		default:
			bad("authorizerPayloadFormatVersion", "is %q; must be 1.0 or 2.0", c.PayloadFormatVersion)
		}
	default:
		bad("protocol", "is %q; must be REST or HTTP", c.Protocol)
	}
	if c.Function == "" {
		bad("authorizerUri", "names no Lambda function")
	}
	if c.ResultTTL < 0 || c.ResultTTL > MaxTTL {
		bad("authorizerResultTtlInSeconds", "is %d; must be 0 to %d", c.ResultTTL, MaxTTL)
	}
	if c.IdentityValidationExpression != "" {
		if c.Type != TypeToken {
			bad("identityValidationExpression", "is for TOKEN authorizers only")
		} else if re, err := regexp.Compile(`^(?:` + c.IdentityValidationExpression + `)$`); err != nil {
			bad("identityValidationExpression", "%v", err)
		} else {
			p.re = re
		}
	}
	for expr := range strings.SplitSeq(c.IdentitySource, ",") {
		expr = strings.TrimSpace(expr)
		if expr == "" {
			if strings.TrimSpace(c.IdentitySource) != "" {
				bad("identitySource", "has an empty entry in %q", c.IdentitySource)
			}
			continue
		}
		s, err := parseSource(c.Protocol, expr)
		if err != nil {
			bad("identitySource", "%v", err)
			continue
		}
		if c.Type == TypeToken && s.kind != srcHeader {
			bad("identitySource", "%q: a TOKEN authorizer's identity source must be method.request.header.{name}", expr)
			continue
		}
		p.sources = append(p.sources, s)
	}
	switch {
	case c.Type == TypeToken && len(p.sources) != 1:
		bad("identitySource", "a TOKEN authorizer needs exactly one method.request.header.{name}, got %d sources", len(p.sources))
	case c.Type == TypeRequest && c.ResultTTL > 0 && len(p.sources) == 0:
		bad("identitySource", "is required when authorizerResultTtlInSeconds is not 0 (the sources are the cache key)")
	}
	return p, errors.Join(errs...)
}

// parseSource parses one identity source expression.
func parseSource(proto model.Protocol, expr string) (source, error) {
	type prefix struct {
		p    string
		kind sourceKind
	}
	var prefixes []prefix
	var allowed string
	if proto == model.HTTP {
		prefixes = []prefix{{"$request.header.", srcHeader}, {"$request.querystring.", srcQuery},
			{"$stageVariables.", srcStageVar}, {"$context.", srcContext}}
		allowed = "$request.header.{name}, $request.querystring.{name}, $stageVariables.{name} or $context.{name}"
	} else {
		prefixes = []prefix{{"method.request.header.", srcHeader}, {"method.request.querystring.", srcQuery},
			{"stageVariables.", srcStageVar}, {"context.", srcContext}}
		allowed = "method.request.header.{name}, method.request.querystring.{name}, stageVariables.{name} or context.{name}"
	}
	for _, pf := range prefixes {
		if name, ok := strings.CutPrefix(expr, pf.p); ok {
			if name == "" {
				return source{}, fmt.Errorf("%q names no parameter", expr)
			}
			s := source{kind: pf.kind, name: name, expr: expr}
			if s.kind == srcHeader {
				s.canon = textproto.CanonicalMIMEHeaderKey(name)
			}
			return s, nil
		}
	}
	return source{}, fmt.Errorf("%q is not one of %s", expr, allowed)
}

// Extension is x-amazon-apigateway-authorizer as AWS documents it
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html),
// for yamlx.Decode. Only the Lambda authorizer keys are interpreted here;
// jwt and cognito_user_pools authorizers belong elsewhere.
type Extension struct {
	Type                           string   `yaml:"type,required"`
	AuthorizerURI                  string   `yaml:"authorizerUri"`
	AuthorizerCredentials          string   `yaml:"authorizerCredentials"`
	AuthorizerResultTTLInSeconds   *int     `yaml:"authorizerResultTtlInSeconds"`
	IdentitySource                 string   `yaml:"identitySource"`
	IdentityValidationExpression   string   `yaml:"identityValidationExpression"`
	AuthorizerPayloadFormatVersion string   `yaml:"authorizerPayloadFormatVersion"`
	EnableSimpleResponses          bool     `yaml:"enableSimpleResponses"`
	ProviderARNs                   []string `yaml:"providerARNs"`
}

// Config turns the extension into a Config for the named authorizer of an
// API of the given protocol, whose Lambda function the caller resolved from
// AuthorizerURI (openapi.LambdaFunction). A missing TTL is DefaultTTL; an
// unknown type is left zero so that Validate reports it.
func (e *Extension) Config(name string, proto model.Protocol, function string) Config {
	c := Config{
		Name:                         name,
		Protocol:                     proto,
		Function:                     function,
		IdentitySource:               e.IdentitySource,
		IdentityValidationExpression: e.IdentityValidationExpression,
		ResultTTL:                    DefaultTTL,
		PayloadFormatVersion:         e.AuthorizerPayloadFormatVersion,
		EnableSimpleResponses:        e.EnableSimpleResponses,
	}
	if e.AuthorizerResultTTLInSeconds != nil {
		c.ResultTTL = *e.AuthorizerResultTTLInSeconds
	}
	switch strings.ToLower(e.Type) {
	case "token":
		c.Type = TypeToken
	case "request":
		c.Type = TypeRequest
	}
	return c
}
