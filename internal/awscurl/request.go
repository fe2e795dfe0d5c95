package awscurl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// do runs the command line o: it builds the request, resolves credentials,
// signs, and either prints a presigned URL or sends the request and writes
// the response.
func (e *env) do(ctx context.Context, o *options) error {
	if o.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.maxTime)
		defer cancel()
	}
	req, sendHost, err := e.buildRequest(ctx, o)
	if err != nil {
		return err
	}
	id, err := loadCredentials(ctx, o.profile, o.region)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return withCode(exitTimeout, fmt.Errorf("operation timed out after %v: %w", o.maxTime, err))
		}
		return withCode(exitUsage, err)
	}
	if o.presign {
		return e.presign(req, o, id)
	}
	if err := e.sign(req, o, id); err != nil {
		return err
	}
	if sendHost != "" {
		req.Host = sendHost
	}
	return e.send(ctx, req, o)
}

// parseURL parses the URL argument as curl does: no scheme means http://,
// and the fragment is not sent.
func parseURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, withCode(exitURLMalformed, fmt.Errorf("URL rejected: %w", err))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, withCode(exitFailure, fmt.Errorf("protocol %q not supported (http and https are)", u.Scheme))
	}
	if u.Host == "" {
		return nil, withCode(exitURLMalformed, fmt.Errorf("URL rejected: no host in %q", raw))
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// buildRequest makes the unsigned request of o: method, URL, Host, body
// and headers (curl's defaults first, then -H, which replaces or removes
// them). req.Host is the host to sign for: --sign-host, else a -H Host,
// else the URL's. sendHost, when not "", is the Host to send instead once
// signed: a -H Host given with --sign-host (a proxy that routes on its own
// name and forwards to the signed-for host).
func (e *env) buildRequest(ctx context.Context, o *options) (req *http.Request, sendHost string, err error) {
	u, err := parseURL(o.url)
	if err != nil {
		return nil, "", err
	}
	body, err := e.readData(o.data)
	if err != nil {
		return nil, "", err
	}
	method := o.method
	switch {
	case method != "":
	case o.head:
		method = http.MethodHead
	case body != nil:
		method = http.MethodPost
	default:
		method = http.MethodGet
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err = http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, "", withCode(exitURLMalformed, fmt.Errorf("build request: %w", err))
	}
	// Send the Host the signature is made for: without the scheme's
	// default port (Go would send "h:443" for https://h:443/).
	req.Host = hostWithoutDefaultPort(u)

	// curl's default headers, when sending; a presigned URL signs only
	// what the user asks for, since whoever fetches it must send the
	// same values.
	if !o.presign {
		req.Header.Set("User-Agent", "gatehouse-curl")
		req.Header.Set("Accept", "*/*")
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	replaced := make(map[string]bool)
	for _, h := range o.headers {
		name, value, empty, err := parseHeader(h)
		if err != nil {
			return nil, "", err
		}
		key := http.CanonicalHeaderKey(name)
		if key == "Host" {
			if value != "" {
				sendHost = value
			}
			continue
		}
		switch {
		case value == "" && !empty: // "Name:" removes the header
			req.Header.Del(key)
		case !replaced[key]: // the first -H replaces a default
			req.Header[key] = []string{value}
			replaced[key] = true
		default:
			req.Header[key] = append(req.Header[key], value)
		}
	}
	switch {
	case o.signHost != "":
		req.Host = o.signHost
	case sendHost != "":
		req.Host, sendHost = sendHost, ""
	}
	return req, sendHost, nil
}

// hostWithoutDefaultPort is u.Host without ":443" for https or ":80" for
// http.
func hostWithoutDefaultPort(u *url.URL) string {
	switch {
	case u.Scheme == "https" && strings.HasSuffix(u.Host, ":443"):
		return strings.TrimSuffix(u.Host, ":443")
	case u.Scheme == "http" && strings.HasSuffix(u.Host, ":80"):
		return strings.TrimSuffix(u.Host, ":80")
	}
	return u.Host
}

// parseHeader splits a -H argument. "Name: value" adds a header, "Name:"
// (no value) removes one, and "Name;" sends it with an empty value (empty
// is then true), as in curl.
func parseHeader(h string) (name, value string, empty bool, err error) {
	name, value, ok := strings.Cut(h, ":")
	if !ok {
		name, ok = strings.CutSuffix(h, ";")
		if !ok {
			return "", "", false, usagef("option --header: %q is not 'Name: value'", h)
		}
		empty = true
	}
	name = strings.TrimSpace(name)
	if !isToken(name) {
		return "", "", false, usagef("option --header: %q is not a valid header name", name)
	}
	return name, strings.TrimSpace(value), empty, nil
}

// isToken reports whether s is a non-empty RFC 9110 token (a valid header
// field name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// readData reads the --data* values and joins them with '&', as curl
// does. It returns nil when there are none. "@name" reads a file and "@-"
// stdin; -d removes CR and LF from what it reads, --data-binary keeps
// them, and --data-raw takes "@" literally.
func (e *env) readData(data []dataArg) ([]byte, error) {
	if len(data) == 0 {
		return nil, nil
	}
	out := []byte{}
	for i, d := range data {
		var b []byte
		if name, ok := strings.CutPrefix(d.value, "@"); ok && d.kind != dataRaw {
			var err error
			if name == "-" {
				b, err = io.ReadAll(e.stdin)
				if err != nil {
					return nil, withCode(exitRead, fmt.Errorf("read data from stdin: %w", err))
				}
			} else if b, err = os.ReadFile(name); err != nil {
				return nil, withCode(exitRead, fmt.Errorf("read data: %w", err))
			}
			if d.kind == dataASCII {
				b = bytes.ReplaceAll(b, []byte{'\r'}, nil)
				b = bytes.ReplaceAll(b, []byte{'\n'}, nil)
			}
		} else {
			b = []byte(d.value)
		}
		if i > 0 {
			out = append(out, '&')
		}
		out = append(out, b...)
	}
	return out, nil
}

// newClient returns the HTTP client of one request: the environment's
// proxy settings (as curl), no transparent gzip (the body is printed as
// sent), and no redirects followed (curl without -L).
func newClient(o *options) (*http.Client, *http.Transport) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	if o.insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // -k asks for it
	}
	c := &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c, tr
}
