package authorizer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
)

// Invoker runs a Lambda function synchronously; *lambda.Host is one.
// Invoke must return when ctx ends: a cache miss calls it on the request's
// own goroutine.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error)
}

// Options are the optional parts of an Authorizer.
type Options struct {
	// MaxEntries bounds the result cache; 0 means DefaultMaxEntries. The
	// least recently used result is evicted first.
	MaxEntries int
	// Now returns the current time, for cache expiry; nil means time.Now.
	Now func() time.Time
}

// Authorizer is one compiled Lambda authorizer with its result cache. It is
// safe for concurrent use; its configuration is immutable.
type Authorizer struct {
	cfg   Config
	plan  plan
	mode  Mode
	inv   Invoker
	now   func() time.Time
	ttl   time.Duration
	cache *cache // nil when ResultTTL is 0
}

// New validates cfg and returns its Authorizer, which calls functions
// through inv.
func New(cfg Config, inv Invoker, opts Options) (*Authorizer, error) {
	p, err := compile(&cfg)
	if err != nil {
		return nil, err
	}
	if inv == nil {
		return nil, fmt.Errorf("authorizer %q: no Invoker", cfg.Name)
	}
	a := &Authorizer{cfg: cfg, plan: p, inv: inv, now: opts.Now, ttl: time.Duration(cfg.ResultTTL) * time.Second}
	if a.now == nil {
		a.now = time.Now
	}
	switch {
	case cfg.Protocol == model.REST:
		a.mode = PolicyREST
	case cfg.EnableSimpleResponses:
		a.mode = Simple
	default:
		a.mode = PolicyHTTP
	}
	if cfg.ResultTTL > 0 {
		n := opts.MaxEntries
		if n <= 0 {
			n = DefaultMaxEntries
		}
		a.cache = newCache(n)
	}
	return a, nil
}

// Config returns the authorizer's configuration.
func (a *Authorizer) Config() Config { return a.cfg }

// Result is what an Allow gives the rest of the pipeline. A Result may be
// shared by every request that hits the same cache entry: callers must not
// modify it.
type Result struct {
	// PrincipalID is $context.authorizer.principalId (empty for simple
	// responses).
	PrincipalID string
	// Context is the authorizer's context map in the function's order:
	// $context.authorizer.<key> is KV.String, and the proxy event gets
	// KV.JSON.
	Context []KV
	// UsageIdentifierKey is the usage plan API key the function returned.
	UsageIdentifierKey string
}

// maxKeyBuf is the cache key size built without allocating.
const maxKeyBuf = 512

// Authorize runs the authorizer for r. It returns the Result of an Allow, or
// a *gwerr.Error with the status, x-amzn-ErrorType and body API Gateway
// answers with (401, 403 or 500); the cause of a 500 is wrapped in its Err.
func (a *Authorizer) Authorize(ctx context.Context, r *Request) (*Result, error) {
	var idBuf [8]string
	ids, ok := a.identity(r, idBuf[:0])
	if !ok {
		return nil, a.unauthorized(errors.New("identity source missing or empty"))
	}
	if a.plan.re != nil && !a.plan.re.MatchString(ids[0]) {
		return nil, a.unauthorized(errors.New("token does not match identityValidationExpression"))
	}
	if a.cache == nil {
		out, err := a.invoke(ctx, r, ids)
		if err != nil {
			return nil, err
		}
		return a.decide(out, r)
	}
	// The key is the stage and the identity values, NUL-separated: a
	// stage's deployment has its own cache.
	var kb [maxKeyBuf]byte
	key := append(kb[:0], r.stage()...)
	for _, id := range ids {
		key = append(key, 0)
		key = append(key, id...)
	}
	if out := a.cache.get(key, a.now()); out != nil {
		return a.decide(out, r)
	}
	return a.miss(ctx, r, key, ids)
}

// miss runs the function for a key that is not cached, sharing the call with
// concurrent misses of the same key. It is apart from Authorize so that the
// hit path's buffers stay on the stack.
//
// The first caller (the leader) calls the function itself, with its own
// context, and the others wait for its outcome: a miss costs no goroutine
// hand-off. When the leader's context ends first (its client is gone), its
// call is not the others' answer: it is abandoned, and one of them calls
// again, so one client's disconnect does not fail the others. Every caller
// returns at its own context's end (500).
func (a *Authorizer) miss(ctx context.Context, r *Request, key []byte, ids []string) (*Result, error) {
	skey := string(key)
	for {
		cl, leader := a.cache.join(skey)
		if leader {
			out, err := a.invoke(ctx, r, ids)
			if err != nil && ctx.Err() != nil {
				a.cache.abandon(skey, cl)
				return nil, a.internal(fmt.Errorf("authorizer %s: %w", a.cfg.Function, ctx.Err()))
			}
			cl.out, cl.err = out, err
			// Only results are cached, not 401s or failures: "For a
			// valid policy, API Gateway caches the returned policy"
			// (docs/authorizers.md).
			a.cache.finish(skey, cl, a.now().Add(a.ttl), err == nil)
			if err != nil {
				return nil, err
			}
			return a.decide(out, r)
		}
		select {
		case <-cl.done:
		case <-ctx.Done():
			return nil, a.internal(fmt.Errorf("authorizer %s: %w", a.cfg.Function, ctx.Err()))
		}
		if cl.abandoned {
			continue
		}
		if cl.err != nil {
			return nil, cl.err
		}
		return a.decide(cl.out, r)
	}
}

// invoke builds the event, calls the function and parses its result.
func (a *Authorizer) invoke(ctx context.Context, r *Request, ids []string) (*Output, error) {
	payload, err := a.event(r, ids)
	if err != nil {
		return nil, a.internal(err)
	}
	return a.call(ctx, payload)
}

// call calls the function with the event and parses its result.
func (a *Authorizer) call(ctx context.Context, payload []byte) (*Output, error) {
	res, fnErr, err := a.inv.Invoke(ctx, a.cfg.Function, payload)
	switch {
	case err != nil:
		return nil, a.internal(fmt.Errorf("invoke authorizer %s: %w", a.cfg.Function, err))
	case fnErr != nil:
		// callback("Unauthorized") and throw new Error("Unauthorized")
		// both give errorMessage "Unauthorized": API Gateway's 401.
		if fnErr.Message == "Unauthorized" {
			return nil, a.unauthorized(fnErr)
		}
		return nil, a.internal(fmt.Errorf("authorizer %s: %w", a.cfg.Function, fnErr))
	}
	out, err := ParseOutput(a.mode, a.cfg.Name, res)
	if err != nil {
		return nil, a.internal(fmt.Errorf("authorizer %s: %w", a.cfg.Function, err))
	}
	return out, nil
}

// decide applies a (possibly cached) output to the method being called:
// a policy is evaluated against this request's method ARN.
func (a *Authorizer) decide(out *Output, r *Request) (*Result, error) {
	if a.mode == Simple {
		if !out.IsAuthorized {
			return nil, a.forbidden(iam.ImplicitDeny)
		}
	} else {
		res := out.Policy.Evaluate(&iam.Request{Action: "execute-api:Invoke", Resource: r.MethodARN})
		if r.Resource != nil {
			res = iam.AuthorizeGateway(iam.GatewayInput{Auth: iam.AuthLambda, Identity: res, Resource: *r.Resource, HasResourcePolicy: true})
		}
		if res.Decision != iam.Allow {
			return nil, a.forbidden(res.Decision)
		}
	}
	return out.result(), nil
}

// result returns the Output's Result view without copying: Output embeds
// the fields Result needs at the same place.
func (o *Output) result() *Result {
	return &o.res
}

// Messages and bodies of API Gateway's answers; see docs/authorizers.md for
// where each was checked.
const (
	msgUnauthorized   = "Unauthorized"
	msgExplicitDeny   = "User is not authorized to access this resource with an explicit deny"
	msgImplicitDeny   = "User is not authorized to access this resource"
	msgForbidden      = "Forbidden"
	bodyRESTConfigErr = `{"message": null}`
)

func (a *Authorizer) unauthorized(cause error) error {
	e := &gwerr.Error{Status: http.StatusUnauthorized, Message: msgUnauthorized,
		ResponseType: "UNAUTHORIZED", Err: cause}
	if a.cfg.Protocol == model.REST {
		e.Type = "UnauthorizedException"
	}
	return e
}

func (a *Authorizer) forbidden(d iam.Decision) error {
	if a.cfg.Protocol != model.REST {
		return &gwerr.Error{Status: http.StatusForbidden, Message: msgForbidden, ResponseType: "ACCESS_DENIED"}
	}
	msg := msgImplicitDeny
	if d == iam.ExplicitDeny {
		msg = msgExplicitDeny
	}
	return &gwerr.Error{Status: http.StatusForbidden, Type: "AccessDeniedException", Message: msg,
		Body: `{"Message":` + gwerr.Quote(msg) + `}`, ResponseType: "ACCESS_DENIED"}
}

func (a *Authorizer) internal(cause error) error {
	if a.cfg.Protocol != model.REST {
		return gwerr.HTTPInternal(cause)
	}
	return &gwerr.Error{Status: http.StatusInternalServerError, Type: "AuthorizerConfigurationException",
		Body: bodyRESTConfigErr, ResponseType: "AUTHORIZER_CONFIGURATION_ERROR", Err: cause}
}
