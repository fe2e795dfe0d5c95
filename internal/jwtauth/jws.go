package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// The compact JWS of a JWT (RFC 7515 §7.1), parsed by hand: the request
// path decodes the three base64url parts into reused buffers, reads only
// alg and kid from the header, hashes the signing input once and calls
// crypto/rsa or crypto/ecdsa directly. go-jose is used to read the JWKS
// only (jwks.go); the differential tests check that both agree.

// algorithm is one signature algorithm of the allow list.
type algorithm struct {
	name   string
	hash   crypto.Hash
	family byte // 'R' RSASSA-PKCS1-v1_5, 'P' RSASSA-PSS, 'E' ECDSA
	size   int  // ECDSA: bytes of r and of s (RFC 7518 §3.4)
}

// lookupAlg returns the algorithm named alg if it is on the allow list:
// RS256, RS384, RS512, ES256, ES384, PS256. none and HS* are never on
// it: an HMAC "signed" with the public key would otherwise pass (the
// classic RS256→HS256 confusion).
func lookupAlg(alg []byte) (algorithm, bool) {
	switch string(alg) {
	case "RS256":
		return algorithm{"RS256", crypto.SHA256, 'R', 0}, true
	case "RS384":
		return algorithm{"RS384", crypto.SHA384, 'R', 0}, true
	case "RS512":
		return algorithm{"RS512", crypto.SHA512, 'R', 0}, true
	case "PS256":
		return algorithm{"PS256", crypto.SHA256, 'P', 0}, true
	case "ES256":
		return algorithm{"ES256", crypto.SHA256, 'E', 32}, true
	case "ES384":
		return algorithm{"ES384", crypto.SHA384, 'E', 48}, true
	}
	return algorithm{}, false
}

// allowedJoseAlgs is the allow list for go-jose, which checks the rare
// headers with an embedded key.
func allowedJoseAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.PS256}
}

// scratch holds the buffers of one Verify; Verifier pools them, so a
// verification allocates only what it returns.
type scratch struct {
	tok     []byte   // the token's bytes, to decode and hash
	hdr     []byte   // decoded header
	sig     []byte   // decoded signature
	kid     []byte   // decoded kid, when it had escapes
	members []member // header, then payload members
	sum     [sha512.Size]byte
	der     [2 + 2*(2+1+48)]byte // an ES384 signature in ASN.1
}

// maxPooledToken: scratch buffers grown by larger tokens (a MaxTokenSize
// above the default) are dropped rather than kept in the pool.
const maxPooledToken = 64 << 10

// compactJWS is a parsed token. kid and sig point into a scratch.
type compactJWS struct {
	alg     algorithm
	kid     []byte // nil when absent or null
	signed  []byte // the signing input: header "." payload, as in the token
	payload []byte // decoded, newly allocated: it becomes the Claims
	sig     []byte
	// embedded: the header carries a key or certificate chain (jwk, x5c).
	// Neither is ever used to verify, but go-jose refused the token when
	// one was invalid or a private key, and so does parseCompact.
	embedded bool
}

// parseCompact splits token into its three parts and decodes them, then
// reads the header: its alg must be on the allow list, its kid a string,
// and it must not ask for extensions (crit, b64). The order of the checks
// is go-jose's, so a token gets the reason it got before: base64 of all
// three parts, header JSON, alg, kid.
func parseCompact(sc *scratch, token string) (compactJWS, error) {
	var jws compactJWS
	if token == "" {
		return jws, failf(ReasonMalformed, "empty token")
	}
	d1 := strings.IndexByte(token, '.')
	d2 := -1
	if d1 >= 0 {
		if i := strings.IndexByte(token[d1+1:], '.'); i >= 0 {
			d2 = d1 + 1 + i
		}
	}
	if d2 < 0 || strings.IndexByte(token[d2+1:], '.') >= 0 {
		return jws, failf(ReasonMalformed, "compact JWS format must have three parts")
	}
	sc.tok = append(sc.tok[:0], token...)
	enc := base64.RawURLEncoding
	var err error
	if sc.hdr, err = enc.AppendDecode(sc.hdr[:0], sc.tok[:d1]); err != nil {
		return jws, fail(ReasonMalformed, fmt.Errorf("header: %w", err))
	}
	jws.payload = make([]byte, enc.DecodedLen(d2-d1-1))
	n, err := enc.Decode(jws.payload, sc.tok[d1+1:d2])
	if err != nil {
		return jws, fail(ReasonMalformed, fmt.Errorf("payload: %w", err))
	}
	jws.payload = jws.payload[:n]
	if sc.sig, err = enc.AppendDecode(sc.sig[:0], sc.tok[d2+1:]); err != nil {
		return jws, fail(ReasonMalformed, fmt.Errorf("signature: %w", err))
	}
	jws.signed, jws.sig = sc.tok[:d2], sc.sig
	if err := parseHeader(sc, &jws); err != nil {
		return jws, err
	}
	if jws.embedded {
		if _, err := jose.ParseSignedCompact(token, allowedJoseAlgs()); err != nil {
			return jws, fail(ReasonMalformed, err)
		}
	}
	return jws, nil
}

// parseHeader reads alg and kid from sc.hdr into jws.
func parseHeader(sc *scratch, jws *compactJWS) error {
	if len(sc.hdr) == 0 { // go-jose: no header, so no alg
		return failf(ReasonUnsupportedAlg, "no header")
	}
	members, _, err := scanObject(sc.hdr, maxHeaderDepth, sc.members[:0])
	sc.members = members[:0]
	if err != nil {
		return fail(ReasonMalformed, fmt.Errorf("header: %w", err))
	}
	hdr := sc.hdr
	// Names are compared decoded, as go-jose's map would hold them; only
	// a name with escapes (never seen in practice) costs an allocation.
	names := make([]string, 0, 8)
	plain := true
	for _, m := range members {
		plain = plain && m.namePlain
	}
	if !plain {
		for _, m := range members {
			name, err := memberName(hdr, m)
			if err != nil {
				return fail(ReasonMalformed, fmt.Errorf("header: %w", err))
			}
			names = append(names, name)
		}
	}
	name := func(i int) []byte {
		if plain {
			m := members[i]
			return hdr[m.name.start+1 : m.name.end-1]
		}
		return []byte(names[i])
	}
	var alg, kid *member
	var extension string
	embedded := false
	for i := range members {
		n := name(i)
		// A duplicate name is refused: two parsers could disagree on
		// which alg or kid the token has (go-jose kept the last one).
		for j := range i {
			if string(name(j)) == string(n) {
				return failf(ReasonMalformed, "header: duplicate %q", n)
			}
		}
		switch string(n) {
		case "alg":
			alg = &members[i]
		case "kid":
			kid = &members[i]
		case "jwk", "x5c":
			embedded = true
		case "crit", "b64":
			// RFC 7515 §4.1.11: a critical extension we do not
			// understand must be refused; b64 (RFC 7797) changes what is
			// signed. No identity provider sends either.
			extension = string(n)
		}
	}
	// alg: anything but a string on the allow list is refused, as go-jose
	// refused it (a missing or non-string alg reads as "").
	var algName []byte
	if alg != nil && alg.kind == kindString {
		if algName, err = stringValue(hdr, alg, nil); err != nil {
			return fail(ReasonMalformed, fmt.Errorf("header alg: %w", err))
		}
	}
	a, ok := lookupAlg(algName)
	if !ok {
		return failf(ReasonUnsupportedAlg, "alg %q is not allowed", algName)
	}
	jws.alg = a
	if kid != nil {
		switch kid.kind {
		case kindString:
			if jws.kid, err = stringValue(hdr, kid, sc.kid[:0]); err != nil {
				return fail(ReasonMalformed, fmt.Errorf("header kid: %w", err))
			}
		case kindNull:
		default:
			return failf(ReasonMalformed, "header kid is not a string")
		}
	}
	if extension != "" {
		return failf(ReasonMalformed, "header %s is not supported", extension)
	}
	jws.embedded = embedded
	return nil
}

// memberName returns m's name, decoded.
func memberName(buf []byte, m member) (string, error) {
	if m.namePlain {
		return string(buf[m.name.start+1 : m.name.end-1]), nil
	}
	return unquote(string(buf[m.name.start:m.name.end]))
}

// stringValue returns the value of the string member m: its bytes in buf
// when plain, else decoded and appended to dst.
func stringValue(buf []byte, m *member, dst []byte) ([]byte, error) {
	if m.valuePlain {
		return buf[m.val.start+1 : m.val.end-1], nil
	}
	s, err := unquote(string(buf[m.val.start:m.val.end]))
	return append(dst, s...), err
}

// digest hashes the signing input with h into sum.
func digest(h crypto.Hash, data []byte, sum *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return append(sum[:0], s[:]...)
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return append(sum[:0], s[:]...)
	default:
		s := sha512.Sum512(data)
		return append(sum[:0], s[:]...)
	}
}

// verifyKey is one usable key of the JWKS, converted at fetch time.
type verifyKey struct {
	alg    string // the JWK's "alg"; "" fits every algorithm of its type
	rsa    *rsa.PublicKey
	ec     *ecdsa.PublicKey
	ecSize int // ECDSA: 32 for P-256, 48 for P-384
}

var errNoKeyFits = errors.New("no key under this kid fits the token's alg")

// verifySignature tries each key published under the token's kid whose
// type fits the alg and whose own "alg", when set, equals it; the first
// that verifies wins. An ES256 token on a P-384 key, or an RS256 token on
// an EC key, fails like a bad signature.
func verifySignature(sc *scratch, a algorithm, keys []verifyKey, hashed, sig []byte) error {
	err := errNoKeyFits
	for i := range keys {
		k := &keys[i]
		if k.alg != "" && k.alg != a.name {
			continue
		}
		switch a.family {
		case 'R':
			if k.rsa == nil {
				continue
			}
			err = rsa.VerifyPKCS1v15(k.rsa, a.hash, hashed, sig)
		case 'P':
			if k.rsa == nil {
				continue
			}
			err = rsa.VerifyPSS(k.rsa, a.hash, hashed, sig, nil)
		case 'E':
			if k.ec == nil {
				continue
			}
			err = verifyECDSA(sc, k, a, hashed, sig)
		}
		if err == nil {
			return nil
		}
	}
	return err
}

var (
	errECCurve     = errors.New("ECDSA key's curve does not match alg")
	errECSigSize   = errors.New("ECDSA signature has the wrong size")
	errECSignature = errors.New("ECDSA signature does not verify")
)

// verifyECDSA checks a JWS ECDSA signature, r||s as two fixed-size
// big-endian integers (RFC 7518 §3.4), by re-encoding it in ASN.1 for
// ecdsa.VerifyASN1, which is what ecdsa.Verify does with *big.Int r, s.
func verifyECDSA(sc *scratch, k *verifyKey, a algorithm, hashed, sig []byte) error {
	if k.ecSize != a.size {
		return errECCurve
	}
	if len(sig) != 2*a.size {
		return errECSigSize
	}
	der, ok := appendECDSASignature(sc.der[:0], sig[:a.size], sig[a.size:])
	if !ok || !ecdsa.VerifyASN1(k.ec, hashed, der) {
		return errECSignature
	}
	return nil
}

// appendECDSASignature appends SEQUENCE { INTEGER r, INTEGER s } with r and
// s given as unsigned big-endian bytes; false when either is zero (which
// ecdsa.Verify rejects too). r and s are at most 48 bytes, so every length
// fits in one byte.
func appendECDSASignature(b, r, s []byte) ([]byte, bool) {
	r, s = trimZeros(r), trimZeros(s)
	if len(r) == 0 || len(s) == 0 {
		return b, false
	}
	b = append(b, 0x30, byte(intLen(r)+intLen(s)))
	b = appendInt(b, r)
	b = appendInt(b, s)
	return b, true
}

func trimZeros(x []byte) []byte {
	for len(x) > 0 && x[0] == 0 {
		x = x[1:]
	}
	return x
}

// intLen is the encoded length of INTEGER x (x positive, no leading zero).
func intLen(x []byte) int {
	n := len(x)
	if x[0]&0x80 != 0 {
		n++ // a leading 0 keeps it positive
	}
	return 2 + n
}

func appendInt(b, x []byte) []byte {
	b = append(b, 0x02, byte(intLen(x)-2))
	if x[0]&0x80 != 0 {
		b = append(b, 0)
	}
	return append(b, x...)
}
