package awscurl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sigv4"
)

// signer returns the SigV4 signer of o and the resolved identity.
func (e *env) signer(o *options, id *awsIdentity) *sigv4.Signer {
	return sigv4.New(sigv4.Options{
		Region:          id.region,
		Service:         o.service, // "" means execute-api
		Now:             e.now,
		UnsignedPayload: o.unsigned,
		Expires:         o.expires, // 0 means 900 s
		KeyCacheSize:    1,
	})
}

// sign adds the Authorization header (and X-Amz-Date, X-Amz-Security-Token)
// to req and, with -v, prints what was signed.
func (e *env) sign(req *http.Request, o *options, id *awsIdentity) error {
	sg, err := e.signer(o, id).Sign(req, id.creds)
	if err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	if o.verbose {
		e.explain(req, o, id, sg)
	}
	return nil
}

// presign prints the presigned URL of req to stdout.
func (e *env) presign(req *http.Request, o *options, id *awsIdentity) error {
	sg, err := e.signer(o, id).Presign(req, id.creds)
	if err != nil {
		return fmt.Errorf("presign request: %w", err)
	}
	if o.verbose {
		e.explain(req, o, id, sg)
	}
	if sg.SignedHeaders != "host" && !o.silent {
		fmt.Fprintf(e.stderr, "gatehouse curl: note: the URL signs the headers %s; send them with the same values\n",
			strings.ReplaceAll(sg.SignedHeaders, ";", ", "))
	}
	if _, err := fmt.Fprintln(e.stdout, req.URL.String()); err != nil {
		return withCode(exitWrite, fmt.Errorf("write URL: %w", err))
	}
	return nil
}

// explain prints, for -v, where the credentials came from and the
// canonical request and string to sign, each line prefixed "* ". The
// secret access key appears in neither.
func (e *env) explain(req *http.Request, o *options, id *awsIdentity, sg *sigv4.Signing) {
	service := o.service
	if service == "" {
		service = sigv4.ServiceExecuteAPI
	}
	var b strings.Builder
	fmt.Fprintf(&b, "* Credentials: access key %s", id.creds.AccessKeyID)
	if id.source != "" {
		fmt.Fprintf(&b, " from %s", id.source)
	}
	if id.creds.SessionToken != "" {
		b.WriteString(", with a session token")
	}
	fmt.Fprintf(&b, "\n* Signing for host %s, region %s, service %s (%s form)\n", req.Host, id.region, service, sg.Form)
	writePrefixed(&b, "* Canonical request:", sg.CanonicalRequest)
	writePrefixed(&b, "* String to sign:", sg.StringToSign)
	io.WriteString(e.stderr, b.String())
}

// writePrefixed writes title and then each line of text prefixed "*   ".
func writePrefixed(b *strings.Builder, title, text string) {
	b.WriteString(title)
	b.WriteByte('\n')
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			b.WriteString("*\n")
			continue
		}
		b.WriteString("*   ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

// send sends the signed request and writes the response.
func (e *env) send(ctx context.Context, req *http.Request, o *options) error {
	client, tr := newClient(o)
	defer tr.CloseIdleConnections()
	if o.verbose {
		// Print the request once connected, as curl does. GotConn runs on
		// the goroutine of client.Do.
		trace := &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if addr := info.Conn.RemoteAddr().String(); addr != req.URL.Host {
					fmt.Fprintf(e.stderr, "* Connected to %s (%s)\n", req.URL.Host, addr)
				} else {
					fmt.Fprintf(e.stderr, "* Connected to %s\n", addr)
				}
				e.dumpRequest(req)
			},
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	resp, err := client.Do(req)
	if err != nil {
		return classify(ctx, o, req.URL, err)
	}
	defer resp.Body.Close()
	if o.verbose {
		var b strings.Builder
		writeHead(&b, resp, "< ", "\n")
		io.WriteString(e.stderr, b.String())
	}
	return e.writeResponse(ctx, o, req.URL, resp)
}

// dumpRequest prints the request line and headers for -v, as curl does.
func (e *env) dumpRequest(req *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s HTTP/1.1\n> Host: %s\n", req.Method, req.URL.RequestURI(), req.Host)
	h := req.Header.Clone()
	if req.ContentLength > 0 {
		h.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	writeHeaders(&b, h, "> ", "\n")
	b.WriteString(">\n")
	io.WriteString(e.stderr, b.String())
}

// writeHead writes the status line and headers of resp, each line
// prefixed and terminated as given, and an empty line.
func writeHead(b *strings.Builder, resp *http.Response, prefix, eol string) {
	b.WriteString(prefix)
	b.WriteString(statusLine(resp))
	b.WriteString(eol)
	h := resp.Header.Clone()
	if len(resp.TransferEncoding) > 0 {
		h["Transfer-Encoding"] = resp.TransferEncoding
	}
	writeHeaders(b, h, prefix, eol)
	b.WriteString(strings.TrimRight(prefix, " "))
	b.WriteString(eol)
}

// statusLine is the status line as curl prints it: "HTTP/1.1 200 OK",
// "HTTP/2 200".
func statusLine(resp *http.Response) string {
	if resp.ProtoMajor >= 2 {
		return fmt.Sprintf("HTTP/%d %d", resp.ProtoMajor, resp.StatusCode)
	}
	return resp.Proto + " " + resp.Status
}

// writeHeaders writes h sorted by name, one "Name: value" line per value.
func writeHeaders(b *strings.Builder, h http.Header, prefix, eol string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			b.WriteString(prefix)
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString(eol)
		}
	}
}

// writeResponse writes the response (status line and headers with -i or
// -I, then the body) to stdout or the --output file, and applies --fail.
func (e *env) writeResponse(ctx context.Context, o *options, u *url.URL, resp *http.Response) error {
	var failed error
	if o.fail && resp.StatusCode >= 400 {
		failed = withCode(exitHTTPError, fmt.Errorf("the requested URL returned error: %d", resp.StatusCode))
		if !o.failBody {
			return failed
		}
	}
	out := e.stdout
	var file *os.File
	if o.output != "" && o.output != "-" {
		f, err := os.Create(o.output)
		if err != nil {
			return withCode(exitWrite, fmt.Errorf("create output file: %w", err))
		}
		file, out = f, f
		defer f.Close()
	}
	w := &trackWriter{w: out}
	if o.include || o.head {
		var b strings.Builder
		writeHead(&b, resp, "", "\r\n")
		io.WriteString(w, b.String())
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		if w.err != nil {
			return withCode(exitWrite, fmt.Errorf("write output: %w", w.err))
		}
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return classify(ctx, o, u, err)
		}
		return withCode(exitRecv, fmt.Errorf("failure receiving data from %s: %w", u.Host, err))
	}
	if w.err != nil {
		return withCode(exitWrite, fmt.Errorf("write output: %w", w.err))
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return withCode(exitWrite, fmt.Errorf("close output file: %w", err))
		}
	}
	return failed
}

// trackWriter remembers the first write error, to tell exit 23 (output)
// from a failure to read the response.
type trackWriter struct {
	w   io.Writer
	err error
}

func (t *trackWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.w.Write(p)
	if err != nil {
		t.err = err
	}
	return n, err
}

// classify turns an error of the HTTP client into curl's exit code and
// wording.
func classify(ctx context.Context, o *options, u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the repeated `Get "url":`
	}
	var (
		dnsErr     *net.DNSError
		opErr      *net.OpError
		netErr     net.Error
		verifyErr  *tls.CertificateVerificationError
		authErr    x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		alertErr   tls.AlertError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return withCode(exitTimeout, fmt.Errorf("operation timed out after %v: %w", o.maxTime, err))
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return withCode(exitFailure, fmt.Errorf("aborted: %w", err))
	case errors.As(err, &dnsErr):
		return withCode(exitResolve, fmt.Errorf("could not resolve host %s: %w", u.Hostname(), err))
	case errors.As(err, &verifyErr), errors.As(err, &authErr), errors.As(err, &hostErr), errors.As(err, &invalidErr):
		return withCode(exitPeerCert, fmt.Errorf("TLS certificate problem (-k skips the check): %w", err))
	case errors.As(err, &recordErr), errors.As(err, &alertErr):
		return withCode(exitSSLConnect, fmt.Errorf("TLS connect error: %w", err))
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return withCode(exitConnect, fmt.Errorf("failed to connect to %s: %w", u.Host, err))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return withCode(exitEmptyReply, fmt.Errorf("empty reply from server: %w", err))
	}
	return withCode(exitRecv, fmt.Errorf("failure receiving data from %s: %w", u.Host, err))
}
