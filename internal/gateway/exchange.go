package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authorizer"
	"github.com/gatehouse/gatehouse/internal/gwerr"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/jwtauth"
	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/mapping"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/sigv4"
)

// exchange is the per-request state that flows down the pipeline. The
// plan it points into is shared and read-only; everything else belongs to
// this request alone.
type exchange struct {
	plan *Plan
	w    http.ResponseWriter
	in   *http.Request
	// rawNames maps canonical header names to the client's spelling
	// (nil when unknown).
	rawNames map[string]string
	// query is the parsed query string, filled on first use.
	query url.Values

	api   *apiPlan
	stage *stagePlan
	route *routePlan
	// path is the escaped request path below the stage (or base path).
	path      string
	params    []router.Param
	paramsBuf [8]router.Param

	requestID  string
	extendedID string
	traceID    string
	start      time.Time
	sourceIP   string
	domainName string

	// Integration request and response.
	ctx          context.Context
	cancel       context.CancelFunc
	out          *http.Request
	event        []byte // the Lambda proxy event of an AWS_PROXY integration
	resp         *http.Response
	integStart   time.Time
	integLatency time.Duration
	integStatus  int
	// integError is the integration's error message ($context.integration.error):
	// a function error's errorMessage, or why Lambda refused the call.
	integError string
	// proxyStatus is the statusCode a Lambda proxy function returned
	// ($context.integration.status); 0 for other integrations.
	proxyStatus int
	// lambdaErr is the function error of a Lambda custom integration,
	// whose errorMessage selects the integration response.
	lambdaErr *lambda.FunctionError
	// respStatus and respHeader are the method response chosen by a
	// non-proxy integration response; zero means pass the backend's.
	respStatus int
	respHeader http.Header
	// respBody is a response template's output; nil streams the
	// integration's body.
	respBody []byte
	// reqBody and integBody are the method request's and the
	// integration response's bodies, read when a mapping needs them.
	reqBody   []byte
	integBody []byte
	integRead bool
	// tplInput is the method request as templates' $input sees it, built
	// by the first render and reused by the next (templateInput).
	tplInput      mapping.InputData
	tplInputBuilt bool

	// The verified AWS_IAM caller, when the method requires one, and the
	// policy evaluation's request (kept here to avoid allocations).
	sig        *sigv4.Result
	caller     Caller
	identities Identities
	iamCtx     iam.Context
	iamReq     iam.Request
	secure     bool
	// authz is the Lambda authorizer's result, when the method has one.
	authz *authorizer.Result
	// jwtClaims are the verified token's claims on a JWT route.
	jwtClaims *jwtauth.Claims

	// validationError is $context.error.validationErrorString.
	validationError string

	// Method response as sent.
	status  int
	written int64
	err     *gwerr.Error

	// hv hands out the single header values the gateway sets, several
	// from one allocation (the slices outlive the request: the server
	// writes the response headers after the handler returns).
	hv headerValues

	// scratch is kept from one request to the next (nil until a request
	// needs it): what a pooled exchange can reuse instead of allocating.
	scratch *scratch
}

// scratch is per-request working memory that outlives the request, for
// the next one the exchange serves. Only what is done with when the
// handler returns may live here: nothing the transport or the server
// reads afterwards.
type scratch struct {
	// scope holds the variables of template renders.
	scope mapping.Scope
	// integ holds the integration response's body, read through lr.
	integ bytes.Buffer
	lr    io.LimitedReader
	// out holds the response template's output.
	out bytes.Buffer
}

// maxScratchBuffer bounds the buffers a pooled exchange keeps: a larger
// one, grown by a large body, is dropped rather than held by the pool.
const maxScratchBuffer = 64 << 10

// scratchSpace returns the exchange's scratch, made on first use.
func (ex *exchange) scratchSpace() *scratch {
	if ex.scratch == nil {
		ex.scratch = new(scratch)
	}
	return ex.scratch
}

func (ex *exchange) reset() {
	sc := ex.scratch
	*ex = exchange{}
	if sc != nil {
		sc.release()
		ex.scratch = sc
	}
}

// release drops what the scratch refers to of the request just served,
// so that a pooled exchange holds no request's data.
func (sc *scratch) release() {
	sc.scope.Reset(mapping.InputData{}, nil, nil)
	sc.lr = io.LimitedReader{}
	for _, b := range [...]*bytes.Buffer{&sc.integ, &sc.out} {
		if b.Cap() > maxScratchBuffer {
			*b = bytes.Buffer{}
		}
		b.Reset()
	}
}

func (ex *exchange) protocol() model.Protocol {
	if ex.api == nil {
		return model.REST
	}
	return ex.api.api.Protocol
}

// PathParam returns a matched path parameter's raw (escaped) value.
func (ex *exchange) PathParam(name string) string {
	for _, p := range ex.params {
		if p.Name == name {
			return p.Raw
		}
	}
	return ""
}

// Query returns the values of a query string parameter.
func (ex *exchange) Query(name string) []string {
	if ex.query == nil {
		ex.query = ex.in.URL.Query()
	}
	return ex.query[name]
}

// Header returns the values of a request header.
func (ex *exchange) Header(name string) []string {
	return ex.in.Header.Values(name)
}

// StageVariable returns a stage variable.
func (ex *exchange) StageVariable(name string) string {
	if ex.stage == nil {
		return ""
	}
	return ex.stage.variables[name]
}

// ContextValue returns $context.<name> as API Gateway documents it, or ""
// when the variable is unknown or has no value for this request.
func (ex *exchange) ContextValue(name string) string {
	switch name {
	case "requestId":
		return ex.requestID
	case "extendedRequestId":
		return ex.extendedID
	case "apiId":
		if ex.api != nil {
			return ex.api.api.ID
		}
	case "stage":
		if ex.stage != nil {
			return ex.stage.name
		}
	case "resourcePath":
		if ex.route != nil && ex.protocol() == model.REST {
			return ex.route.route.Path
		}
	case "routeKey":
		if ex.route != nil {
			return ex.route.route.Key
		}
	case "httpMethod":
		return ex.in.Method
	case "path":
		return ex.in.URL.EscapedPath()
	case "protocol":
		return ex.in.Proto
	case "requestTime":
		return ex.start.UTC().Format("02/Jan/2006:15:04:05 -0700")
	case "requestTimeEpoch":
		return strconv.FormatInt(ex.start.UnixMilli(), 10)
	case "domainName":
		return ex.domainName
	case "domainPrefix":
		prefix, _, _ := strings.Cut(ex.domainName, ".")
		return prefix
	case "accountId":
		return ex.plan.AccountID
	case "authorizer.principalId":
		if ex.authz != nil {
			return ex.authz.PrincipalID
		}
	case "identity.sourceIp":
		return ex.sourceIP
	case "identity.accessKey", "identity.caller", "identity.user", "identity.userArn", "identity.accountId",
		"identity.cognitoIdentityId", "identity.cognitoIdentityPoolId", "identity.cognitoAuthenticationType", "identity.cognitoAuthenticationProvider":
		v, _ := ex.identityValue(strings.TrimPrefix(name, "identity."))
		return v
	case "identity.userAgent":
		return ex.in.UserAgent()
	case "status":
		if ex.status != 0 {
			return strconv.Itoa(ex.status)
		}
	case "responseLength":
		return strconv.FormatInt(ex.written, 10)
	case "responseLatency":
		return strconv.FormatInt(time.Since(ex.start).Milliseconds(), 10)
	case "integrationLatency", "integration.latency":
		if !ex.integStart.IsZero() {
			return strconv.FormatInt(ex.integLatency.Milliseconds(), 10)
		}
	case "integrationStatus", "integration.integrationStatus", "integration.status":
		// For Lambda proxy integrations AWS documents integration.status
		// as the function's statusCode, the others as Lambda's own status.
		if name == "integration.status" && ex.proxyStatus != 0 {
			return strconv.Itoa(ex.proxyStatus)
		}
		if ex.integStatus != 0 {
			return strconv.Itoa(ex.integStatus)
		}
	case "integration.error", "integrationErrorMessage":
		return ex.integError
	case "error.message":
		if ex.err != nil {
			return ex.err.Message
		}
	case "error.messageString":
		if ex.err != nil {
			return strconv.Quote(ex.err.Message)
		}
	case "error.responseType":
		if ex.err != nil {
			return ex.err.ResponseType
		}
	case "error.validationErrorString":
		return ex.validationError
	default:
		if ex.jwtClaims != nil {
			for _, prefix := range [...]string{"authorizer.jwt.claims.", "authorizer.claims."} {
				if claim, ok := strings.CutPrefix(name, prefix); ok {
					return ex.jwtClaim(claim)
				}
			}
		}
		if key, ok := strings.CutPrefix(name, "authorizer."); ok && ex.authz != nil {
			for _, kv := range ex.authz.Context {
				if kv.Key == key {
					return kv.String
				}
			}
		}
	}
	return ""
}
