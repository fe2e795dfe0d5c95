// Package gateway serves API Gateway APIs: it selects the API and stage
// of a request, matches its route and runs the request pipeline (method
// request → integration request → integration → integration response →
// method response), writing AWS's own answers and an access log line.
package gateway

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/authorizer"
	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/idtoken"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/rawheader"
	"github.com/gatehouse/gatehouse/internal/uuid"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Gateway is an http.Handler serving a Plan.
type Gateway struct {
	plan       atomic.Pointer[Plan]
	identities Identities
	functions  Invoker
	// authorizers are the Lambda authorizers, by API, name and stage.
	authorizers map[authorizerKey]*authorizer.Authorizer
	// jwt are the JWT authorizers' verifiers, by API and name.
	jwt map[jwtKey]*jwtauth.Verifier
	// cognito are the Cognito authorizers, by API, name and stage.
	cognito   map[authorizerKey]*cognitoAuthorizer
	signer    *sigv4.Signer
	issuer    *idtoken.Issuer
	audience  string
	log       *slog.Logger
	transport *http.Transport
	exchanges sync.Pool
	buffers   sync.Pool
}

// Options configure a Gateway.
type Options struct {
	// Logger receives the gateway's own log (not access logs). Nil means
	// slog.Default().
	Logger *slog.Logger
	// Identities resolves access keys for AWS_IAM methods. Nil is allowed
	// only when no method uses AWS_IAM.
	Identities Identities
	// Functions invokes the Lambda functions of AWS_PROXY integrations.
	// Nil is allowed only when no integration calls Lambda.
	Functions Invoker
	// IdentityIssuer mints identity forwarding tokens. Nil is allowed
	// only when no integration forwards identity as a JWT.
	IdentityIssuer *idtoken.Issuer
	// IdentityAudience is the aud of forwarded tokens; "" means none.
	IdentityAudience string
	// Now is the clock for signature dates. Nil means time.Now.
	Now func() time.Time
}

// New returns a gateway serving plan.
func New(plan *Plan, opts Options) (*Gateway, error) {
	if plan.usesIAM && opts.Identities == nil {
		return nil, errors.New("a method uses AWS_IAM authorization but no IAM store is configured")
	}
	if plan.usesLambda && opts.Functions == nil {
		return nil, errors.New("an integration calls Lambda but no functions are configured")
	}
	if plan.forwardsJWT && opts.IdentityIssuer == nil {
		return nil, errors.New("an integration forwards identity as a JWT but no identity issuer is configured")
	}
	g := &Gateway{log: opts.Logger, transport: newTransport(), identities: opts.Identities, functions: opts.Functions,
		issuer: opts.IdentityIssuer, audience: opts.IdentityAudience,
		signer: sigv4.New(sigv4.Options{Region: plan.Region, Now: opts.Now})}
	if g.log == nil {
		g.log = slog.Default()
	}
	if opts.Functions != nil {
		azs, err := newAuthorizers(plan, opts.Functions)
		if err != nil {
			return nil, err
		}
		g.authorizers = azs
	}
	g.jwt = newJWTVerifiers(plan)
	g.cognito = newCognitoAuthorizers(plan)
	g.plan.Store(plan)
	g.exchanges.New = func() any { return new(exchange) }
	g.buffers.New = func() any { b := make([]byte, 32<<10); return &b }
	return g, nil
}

// newTransport is the client side toward HTTP integrations: keep-alive
// pools sized for a busy gateway, bounded dial and header timeouts.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                  nil, // integrations are reached directly, as from AWS
		DialContext:            (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
		ForceAttemptHTTP2:      true,
	}
}

// Close releases idle connections to integrations.
func (g *Gateway) Close() {
	g.transport.CloseIdleConnections()
}

// ServeHTTP selects the API and stage, then runs the pipeline.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := g.exchanges.Get().(*exchange)
	ex.plan = g.plan.Load()
	ex.w, ex.in = w, r
	ex.start = time.Now()
	ex.requestID, ex.extendedID, ex.traceID = newIDs()
	ex.sourceIP = clientIP(r)
	ex.domainName = hostOnly(r.Host)
	ex.params = ex.paramsBuf[:0]
	// Taken for every request, so that a connection's queue stays in step.
	ex.rawNames = rawheader.Names(r)

	if !ex.plan.selectAPI(ex) {
		if ex.api == nil {
			ex.err = gwerr.NotFound()
		} else if ex.protocol() == model.REST {
			ex.err = gwerr.MissingAuthenticationToken()
		} else {
			ex.err = gwerr.NotFound()
		}
		g.writeError(ex)
	} else {
		g.serve(ex)
	}
	ex.reset()
	g.exchanges.Put(ex)
}

// selectAPI finds the API and stage of a request: by the
// {apiId}.execute-api.* host, by a custom domain's base path mapping, or
// the single configured API. It sets ex.api, ex.stage and ex.path.
func (p *Plan) selectAPI(ex *exchange) bool {
	host := ex.domainName
	path := ex.in.URL.EscapedPath()
	if id, rest, ok := strings.Cut(host, "."); ok && strings.HasPrefix(rest, "execute-api.") {
		ex.api = p.byID[id]
	} else if mappings, ok := p.domains[host]; ok {
		for _, m := range mappings {
			if m.path == "" {
				ex.api, ex.stage, ex.path = m.api, m.stage, path
				return true
			}
			if rest, ok := strings.CutPrefix(path, "/"+m.path); ok && (rest == "" || rest[0] == '/') {
				ex.api, ex.stage, ex.path = m.api, m.stage, rest
				return true
			}
		}
		return false
	} else if len(p.apis) == 1 {
		ex.api = p.apis[0]
	}
	if ex.api == nil {
		return false
	}
	// The stage is the first path segment; an HTTP API's $default stage
	// serves everything else at the root.
	first, rest := path, ""
	if len(path) > 1 {
		if i := strings.IndexByte(path[1:], '/'); i >= 0 {
			first, rest = path[:i+1], path[i+1:]
		}
	}
	if s := ex.api.stages[strings.TrimPrefix(first, "/")]; s != nil && s != ex.api.rootStage {
		ex.stage, ex.path = s, rest
		return true
	}
	if ex.api.rootStage != nil {
		ex.stage, ex.path = ex.api.rootStage, path
		return true
	}
	return false
}

// newIDs returns a request id (a UUID, as REST APIs send in
// x-amzn-RequestId), an extended id (x-amz-apigw-id / apigw-requestid
// style) and an X-Ray style trace id. They identify requests; they are
// not secrets, so a fast non-cryptographic source is enough.
func newIDs() (requestID, extendedID, traceID string) {
	var b [40]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	// The three ids are cut from one string: one allocation.
	const extLen = 16 // base64 of 11 bytes
	var all [36 + extLen + 40]byte
	uuid.Encode(all[:36], uuid.MarkV4([16]byte(b[:16])))
	base64.StdEncoding.Encode(all[36:36+extLen], b[16:27])
	t := all[36+extLen:]
	copy(t, "Root=1-")
	now := uint32(time.Now().Unix())
	hex.Encode(t[7:15], []byte{byte(now >> 24), byte(now >> 16), byte(now >> 8), byte(now)})
	t[15] = '-'
	hex.Encode(t[16:40], b[27:39])
	ids := string(all[:])
	return ids[:36], ids[36 : 36+extLen], ids[36+extLen:]
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(host)
}
