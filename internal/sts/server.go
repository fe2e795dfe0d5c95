package sts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/uuid"
	"github.com/gatehouse/gatehouse/sigv4"
)

// Defaults of Options.
const (
	// DefaultClockSkew is how far a signature's date may be from the
	// server's clock: STS allows 15 minutes ("Signature expired: … (… -
	// 15 min.)"), where execute-api allows 5.
	DefaultClockSkew = 15 * time.Minute
	// DefaultActionTimeout bounds one action, JWKS fetches included.
	DefaultActionTimeout = 10 * time.Second
)

// Options configure a Server.
type Options struct {
	// Region is the region signatures must be scoped to. Required.
	Region string
	// Authority resolves callers and issues credentials. Required.
	Authority *Authority
	// Providers are the web identity providers AssumeRoleWithWebIdentity
	// accepts tokens from, by issuer. Nil means none: every web identity
	// token is refused.
	Providers []WebIdentityProvider
	// Logger receives refusals at debug level and internal failures at
	// error level; never secrets. Nil discards.
	Logger *slog.Logger
	// Now is the clock for signatures. Nil means time.Now.
	Now func() time.Time
}

// Server serves the STS query protocol (form POST or GET with Action and
// Version=2011-06-15, XML responses): GetCallerIdentity,
// GetSessionToken, AssumeRole and AssumeRoleWithWebIdentity. It is an
// http.Handler for the awsEndpoints listener.
type Server struct {
	auth      *Authority
	signer    *sigv4.Signer
	providers []WebIdentityProvider
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Authority == nil || opts.Region == "" {
		return nil, errors.New("sts: Authority and Region are required")
	}
	s := &Server{auth: opts.Authority, providers: opts.Providers, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.signer = sigv4.New(sigv4.Options{Region: opts.Region, Service: "sts", Now: s.now, ClockSkew: DefaultClockSkew, MaxBodyBytes: MaxBodyBytes})
	return s, nil
}

// call is one request being served.
type call struct {
	r      *http.Request
	params url.Values
	caller Principal
	now    time.Time
	// result is the response document the action produced.
	result any
}

// param returns a parameter's first value and whether it was given.
func (c *call) param(name string) (string, bool) {
	vs, ok := c.params[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// ServeHTTP serves one STS request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	if e := s.serve(w, r, requestID); e != nil {
		if e.Status >= 500 {
			s.log.Error("sts: internal failure", "requestId", requestID, "err", e.Err)
		} else {
			s.log.Debug("sts: refused", "requestId", requestID, "code", e.Code, "message", e.Message)
		}
		writeError(w, requestID, e)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, requestID string) *Error {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	params, err := ParseParams(r.URL.RawQuery, r.Header.Get("Content-Type"), body)
	if err != nil {
		var se *Error
		errors.As(err, &se)
		return se
	}
	c := &call{r: r, params: params, now: s.now()}
	action, _ := c.param("Action")
	if action == "" {
		return sender(http.StatusBadRequest, CodeMissingAction, "Missing Action")
	}
	version, _ := c.param("Version")
	var op func(*call, string) *Error
	signed := true
	if version == Version {
		switch action {
		case "GetCallerIdentity":
			op = s.getCallerIdentity
		case "GetSessionToken":
			op = s.getSessionToken
		case "AssumeRole":
			op = s.assumeRole
		case "AssumeRoleWithWebIdentity":
			op, signed = s.assumeRoleWithWebIdentity, false
		}
	}
	if op == nil {
		return sender(http.StatusBadRequest, CodeInvalidAction, "Could not find operation %s for version %s", action, version)
	}
	if signed {
		// Verify re-reads the body to hash it.
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		p := &principalLookup{auth: s.auth}
		if _, err := s.signer.Verify(r.Context(), r, p); err != nil {
			return fromSigV4(err)
		}
		c.caller = p.principal
	}
	ctx, cancel := context.WithTimeout(r.Context(), DefaultActionTimeout)
	defer cancel()
	c.r = r.WithContext(ctx)
	if e := op(c, requestID); e != nil {
		return e
	}
	writeXML(w, http.StatusOK, requestID, c.result)
	return nil
}

// principalLookup resolves the signing key for sigv4 and keeps the
// principal it found.
type principalLookup struct {
	auth      *Authority
	principal Principal
}

// SessionCredentials resolves long-term and temporary credentials.
func (p *principalLookup) SessionCredentials(_ context.Context, accessKeyID, token string) (sigv4.Credentials, error) {
	pr, ok := p.auth.Principal(accessKeyID, token)
	if !ok {
		return sigv4.Credentials{}, sigv4.ErrAccessKeyNotFound
	}
	p.principal = pr
	return sigv4.Credentials{AccessKeyID: pr.AccessKeyID, SecretAccessKey: pr.Secret, SessionToken: pr.SessionToken, Expires: pr.Expires}, nil
}

// Credentials resolves a long-term key (SessionCredentials is what
// sigv4 calls).
func (p *principalLookup) Credentials(ctx context.Context, accessKeyID string) (sigv4.Credentials, error) {
	return p.SessionCredentials(ctx, accessKeyID, "")
}

// getCallerIdentity answers who signed the request. It needs no
// permission: even an explicit Deny does not stop it, as on AWS.
func (s *Server) getCallerIdentity(c *call, requestID string) *Error {
	var doc getCallerIdentityResponse
	doc.Xmlns = Namespace
	doc.Result.Arn, doc.Result.UserID, doc.Result.Account = c.caller.ARN, c.caller.UserID, c.caller.AccountID
	doc.Metadata.RequestID = requestID
	c.result = &doc
	return nil
}

// GetSessionToken's DurationSeconds bounds: 15 minutes to 36 hours,
// 12 hours by default.
const (
	minDuration             = 900
	maxSessionTokenDuration = 129600
	defSessionTokenDuration = 43200
	maxRoleDuration         = 43200
	defRoleDuration         = 3600
	chainedRoleMaxDuration  = 3600
)

// duration reads DurationSeconds: absent gives def; a value outside
// [minDuration, max] is a validation error.
func duration(c *call, v *validation, max, def int) (int, bool) {
	raw, ok := c.param("DurationSeconds")
	if !ok {
		return def, false
	}
	d, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		v.fail(raw, "durationSeconds", "Member must be an integer")
	case d < minDuration:
		v.fail(raw, "durationSeconds", "Member must have value greater than or equal to "+strconv.Itoa(minDuration))
	case d > max:
		v.fail(raw, "durationSeconds", "Member must have value less than or equal to "+strconv.Itoa(max))
	}
	return d, true
}

func (s *Server) getSessionToken(c *call, requestID string) *Error {
	var v validation
	d, _ := duration(c, &v, maxSessionTokenDuration, defSessionTokenDuration)
	minSize := minimumTokenSize(c, &v)
	if e := v.err(); e != nil {
		return e
	}
	if _, ok := c.param("SerialNumber"); ok {
		return sender(http.StatusForbidden, CodeAccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	}
	if c.caller.Temporary() {
		return sender(http.StatusForbidden, CodeAccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	u, ok := s.auth.dir.User(c.caller.UserName)
	if !ok {
		return sender(http.StatusForbidden, CodeInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	creds, err := s.auth.issue(&session{Kind: kindUser, Name: u.UserName, ID: u.UserID}, time.Duration(d)*time.Second, minSize)
	if err != nil {
		return internalFailure(err)
	}
	var doc getSessionTokenResponse
	doc.Xmlns = Namespace
	doc.Result.Credentials = credentialsOf(creds)
	doc.Result.tokenSizeXML = tokenSize(creds)
	doc.Metadata.RequestID = requestID
	c.result = &doc
	return nil
}

// minimumTokenSize reads MinimumSessionTokenSize: 0 (absent) to
// MaxSessionTokenBytes.
func minimumTokenSize(c *call, v *validation) int {
	raw, ok := c.param("MinimumSessionTokenSize")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		v.fail(raw, "minimumSessionTokenSize", "Member must be an integer")
	case n < 0:
		v.fail(raw, "minimumSessionTokenSize", "Member must have value greater than or equal to 0")
	case n > MaxSessionTokenBytes:
		v.fail(raw, "minimumSessionTokenSize", "Member must have value less than or equal to "+strconv.Itoa(MaxSessionTokenBytes))
	default:
		return n
	}
	return 0
}

// sessionRequest is what AssumeRole and AssumeRoleWithWebIdentity share.
type sessionRequest struct {
	roleARN     string
	sessionName string
	policy      *iam.Policy
	policyJSON  string
	compact     json.RawMessage // policyJSON compacted, for the token
	duration    int
	durationSet bool
	minSize     int
}

// readSessionRequest validates RoleArn, RoleSessionName, DurationSeconds
// and Policy, collecting every constraint violation, and refuses the
// parameters gatehouse does not support (rather than ignore them: they
// would change who may do what).
func readSessionRequest(c *call, v *validation) sessionRequest {
	var sr sessionRequest
	if arn, ok := c.param("RoleArn"); !ok {
		v.null("roleArn")
	} else if v.length(arn, "roleArn", 20, 2048) {
		sr.roleARN = arn
	}
	if name, ok := c.param("RoleSessionName"); !ok {
		v.null("roleSessionName")
	} else if v.length(name, "roleSessionName", 2, 64) {
		n := len(*v)
		v.pattern(name, "roleSessionName", `[\w+=,.@-]*`, isNameChar)
		if len(*v) == n {
			sr.sessionName = name
		}
	}
	sr.duration, sr.durationSet = duration(c, v, maxRoleDuration, defRoleDuration)
	sr.minSize = minimumTokenSize(c, v)
	if p, ok := c.param("Policy"); ok {
		if v.length(p, "policy", 1, 2048) {
			sr.policyJSON = p
		}
	}
	return sr
}

// unsupported refuses parameters that gatehouse does not implement.
func unsupported(c *call, names ...string) *Error {
	for _, n := range names {
		for k := range c.params {
			if k == n || strings.HasPrefix(k, n+".") {
				return sender(http.StatusBadRequest, CodeInvalidParameterValue, "gatehouse does not support the %s parameter (see docs/sts.md)", n)
			}
		}
	}
	return nil
}

// sessionPolicy compiles the inline session policy and its
// PackedPolicySize: the compact document as a percentage of the
// 2,048-character allowance (AWS packs it in a binary form whose size it
// does not document; docs/sts.md).
func (sr *sessionRequest) sessionPolicy() (*int, *Error) {
	if sr.policyJSON == "" {
		return nil, nil
	}
	p, err := iam.ParsePolicy("session policy", iam.IdentityPolicy, []byte(sr.policyJSON))
	if err != nil {
		msg := "Syntax errors in policy."
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Msg != "" {
			msg = pe.Msg
		}
		return nil, &Error{Status: http.StatusBadRequest, Type: "Sender", Code: CodeMalformedPolicyDocument, Message: msg, Err: err}
	}
	sr.policy = p
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(sr.policyJSON)); err != nil {
		return nil, internalFailure(err)
	}
	sr.compact = json.RawMessage(b.Bytes())
	size := (b.Len()*100 + 2047) / 2048
	return &size, nil
}

// roleFromARN finds the role an ARN names: arn:aws:iam::{account}:role{path}{name}
// in the store's account, with the path it was created with.
func (s *Server) roleFromARN(arn string) (roleName string, ok bool) {
	a, err := iam.ParseARN(arn)
	if err != nil || a.Partition != "aws" || a.Service != "iam" || a.Region != "" || a.AccountID != s.auth.AccountID() {
		return "", false
	}
	rest, found := strings.CutPrefix(a.Resource, "role/")
	if !found || rest == "" {
		return "", false
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	r, found := s.auth.dir.Role(name)
	if !found || r.ARN != arn {
		return "", false
	}
	return r.RoleName, true
}

func (s *Server) assumeRole(c *call, requestID string) *Error {
	var v validation
	sr := readSessionRequest(c, &v)
	ext, hasExt := c.param("ExternalId")
	if hasExt && v.length(ext, "externalId", 2, 1224) {
		v.pattern(ext, "externalId", `[\w+=,.@:\/-]*`, isExternalIDChar)
	}
	src, hasSrc := c.param("SourceIdentity")
	if hasSrc && v.length(src, "sourceIdentity", 2, 64) {
		v.pattern(src, "sourceIdentity", `[\w+=,.@-]*`, isNameChar)
	}
	if e := v.err(); e != nil {
		return e
	}
	if e := unsupported(c, "PolicyArns", "Tags", "TransitiveTagKeys", "SerialNumber", "TokenCode", "ProvidedContexts"); e != nil {
		return e
	}
	packed, e := sr.sessionPolicy()
	if e != nil {
		return e
	}
	caller := &c.caller
	denied := accessDenied(caller.ARN, "sts:AssumeRole", sr.roleARN)

	// The caller's own permissions (narrowed by its session policy, for
	// role chaining) must allow sts:AssumeRole on the role ...
	var ictx iam.Context
	caller.Context(&ictx)
	ictx.SourceIP, ictx.UserAgent, ictx.CurrentTime = sourceIP(c.r), c.r.UserAgent(), c.now
	ictx.SecureTransport = iam.BoolPtr(c.r.TLS != nil)
	ictx.Set("sts:RoleSessionName", sr.sessionName)
	if hasExt {
		ictx.Set("sts:ExternalId", ext)
	}
	if hasSrc {
		ictx.Set("sts:SourceIdentity", src)
	}
	req := iam.Request{Action: "sts:AssumeRole", Resource: sr.roleARN, Context: &ictx}
	name, ok := s.roleFromARN(sr.roleARN)
	if !ok {
		return denied
	}
	role, ok := s.auth.dir.Role(name)
	if !ok || caller.Evaluate(&req).Decision != iam.Allow {
		return denied
	}
	// ... and the role's trust policy must trust the caller.
	if role.Trust.Evaluate(&req).Decision != iam.Allow {
		return denied
	}

	d := sr.duration
	if caller.Type == TypeAssumedRole {
		if d > chainedRoleMaxDuration {
			return sender(http.StatusBadRequest, CodeValidationError, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
	} else if d > role.MaxSessionDuration {
		return sender(http.StatusBadRequest, CodeValidationError, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	sess := &session{Kind: kindRole, Name: role.RoleName, ID: role.RoleID, SessionName: sr.sessionName, Policy: sr.compact, SourceIdentity: src}
	creds, err := s.auth.issue(sess, time.Duration(d)*time.Second, sr.minSize)
	if err != nil {
		return internalFailure(err)
	}
	var doc assumeRoleResponse
	doc.Xmlns = Namespace
	doc.Result.SourceIdentity = src
	doc.Result.AssumedRoleUser = assumedRoleUserXML{Arn: AssumedRoleARN(role.AccountID, role.RoleName, sr.sessionName), AssumedRoleID: role.RoleID + ":" + sr.sessionName}
	doc.Result.Credentials = credentialsOf(creds)
	doc.Result.PackedPolicySize = packed
	doc.Result.tokenSizeXML = tokenSize(creds)
	doc.Metadata.RequestID = requestID
	c.result = &doc
	return nil
}

// sourceIP is the caller's address, for aws:SourceIp.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID returns a UUID (version 4), as STS's RequestId.
func newRequestID() string { return uuid.New() }
