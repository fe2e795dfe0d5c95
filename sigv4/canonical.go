package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is left as is by AWS's URI encoding:
// A-Z a-z 0-9 - . _ ~.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEncoded appends s URI-encoded as SigV4 requires: every byte but the
// unreserved ones (and '/' when keepSlash) becomes %XX with uppercase hex.
// A space is %20, never '+'.
func appendEncoded(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendDecodedEncoded appends the query component s, first URI-decoded
// ('+' is a space, a malformed %-escape is kept literally) and then
// encoded as SigV4 requires ('/' encoded too).
func appendDecodedEncoded(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				c = hi<<4 | lo
				i += 2
			}
		}
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// appendCanonicalPath appends the canonical URI of the path as it is on the
// wire (already percent-encoded once by the client): normalized when asked
// (empty and "." segments removed, ".." removes the previous segment, a
// trailing slash kept), then URI-encoded once more, as execute-api and
// every non-S3 service do. An empty path is "/".
func appendCanonicalPath(b []byte, path string, normalize bool) []byte {
	if path == "" {
		return append(b, '/')
	}
	if !normalize {
		return appendEncoded(b, path, true)
	}
	var stack [32][2]int // segment bounds, on the stack for common depths
	segs := stack[:0]
	for i := 0; i < len(path); {
		j := strings.IndexByte(path[i:], '/')
		if j < 0 {
			j = len(path)
		} else {
			j += i
		}
		switch seg := path[i:j]; seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, [2]int{i, j})
		}
		i = j + 1
	}
	if len(segs) == 0 {
		return append(b, '/')
	}
	for _, s := range segs {
		b = append(b, '/')
		b = appendEncoded(b, path[s[0]:s[1]], false)
	}
	if path[len(path)-1] == '/' {
		b = append(b, '/')
	}
	return b
}

// queryPair locates an encoded key and value inside a scratch buffer.
type queryPair struct{ k0, k1, v0, v1 int }

// appendCanonicalQuery appends the canonical query string of raw (a query
// as on the wire, without '?'): each key and value decoded and re-encoded,
// pairs sorted by key then value, joined with '&'. A parameter named skip
// (the signature of a presigned URL) is left out. scratch is working space;
// the grown scratch is returned for reuse.
func appendCanonicalQuery(b []byte, raw, skip string, scratch []byte) ([]byte, []byte) {
	if raw == "" {
		return b, scratch
	}
	var stack [16]queryPair
	pairs := stack[:0]
	scratch = scratch[:0]
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		key, value, _ := strings.Cut(part, "=")
		if skip != "" && key == skip {
			continue
		}
		var p queryPair
		p.k0 = len(scratch)
		scratch = appendDecodedEncoded(scratch, key)
		p.k1 = len(scratch)
		p.v0 = p.k1
		scratch = appendDecodedEncoded(scratch, value)
		p.v1 = len(scratch)
		pairs = append(pairs, p)
	}
	cmp := func(x, y queryPair) int {
		if c := bytes.Compare(scratch[x.k0:x.k1], scratch[y.k0:y.k1]); c != 0 {
			return c
		}
		return bytes.Compare(scratch[x.v0:x.v1], scratch[y.v0:y.v1])
	}
	if len(pairs) <= len(stack) {
		// Insertion sort: no allocation for the usual handful of pairs.
		for i := 1; i < len(pairs); i++ {
			for j := i; j > 0 && cmp(pairs[j-1], pairs[j]) > 0; j-- {
				pairs[j-1], pairs[j] = pairs[j], pairs[j-1]
			}
		}
	} else {
		slices.SortStableFunc(pairs, cmp)
	}
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, scratch[p.k0:p.k1]...)
		b = append(b, '=')
		b = append(b, scratch[p.v0:p.v1]...)
	}
	return b, scratch
}

// isSpace reports the bytes that header canonicalization trims and
// collapses.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendHeaderValue appends v trimmed, with each run of whitespace
// (including folded line breaks) collapsed to one space.
func appendHeaderValue(b []byte, v string) []byte {
	start := len(b)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if isSpace(c) {
			space = true
			continue
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = append(b, c)
	}
	return b
}

// appendHeaderValues appends the canonical form of a repeated header: the
// canonical values joined with commas, in their original order.
func appendHeaderValues(b []byte, vs []string) []byte {
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHeaderValue(b, v)
	}
	return b
}

// lookupHeader returns the values of the header whose lowercase name is
// name. It tries the canonical MIME key first (no allocation) and then, for
// maps filled by hand, every key case-insensitively, joining all matches.
func lookupHeader(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		key := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if vs, ok := h[string(key)]; ok {
			return vs
		}
	}
	var found []string
	n := 0
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			n++
			found = append(found, vs...)
		}
	}
	if n == 0 {
		return nil
	}
	return found
}

// headerSource gives the values of signed headers: the host and
// content-length pseudo-sources, then the header map.
type headerSource struct {
	header        http.Header
	host          string
	contentLength int64 // -1: unknown
}

// appendCanonicalHeaders appends "name:value\n" for each name of signed
// (lowercase names separated by ';', in the order given).
func appendCanonicalHeaders(b []byte, src *headerSource, signed string) []byte {
	for signed != "" {
		var name string
		name, signed, _ = strings.Cut(signed, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch {
		case name == "host":
			b = appendHeaderValue(b, src.host)
		case name == "content-length":
			if vs := lookupHeader(src.header, name); vs != nil {
				b = appendHeaderValues(b, vs)
			} else if src.contentLength >= 0 {
				b = strconv.AppendInt(b, src.contentLength, 10)
			}
		default:
			b = appendHeaderValues(b, lookupHeader(src.header, name))
		}
		b = append(b, '\n')
	}
	return b
}

// canonicalInput is everything a canonical request is made of.
type canonicalInput struct {
	method        string
	path          string // as on the wire
	rawQuery      string // as on the wire
	skipParam     string // query parameter left out ("X-Amz-Signature" when verifying a presigned URL)
	headers       headerSource
	signedHeaders string // lowercase, sorted, ';'-separated
	payloadHash   string
	normalize     bool
}

// appendCanonicalRequest appends the canonical request:
// method, URI, query, headers, signed headers and payload hash, one a line.
func appendCanonicalRequest(b []byte, in *canonicalInput, scratch []byte) ([]byte, []byte) {
	b = append(b, in.method...)
	b = append(b, '\n')
	b = appendCanonicalPath(b, in.path, in.normalize)
	b = append(b, '\n')
	b, scratch = appendCanonicalQuery(b, in.rawQuery, in.skipParam, scratch)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, &in.headers, in.signedHeaders)
	b = append(b, '\n')
	b = append(b, in.signedHeaders...)
	b = append(b, '\n')
	b = append(b, in.payloadHash...)
	return b, scratch
}

// appendStringToSign appends the string to sign for a canonical request
// whose SHA-256 is sum.
func appendStringToSign(b []byte, amzDate string, scope string, sum *[32]byte) []byte {
	b = append(b, Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return appendHex(b, sum[:])
}

const lowerHex = "0123456789abcdef"

func appendHex(b, src []byte) []byte {
	for _, c := range src {
		b = append(b, lowerHex[c>>4], lowerHex[c&15])
	}
	return b
}

// appendScope appends date/region/service/aws4_request.
func appendScope(b []byte, date, region, service string) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, service...)
	return append(b, "/aws4_request"...)
}

// appendTime appends t in UTC as X-Amz-Date writes it: 20060102T150405Z.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	b = append(b, byte('0'+int(mo)/10), byte('0'+int(mo)%10), byte('0'+d/10), byte('0'+d%10), 'T')
	b = append(b, byte('0'+h/10), byte('0'+h%10), byte('0'+mi/10), byte('0'+mi%10), byte('0'+s/10), byte('0'+s%10), 'Z')
	return b
}

func formatTime(t time.Time) string {
	var buf [16]byte
	return string(appendTime(buf[:0], t))
}

// parseAmzDate parses 20060102T150405Z without allocating.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	mo, ok2 := num(s[4:6])
	d, ok3 := num(s[6:8])
	h, ok4 := num(s[9:11])
	mi, ok5 := num(s[11:13])
	sec, ok6 := num(s[13:15])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 20150231 and the like
		return time.Time{}, false
	}
	return t, true
}
