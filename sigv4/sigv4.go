// Package sigv4 signs, presigns and verifies HTTP requests with AWS
// Signature Version 4 (AWS4-HMAC-SHA256), the way Amazon API Gateway
// (service "execute-api") computes and checks them.
//
// A Signer holds default Options and a cache of derived signing keys. Use
// one Signer for many requests, from many goroutines:
//
//	s := sigv4.New(sigv4.Options{Region: "us-east-1"})
//	_, err := s.Sign(req, creds)             // Authorization header
//	_, err = s.Presign(req, creds)           // or X-Amz-* query parameters
//	res, err := s.Verify(ctx, req, provider) // on the gateway side
//
// Every method takes optional per-call overrides of the Options, as
// functions (func(*Options)), in the style of aws-sdk-go-v2.
//
// # Canonicalization
//
// The canonical request is built as execute-api builds it (and as the AWS
// signing test suite in aws-c-auth expects, with use_double_uri_encode):
//
//   - The URI path is taken as it travels on the wire, that is already
//     percent-encoded once by the client (r.RequestURI on a server request,
//     r.URL.EscapedPath otherwise), normalized (empty and "." segments
//     removed, ".." removes the segment before it, a trailing slash kept)
//     and URI-encoded once more: "/a b" is sent as "/a%20b" and signed as
//     "/a%2520b". Options.DisableNormalization keeps the segments as sent.
//   - Each query key and value is decoded ('+' is a space) and re-encoded
//     with %20 for a space and every byte outside A-Z a-z 0-9 - . _ ~
//     percent-encoded; pairs are sorted by key, then value.
//   - Header names are lowercased; values are trimmed and each run of
//     whitespace becomes one space; repeated headers are joined with commas
//     in their order. The headers of Options.UnsignedHeaders (by default
//     DefaultUnsignedHeaders) are never signed.
//   - The payload hash is the hex SHA-256 of the body, or UNSIGNED-PAYLOAD
//     when the request says so with X-Amz-Content-Sha256.
//
// Build exposes the canonical request and the string to sign without
// signing anything, and a signature mismatch returned by Verify quotes them
// in AWS's own message, so a gateway can show them verbatim.
//
// # Errors
//
// Verify returns *Error values whose Status, Type and Message are what API
// Gateway answers, word for word (see docs/sigv4-errors.md in the
// repository for the source of each message). Sign, Presign and Build
// return ordinary wrapped errors (reading the body, bad options).
package sigv4

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Protocol constants.
const (
	// Algorithm is the only algorithm this package signs and verifies.
	Algorithm = "AWS4-HMAC-SHA256"
	// UnsignedPayload is the payload hash of a request whose body is not
	// signed (X-Amz-Content-Sha256: UNSIGNED-PAYLOAD).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// EmptyPayloadHash is the hex SHA-256 of an empty body.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// ServiceExecuteAPI is API Gateway's signing name, the default service.
	ServiceExecuteAPI = "execute-api"
	// TimeFormat is the layout of X-Amz-Date.
	TimeFormat = "20060102T150405Z"
	// DateFormat is the layout of the date in a credential scope.
	DateFormat = "20060102"

	// DefaultClockSkew is how far a request's date may be from the
	// verifier's clock, as on AWS.
	DefaultClockSkew = 5 * time.Minute
	// DefaultPresignExpires is the lifetime of a presigned URL when
	// Options.Expires is 0 (the aws-sdk default).
	DefaultPresignExpires = 15 * time.Minute
	// MaxPresignExpires is the longest X-Amz-Expires AWS accepts: a week.
	MaxPresignExpires = 7 * 24 * time.Hour
	// MaxPayloadBytes is API Gateway's payload limit, 10 MB: the most Verify
	// reads from a body by default.
	MaxPayloadBytes = 10 << 20
)

// Header and query parameter names.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "X-Amz-Date"
	HeaderSecurityToken = "X-Amz-Security-Token"
	HeaderContentSHA256 = "X-Amz-Content-Sha256"

	ParamAlgorithm     = "X-Amz-Algorithm"
	ParamCredential    = "X-Amz-Credential"
	ParamDate          = "X-Amz-Date"
	ParamExpires       = "X-Amz-Expires"
	ParamSignedHeaders = "X-Amz-SignedHeaders"
	ParamSignature     = "X-Amz-Signature"
	ParamSecurityToken = "X-Amz-Security-Token"
	ParamContentSHA256 = "X-Amz-Content-Sha256"
)

// DefaultUnsignedHeaders returns the lowercase names of the headers that
// are never signed unless Options.UnsignedHeaders says otherwise: the
// Authorization header itself, and headers that proxies and HTTP clients
// add or rewrite on the way (the same list as aws-sdk-go-v2's signer).
// Each call returns a new slice.
func DefaultUnsignedHeaders() []string {
	return []string{"authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"}
}

// Credentials are AWS credentials: an access key id, its secret and, for
// temporary credentials, a session token.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // "" for long-term credentials
	// Expires, when not zero, is when temporary credentials stop being
	// valid; Verify then refuses them as AWS does (ExpiredTokenException).
	Expires time.Time
}

// Options configure signing and verification. The zero value of every
// field means the default stated on it. A Signer holds one Options; each
// call may override them with functions of type func(*Options).
type Options struct {
	// Region is the region of the credential scope, e.g. "us-east-1".
	// Signing requires it; Verify refuses other regions.
	Region string
	// Service is the service of the credential scope. "" means
	// "execute-api" (ServiceExecuteAPI).
	Service string
	// Now returns the current time: the signing time, and the clock Verify
	// compares dates with. nil means time.Now.
	Now func() time.Time

	// UnsignedHeaders lists lowercase names of headers Sign and Presign
	// never sign. nil means DefaultUnsignedHeaders(); an empty non-nil
	// slice signs every header.
	UnsignedHeaders []string
	// DisableNormalization keeps empty, "." and ".." path segments in the
	// canonical URI (as S3 does). false, the default, normalizes them as
	// execute-api does.
	DisableNormalization bool

	// PayloadHash, when not "", is used as the payload hash instead of
	// hashing the body (a precomputed hex SHA-256, or UnsignedPayload).
	PayloadHash string
	// UnsignedPayload signs UNSIGNED-PAYLOAD instead of the body's hash and
	// says so with X-Amz-Content-Sha256 (a header, or a query parameter
	// when presigning).
	UnsignedPayload bool
	// ContentSHA256Header adds and signs an X-Amz-Content-Sha256 header
	// with the payload hash (header form only).
	ContentSHA256Header bool
	// OmitSessionToken leaves the session token out of the signature: it is
	// added to the request after signing (some services want it so).
	OmitSessionToken bool
	// Expires is the lifetime of a presigned URL (X-Amz-Expires). 0 means
	// DefaultPresignExpires; it must be at most MaxPresignExpires.
	Expires time.Duration

	// ClockSkew is how far from Now a request's date may be. 0 means
	// DefaultClockSkew (5 minutes, as on AWS).
	ClockSkew time.Duration
	// Hosts are the host names Verify checks the signature against, in
	// order, for a request that may have been signed for another host than
	// the one it arrived with (a trusted proxy or a host alias: signed for
	// api.example.com, arrived as Host: 10.0.0.7:8080). "" in the list
	// stands for the request's own Host. nil means the request's Host only.
	Hosts []string
	// MaxBodyBytes is the most Verify reads of a body to hash it. 0 means
	// MaxPayloadBytes (10 MB, API Gateway's limit); a larger body is
	// refused with 413 "Request Too Long".
	MaxBodyBytes int64
	// RejectUnsignedPayload makes Verify hash the body even when the
	// request claims UNSIGNED-PAYLOAD (so such a signature cannot match).
	RejectUnsignedPayload bool
	// LegacyErrorMessages makes Verify quote a malformed Authorization
	// header as API Gateway did until 2024 (the raw header) instead of its
	// base64 SHA-256, as it does now.
	LegacyErrorMessages bool
	// Explain makes Verify fill Result.CanonicalRequest and
	// Result.StringToSign on success too (at some cost).
	Explain bool

	// KeyCacheSize bounds the signing-key cache of a Signer made by New.
	// 0 means DefaultKeyCacheSize. It is read by New only.
	KeyCacheSize int
}

func (o *Options) service() string {
	if o.Service == "" {
		return ServiceExecuteAPI
	}
	return o.Service
}

func (o *Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *Options) skew() time.Duration {
	if o.ClockSkew <= 0 {
		return DefaultClockSkew
	}
	return o.ClockSkew
}

func (o *Options) maxBody() int64 {
	if o.MaxBodyBytes <= 0 {
		return MaxPayloadBytes
	}
	return o.MaxBodyBytes
}

func (o *Options) unsigned(name string) bool {
	if o.UnsignedHeaders == nil {
		switch name {
		case "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding":
			return true
		}
		return false
	}
	for _, u := range o.UnsignedHeaders {
		if strings.EqualFold(u, name) {
			return true
		}
	}
	return false
}

// Signer signs, presigns and verifies requests. It caches derived signing
// keys (one HMAC chain per access key, day, region and service), bounded
// by Options.KeyCacheSize. A Signer is safe for concurrent use. The zero
// Signer works, with zero Options and no key cache; use New.
type Signer struct {
	opts  Options
	cache *keyCache
	pool  sync.Pool // *buffers
}

// New returns a Signer with default options opts and a signing-key cache.
func New(opts Options) *Signer {
	return &Signer{opts: opts, cache: newKeyCache(opts.KeyCacheSize)}
}

// Options returns a copy of the Signer's default options.
func (s *Signer) Options() Options { return s.opts }

// buffers is per-call working space, pooled so that Verify does not
// allocate it on each request.
type buffers struct {
	canonical []byte
	sts       []byte
	scratch   []byte
	mac       []byte
}

func (s *Signer) getBuffers() *buffers {
	if b, ok := s.pool.Get().(*buffers); ok {
		return b
	}
	return &buffers{
		canonical: make([]byte, 0, 1024),
		sts:       make([]byte, 0, 256),
		scratch:   make([]byte, 0, 512),
		mac:       make([]byte, 0, 512),
	}
}

func (s *Signer) putBuffers(b *buffers) {
	const maxKeep = 64 << 10 // do not keep buffers grown by huge requests
	if cap(b.canonical) > maxKeep || cap(b.scratch) > maxKeep || cap(b.mac) > maxKeep {
		return
	}
	s.pool.Put(b)
}

func (s *Signer) options(optFns []func(*Options)) Options {
	o := s.opts
	for _, fn := range optFns {
		fn(&o)
	}
	return o
}

// Form is where a signature travels.
type Form int

const (
	// HeaderForm puts the signature in the Authorization header.
	HeaderForm Form = iota
	// QueryForm puts it in X-Amz-* query parameters (a presigned URL).
	QueryForm
)

// String returns "header" or "query".
func (f Form) String() string {
	if f == QueryForm {
		return "query"
	}
	return "header"
}

// Signing is the outcome of Build, Sign or Presign: every intermediate
// value of the signature, for logs, tests and --explain output.
type Signing struct {
	Form             Form
	Time             time.Time // signing time, UTC, whole seconds
	CanonicalRequest string
	StringToSign     string
	Signature        string // lowercase hex
	SignedHeaders    string // lowercase names separated by ';'
	CredentialScope  string // date/region/service/aws4_request
	PayloadHash      string

	// Header holds the headers Sign sets on the request (X-Amz-Date,
	// X-Amz-Security-Token, X-Amz-Content-Sha256, Authorization), empty
	// for QueryForm.
	Header http.Header
	// Authorization is the Authorization header value (HeaderForm).
	Authorization string
	// RawQuery is the request's query with the X-Amz-* parameters added
	// (QueryForm), as Presign sets it on the request URL.
	RawQuery string
}

// Sign signs r for the header form: it sets X-Amz-Date, X-Amz-Security-Token
// (with a session token), X-Amz-Content-Sha256 (when asked) and
// Authorization. The body is read to hash it and put back (r.GetBody is
// used when set). It returns what it computed.
func (s *Signer) Sign(r *http.Request, creds Credentials, optFns ...func(*Options)) (*Signing, error) {
	sg, err := s.Build(r, creds, HeaderForm, optFns...)
	if err != nil {
		return nil, err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	for k, vs := range sg.Header {
		r.Header[k] = vs
	}
	return sg, nil
}

// Presign signs r for the query form (a presigned URL): it adds the
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders,
// X-Amz-Expires, X-Amz-Security-Token and X-Amz-Signature parameters to
// r.URL.RawQuery. Headers present on r are signed and must be sent as
// they are. r.URL.String() is then the presigned URL.
func (s *Signer) Presign(r *http.Request, creds Credentials, optFns ...func(*Options)) (*Signing, error) {
	sg, err := s.Build(r, creds, QueryForm, optFns...)
	if err != nil {
		return nil, err
	}
	r.URL.RawQuery = sg.RawQuery
	r.URL.ForceQuery = false
	return sg, nil
}

// Build computes the signature of r in the given form without changing r
// (except that a body read to hash it is replaced by an equal one). Sign
// and Presign are Build followed by setting its Header or RawQuery.
func (s *Signer) Build(r *http.Request, creds Credentials, form Form, optFns ...func(*Options)) (*Signing, error) {
	o := s.options(optFns)
	if o.Region == "" {
		return nil, errors.New("sigv4: build: Options.Region is empty")
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return nil, errors.New("sigv4: build: credentials have no access key id or secret")
	}
	expires := o.Expires
	if expires == 0 {
		expires = DefaultPresignExpires
	}
	if form == QueryForm && (expires < time.Second || expires > MaxPresignExpires) {
		return nil, fmt.Errorf("sigv4: build: Expires %v is not between 1s and %v", expires, MaxPresignExpires)
	}

	t := o.now().UTC().Truncate(time.Second)
	var tbuf [16]byte
	amzDate := string(appendTime(tbuf[:0], t))
	date := amzDate[:8]
	service := o.service()

	payload, err := s.payloadHash(r, &o)
	if err != nil {
		return nil, err
	}

	sg := &Signing{Form: form, Time: t, PayloadHash: payload, Header: make(http.Header)}
	sg.CredentialScope = string(appendScope(nil, date, o.Region, service))
	header := r.Header.Clone()
	if header == nil {
		header = make(http.Header)
	}
	signToken := creds.SessionToken != "" && !o.OmitSessionToken
	if form == HeaderForm {
		sg.Header.Set(HeaderDate, amzDate)
		if signToken {
			sg.Header.Set(HeaderSecurityToken, creds.SessionToken)
		}
		if o.ContentSHA256Header || payload == UnsignedPayload {
			sg.Header.Set(HeaderContentSHA256, payload)
		}
		for k, vs := range sg.Header {
			// Replace any value of another case too.
			for hk := range header {
				if strings.EqualFold(hk, k) {
					delete(header, hk)
				}
			}
			header[k] = vs
		}
	}

	host := signingHost(r)
	src := headerSource{header: header, host: host, contentLength: -1}
	names := []string{"host"}
	if r.ContentLength > 0 && lookupHeader(header, "content-length") == nil {
		names = append(names, "content-length")
		src.contentLength = r.ContentLength
	}
	for k := range header {
		name := strings.ToLower(k)
		if name == "host" || o.unsigned(name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	names = compactSorted(names)
	sg.SignedHeaders = strings.Join(names, ";")

	rawQuery := r.URL.RawQuery
	if form == QueryForm {
		var q []byte
		q = append(q, rawQuery...)
		add := func(k, v string) {
			if len(q) > 0 {
				q = append(q, '&')
			}
			q = append(q, k...)
			q = append(q, '=')
			q = appendEncoded(q, v, false)
		}
		add(ParamAlgorithm, Algorithm)
		add(ParamCredential, creds.AccessKeyID+"/"+sg.CredentialScope)
		add(ParamDate, amzDate)
		add(ParamSignedHeaders, sg.SignedHeaders)
		add(ParamExpires, strconv.FormatInt(int64(expires/time.Second), 10))
		if signToken {
			add(ParamSecurityToken, creds.SessionToken)
		}
		if payload == UnsignedPayload {
			add(ParamContentSHA256, UnsignedPayload)
		}
		rawQuery = string(q)
	}

	in := canonicalInput{
		method:        r.Method,
		path:          wirePath(r),
		rawQuery:      rawQuery,
		headers:       src,
		signedHeaders: sg.SignedHeaders,
		payloadHash:   payload,
		normalize:     !o.DisableNormalization,
	}
	if in.method == "" {
		in.method = http.MethodGet
	}
	key := s.cache.get(&creds, date, o.Region, service)
	buf := s.getBuffers()
	defer s.putBuffers(buf)
	var sig [32]byte
	buf.canonical, buf.scratch = appendCanonicalRequest(buf.canonical[:0], &in, buf.scratch)
	sum := sha256.Sum256(buf.canonical)
	buf.sts = appendStringToSign(buf.sts[:0], amzDate, sg.CredentialScope, &sum)
	sig, buf.mac = key.sum(buf.sts, buf.mac)
	sg.CanonicalRequest = string(buf.canonical)
	sg.StringToSign = string(buf.sts)
	sg.Signature = string(appendHex(nil, sig[:]))

	switch form {
	case HeaderForm:
		sg.Authorization = Algorithm + " Credential=" + creds.AccessKeyID + "/" + sg.CredentialScope +
			", SignedHeaders=" + sg.SignedHeaders + ", Signature=" + sg.Signature
		sg.Header.Set(HeaderAuthorization, sg.Authorization)
		if creds.SessionToken != "" && !signToken {
			sg.Header.Set(HeaderSecurityToken, creds.SessionToken)
		}
	case QueryForm:
		q := []byte(rawQuery)
		if creds.SessionToken != "" && !signToken {
			q = append(q, "&"+ParamSecurityToken+"="...)
			q = appendEncoded(q, creds.SessionToken, false)
		}
		q = append(q, "&"+ParamSignature+"="...)
		q = append(q, sg.Signature...)
		sg.RawQuery = string(q)
	}
	return sg, nil
}

// compactSorted removes adjacent duplicates.
func compactSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// signingHost is the host a client request is signed for: r.Host, or the
// URL's host, without the scheme's default port (the Host header a client
// sends for https://h:443/ is h, as aws-sdk-go-v2 sanitizes it).
func signingHost(r *http.Request) string {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	if r.URL != nil {
		switch {
		case r.URL.Scheme == "https" && strings.HasSuffix(host, ":443"):
			host = strings.TrimSuffix(host, ":443")
		case r.URL.Scheme == "http" && strings.HasSuffix(host, ":80"):
			host = strings.TrimSuffix(host, ":80")
		}
	}
	return host
}

// wirePath is the request path as it travels on the wire: the path of
// r.RequestURI on a server request (exactly what the client sent), else
// the URL's escaped path.
func wirePath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			return u[:i]
		}
		return u
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

// payloadHash returns the payload hash Sign uses: an explicit one, the
// unsigned marker, a hash the caller already put in X-Amz-Content-Sha256,
// or the SHA-256 of the body (read and put back).
func (s *Signer) payloadHash(r *http.Request, o *Options) (string, error) {
	switch {
	case o.PayloadHash != "":
		return o.PayloadHash, nil
	case o.UnsignedPayload:
		return UnsignedPayload, nil
	}
	if v := r.Header.Get(HeaderContentSHA256); v != "" {
		return v, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyPayloadHash, nil
	}
	h := sha256.New()
	if r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return "", fmt.Errorf("sigv4: get body: %w", err)
		}
		defer body.Close()
		if _, err := io.Copy(h, body); err != nil {
			return "", fmt.Errorf("sigv4: hash body: %w", err)
		}
	} else {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return "", fmt.Errorf("sigv4: read body: %w", err)
		}
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		h.Write(b)
	}
	return string(appendHex(nil, h.Sum(nil))), nil
}
