package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// CredentialsProvider looks up the credentials of an access key id. It
// returns an error wrapping ErrAccessKeyNotFound for an unknown key; any
// other error is a failure of the lookup itself. It is called once per
// verified request, after the cheap checks, so it should be fast (a cache
// in front of a store).
type CredentialsProvider interface {
	Credentials(ctx context.Context, accessKeyID string) (Credentials, error)
}

// SessionCredentialsProvider is a CredentialsProvider that also sees the
// request's session token (X-Amz-Security-Token, header or presigned
// query; "" when the request has none), for providers whose temporary
// credentials are looked up or decoded from the token itself, as with
// self-verifying session tokens. When a provider implements it, Verify
// calls SessionCredentials instead of Credentials. The returned
// SessionToken must still equal the request's (Verify compares them in
// constant time), and Expires still applies.
type SessionCredentialsProvider interface {
	CredentialsProvider
	SessionCredentials(ctx context.Context, accessKeyID, sessionToken string) (Credentials, error)
}

// CredentialsFunc adapts a function to a CredentialsProvider.
type CredentialsFunc func(ctx context.Context, accessKeyID string) (Credentials, error)

// Credentials calls f.
func (f CredentialsFunc) Credentials(ctx context.Context, accessKeyID string) (Credentials, error) {
	return f(ctx, accessKeyID)
}

// StaticCredentials is a CredentialsProvider over a fixed set of
// credentials, keyed by access key id (for tests and small setups).
type StaticCredentials map[string]Credentials

// Credentials returns the credentials of accessKeyID or
// ErrAccessKeyNotFound.
func (m StaticCredentials) Credentials(_ context.Context, accessKeyID string) (Credentials, error) {
	c, ok := m[accessKeyID]
	if !ok {
		return Credentials{}, ErrAccessKeyNotFound
	}
	if c.AccessKeyID == "" {
		c.AccessKeyID = accessKeyID
	}
	return c, nil
}

// Result describes a verified request: who signed it and how.
type Result struct {
	Form            Form
	AccessKeyID     string
	SessionToken    string    // X-Amz-Security-Token, "" for long-term keys
	SignedHeaders   []string  // lowercase names, as signed
	SigningTime     time.Time // X-Amz-Date, UTC
	CredentialScope string    // date/region/service/aws4_request
	Scope           Scope
	// Host is the host the signature was made for: the request's Host or
	// the entry of Options.Hosts that matched.
	Host string
	// CanonicalRequest and StringToSign are set when Options.Explain is.
	CanonicalRequest string
	StringToSign     string
}

// Verify checks the SigV4 signature of r, a request as it arrived at the
// gateway, in the header form (Authorization) or the presigned query form
// (X-Amz-Algorithm and the other X-Amz-* parameters). It uses r.Method,
// the path exactly as sent (r.RequestURI, else r.URL.EscapedPath()),
// r.URL.RawQuery, r.Host (or the hosts of Options.Hosts), the headers and
// the body. The body is hashed with a bounded read (Options.MaxBodyBytes)
// and put back in r.Body, so the request can still be forwarded; with
// X-Amz-Content-Sha256: UNSIGNED-PAYLOAD it is not read.
//
// Options.Region and Options.Service (execute-api by default) are the
// scope the credential must have; Options.Now and Options.ClockSkew (5
// minutes) bound the request date. The secret comes from provider.
//
// The checks run in API Gateway's order, and a refusal is an *Error with
// API Gateway's status, type and message:
//
//  1. no signature at all: 403 MissingAuthenticationTokenException;
//     both forms at once, or a malformed one: 403 IncompleteSignature or
//     InvalidSignature, as AWS words it;
//  2. a bad or skewed date, an expired presigned URL;
//  3. host not signed; credential scope (region, service, terminator,
//     date);
//  4. unknown access key: 403 UnrecognizedClientException;
//  5. signature mismatch (compared in constant time): 403
//     InvalidSignatureException quoting the canonical request and the
//     string to sign;
//  6. a session token that does not belong to the key, or expired
//     temporary credentials.
//
// Only a failure of provider (other than ErrAccessKeyNotFound) or of
// reading the body is wrapped in a 500 *Error with Err set.
func (s *Signer) Verify(ctx context.Context, r *http.Request, provider CredentialsProvider, optFns ...func(*Options)) (*Result, error) {
	o := s.options(optFns)
	authz := r.Header.Get(HeaderAuthorization)
	if vv := r.Header.Values(HeaderAuthorization); len(vv) > 1 {
		// Repeated headers reach a server joined with commas; a repeated
		// Authorization then fails to parse as one, instead of the first
		// copy being trusted silently.
		authz = strings.Join(vv, ", ")
	}
	presigned := hasQueryKey(r.URL.RawQuery, ParamAlgorithm)
	var (
		a   Authorization
		err error
	)
	switch {
	case authz != "" && presigned:
		return nil, errInvalid(msgFoundBoth)
	case authz != "":
		a, err = ParseAuthorization(authz, r.Header, o.LegacyErrorMessages)
	case presigned:
		a, err = ParsePresigned(r.URL.RawQuery)
	default:
		return nil, errMissingToken()
	}
	if err != nil {
		return nil, err
	}

	// Date and clock.
	var signed time.Time
	ok := false
	if a.dateFromHTTP {
		signed, err = http.ParseTime(a.Date)
		ok = err == nil
	} else {
		signed, ok = parseAmzDate(a.Date)
	}
	if !ok {
		return nil, errBadDate(a.Date)
	}
	signed = signed.UTC()
	now := o.now().UTC().Truncate(time.Second)
	skew := o.skew()
	if signed.After(now.Add(skew)) {
		return nil, errNotYetCurrent(signed, now, skew)
	}
	if a.Form == QueryForm && a.Expires != "" {
		exp, err := a.expires()
		if err != nil {
			return nil, err
		}
		if now.After(signed.Add(exp)) {
			return nil, errInvalid(msgPresignExpired)
		}
	} else if signed.Before(now.Add(-skew)) {
		return nil, errExpired(signed, now, skew)
	}

	if !hasSignedHeader(a.SignedHeaders, "host") {
		return nil, errInvalid(msgHostNotSigned)
	}

	// Credential scope.
	scope, err := ParseScope(a.Credential)
	if err != nil {
		return nil, err
	}
	var tbuf [16]byte
	amzDate := appendTime(tbuf[:0], signed)
	if msg := scopeErrors(&scope, o.Region, o.service(), amzDate); msg != "" {
		return nil, errInvalid(msg)
	}

	var creds Credentials
	if sp, ok := provider.(SessionCredentialsProvider); ok {
		creds, err = sp.SessionCredentials(ctx, scope.AccessKeyID, a.SecurityToken)
	} else {
		creds, err = provider.Credentials(ctx, scope.AccessKeyID)
	}
	switch {
	case errors.Is(err, ErrAccessKeyNotFound):
		return nil, errUnrecognized(err)
	case err != nil:
		return nil, errInternal(fmt.Errorf("sigv4: look up access key %q: %w", scope.AccessKeyID, err))
	case creds.SecretAccessKey == "":
		return nil, errUnrecognized(nil)
	}
	if creds.AccessKeyID == "" {
		creds.AccessKeyID = scope.AccessKeyID
	}

	payload := UnsignedPayload
	if a.ContentSHA256 != UnsignedPayload || o.RejectUnsignedPayload {
		payload, err = hashBody(r, o.maxBody())
		if err != nil {
			return nil, err
		}
	}

	var given [32]byte
	validHex := decodeHex(given[:], a.Signature)

	hosts := o.Hosts
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	in := canonicalInput{
		method:        r.Method,
		path:          wirePath(r),
		rawQuery:      r.URL.RawQuery,
		headers:       headerSource{header: r.Header, contentLength: r.ContentLength},
		signedHeaders: a.SignedHeaders,
		payloadHash:   payload,
		normalize:     !o.DisableNormalization,
	}
	if a.Form == QueryForm {
		in.skipParam = ParamSignature
	}
	credScope := a.Credential[len(scope.AccessKeyID)+1:]
	credScope = strings.TrimRight(credScope, "/")

	key := s.cache.get(&creds, scope.Date, scope.Region, scope.Service)
	buf := s.getBuffers()
	defer s.putBuffers(buf)
	var firstCanonical, firstSTS string
	matched := ""
	found := false
	for i, h := range hosts {
		if h == "" {
			h = requestHost(r)
		}
		in.headers.host = h
		buf.canonical, buf.scratch = appendCanonicalRequest(buf.canonical[:0], &in, buf.scratch)
		sum := sha256.Sum256(buf.canonical)
		buf.sts = appendStringToSign(buf.sts[:0], string(amzDate), credScope, &sum)
		var sig [32]byte
		sig, buf.mac = key.sum(buf.sts, buf.mac)
		if hmac.Equal(sig[:], given[:]) && validHex {
			matched, found = h, true
			break
		}
		if i == 0 {
			firstCanonical, firstSTS = string(buf.canonical), string(buf.sts)
		}
	}
	if !found {
		return nil, errMismatch(firstCanonical, firstSTS)
	}

	if subtle.ConstantTimeCompare([]byte(creds.SessionToken), []byte(a.SecurityToken)) != 1 {
		return nil, errUnrecognized(nil)
	}
	if !creds.Expires.IsZero() && !now.Before(creds.Expires) {
		return nil, newError(http.StatusForbidden, TypeExpiredToken, msgExpiredToken)
	}

	res := &Result{
		Form:            a.Form,
		AccessKeyID:     scope.AccessKeyID,
		SessionToken:    a.SecurityToken,
		SignedHeaders:   strings.Split(a.SignedHeaders, ";"),
		SigningTime:     signed,
		CredentialScope: credScope,
		Scope:           scope,
		Host:            matched,
	}
	if o.Explain {
		res.CanonicalRequest, res.StringToSign = string(buf.canonical), string(buf.sts)
	}
	return res, nil
}

// requestHost is the Host a request arrived with.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// scopeErrors returns AWS's messages for every part of the credential
// scope that is wrong, concatenated as AWS sends them, or "".
func scopeErrors(sc *Scope, region, service string, amzDate []byte) string {
	var msg string
	if sc.Region != region {
		msg += "Credential should be scoped to a valid region, not '" + sc.Region + "'. "
	}
	if sc.Service != service {
		msg += "Credential should be scoped to correct service: '" + service + "'. "
	}
	if sc.Terminator != "aws4_request" {
		msg += "Credential should be scoped with a valid terminator: 'aws4_request', not '" + sc.Terminator + "'. "
	}
	if sc.Date != string(amzDate[:8]) {
		msg += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			sc.Date + "' != '" + string(amzDate[:8]) + "', from '" + string(amzDate) + "'."
	}
	return msg
}

// hasQueryKey reports whether the raw query has a parameter named key.
func hasQueryKey(raw, key string) bool {
	for raw != "" {
		i := strings.Index(raw, key)
		if i < 0 {
			return false
		}
		end := i + len(key)
		if (i == 0 || raw[i-1] == '&') && (end == len(raw) || raw[end] == '=' || raw[end] == '&') {
			return true
		}
		raw = raw[end:]
	}
	return false
}

// hasSignedHeader reports whether name is in the ';'-separated list
// (case-insensitively, as AWS accepts "Host").
func hasSignedHeader(list, name string) bool {
	for list != "" {
		var h string
		h, list, _ = strings.Cut(list, ";")
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// decodeHex decodes 64 hex digits into dst; false if s is not that.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

// hashBody returns the hex SHA-256 of r's body, read up to max bytes, and
// puts an equal body back in r.Body (and r.GetBody) for forwarding.
func hashBody(r *http.Request, max int64) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyPayloadHash, nil
	}
	if r.ContentLength > max {
		return "", errTooLarge()
	}
	var b bytes.Buffer
	if r.ContentLength > 0 {
		b.Grow(int(r.ContentLength))
	}
	n, err := b.ReadFrom(io.LimitReader(r.Body, max+1))
	if err != nil {
		return "", errInternal(fmt.Errorf("sigv4: read body: %w", err))
	}
	if n > max {
		return "", errTooLarge()
	}
	r.Body.Close()
	body := b.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if len(body) == 0 {
		return EmptyPayloadHash, nil
	}
	sum := sha256.Sum256(body)
	var hexSum [64]byte
	return string(appendHex(hexSum[:0], sum[:])), nil
}
