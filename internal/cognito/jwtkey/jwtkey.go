// Package jwtkey holds the RSA keys that sign the tokens of gatehouse's
// Cognito user pools and identity pools, and signs them (compact JWS,
// RS256 or RS512), and publishes them as a JWKS.
//
// A key is derived from a 32-byte seed (store.DeriveKey of a per-pool
// purpose): every gateway node that shares the IAM store derives the same
// key, so a token signed by one node verifies on all of them, and nothing
// is written to the database or kept in one process's memory (issue 9,
// "several gateway nodes"). The derivation is deterministic RSA key
// generation: candidates for p and q are drawn from an HMAC-SHA256
// counter-mode stream keyed by the seed (as HKDF-Expand is), with the top
// two bits and the low bit set, and the first that pass math/big's
// ProbablyPrime(20) (Miller–Rabin plus Baillie–PSW) are taken; e = 65537.
// Whoever knows the seed knows the key, so the seed is as secret as the
// store key it comes from. Deriving a 2048-bit key costs ~0.2 s, once per
// key at start.
package jwtkey

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"
)

// Bits is the size of derived keys (Cognito's are 2048-bit RSA).
const Bits = 2048

// Key is an RSA signing key with its key id.
type Key struct {
	priv *rsa.PrivateKey
	kid  string
	alg  string
}

// Algorithms a Key signs with.
const (
	RS256 = "RS256" // user pool tokens
	RS512 = "RS512" // Cognito identity's OpenID tokens
)

// Derive returns the key derived from seed (at least 32 bytes), signing
// with alg (RS256 or RS512). The key id is the base64url SHA-256 of the
// modulus, so it changes exactly when the key does.
func Derive(seed []byte, alg string) (*Key, error) {
	if len(seed) < 32 {
		return nil, fmt.Errorf("jwtkey: seed of %d bytes, want at least 32", len(seed))
	}
	if alg != RS256 && alg != RS512 {
		return nil, fmt.Errorf("jwtkey: unsupported alg %q", alg)
	}
	s := &stream{key: seed}
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for {
		p, q := s.prime(Bits/2), s.prime(Bits/2)
		if p.Cmp(q) == 0 {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != Bits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue // gcd(e, phi) != 1
		}
		priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())}, D: d, Primes: []*big.Int{p, q}}
		if err := priv.Validate(); err != nil {
			return nil, fmt.Errorf("jwtkey: derived key: %w", err)
		}
		priv.Precompute()
		sum := sha256.Sum256(n.Bytes())
		return &Key{priv: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:18]), alg: alg}, nil
	}
}

// stream is HMAC-SHA256(seed, label || counter) blocks, read in order.
type stream struct {
	key []byte
	n   uint64
	buf []byte
}

func (s *stream) read(p []byte) {
	for i := range p {
		if len(s.buf) == 0 {
			m := hmac.New(sha256.New, s.key)
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], s.n)
			s.n++
			m.Write([]byte("gatehouse jwtkey rsa v1\x00"))
			m.Write(c[:])
			s.buf = m.Sum(nil)
		}
		p[i] = s.buf[0]
		s.buf = s.buf[1:]
	}
}

// prime returns the next probable prime of exactly bits bits (with its
// top two bits set, so that a product of two has 2*bits bits).
func (s *stream) prime(bits int) *big.Int {
	b := make([]byte, bits/8)
	for {
		s.read(b)
		b[0] |= 0xc0
		b[len(b)-1] |= 1
		p := new(big.Int).SetBytes(b)
		if p.ProbablyPrime(20) {
			return p
		}
	}
}

// KeyID returns the kid of the key's tokens and JWKS entry.
func (k *Key) KeyID() string { return k.kid }

// Algorithm returns the key's JWS alg.
func (k *Key) Algorithm() string { return k.alg }

// Public returns the public key.
func (k *Key) Public() *rsa.PublicKey { return &k.priv.PublicKey }

// Sign returns the compact JWS of payload (a JSON object, whose member
// order is kept) with the header {"kid":...,"alg":...}, as Cognito orders
// it.
func (k *Key) Sign(payload []byte) (string, error) {
	header, _ := json.Marshal(struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}{k.kid, k.alg})
	enc := base64.RawURLEncoding
	var b bytes.Buffer
	b.Grow(enc.EncodedLen(len(header)) + enc.EncodedLen(len(payload)) + 400)
	b.WriteString(enc.EncodeToString(header))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(payload))
	var sig []byte
	var err error
	if k.alg == RS512 {
		sum := sha512.Sum512(b.Bytes())
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA512, sum[:])
	} else {
		sum := sha256.Sum256(b.Bytes())
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	}
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(sig))
	return b.String(), nil
}

// JWK is one entry of a JWKS, members in the order Cognito writes them.
type JWK struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// JWK returns the public key as a JWK.
func (k *Key) JWK() JWK {
	e := big.NewInt(int64(k.priv.E)).Bytes()
	return JWK{Alg: k.alg, E: base64.RawURLEncoding.EncodeToString(e), Kid: k.kid, Kty: "RSA",
		N: base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()), Use: "sig"}
}

// JWKS returns {"keys":[...]} for keys.
func JWKS(keys ...*Key) []byte {
	doc := struct {
		Keys []JWK `json:"keys"`
	}{Keys: make([]JWK, 0, len(keys))}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, k.JWK())
	}
	b, _ := json.Marshal(doc) // strings only: never fails
	return b
}

// HandlerClient returns an HTTP client that sends every request to h in
// this process instead of over the network. A verifier of gatehouse's own
// tokens (jwtauth.Verifier) reads the issuer's discovery document and
// JWKS through it from the same handler that publishes them, so the
// verification is the one any OIDC client does, without a round trip
// through the listener (whose public address may be a proxy's).
func HandlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

type handlerTransport struct{ h http.Handler }

// RoundTrip serves req with the handler.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("jwtkey: request without URL")
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status: strconv.Itoa(rec.status) + " " + http.StatusText(rec.status), StatusCode: rec.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()), Request: req,
	}, nil
}

// recorder is the http.ResponseWriter of an in-process round trip.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
