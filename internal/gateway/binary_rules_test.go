package gateway

import (
	"bytes"
	"errors"
	"testing"
)

func TestMediaTypesMatch(t *testing.T) {
	types := compileMediaTypes([]string{"image/*", "application/octet-stream", "Application/PDF", "font~1woff2"})
	for value, want := range map[string]bool{
		"image/png":                      true,
		"IMAGE/JPEG; quality=high":       true,
		" image/webp ":                   true,
		"application/octet-stream":       true,
		"application/pdf":                true,
		"font/woff2":                     true,
		"image":                          false,
		"image/svg/x":                    false,
		"application/json":               false,
		"*/*":                            false, // the wildcard is the API's, not the client's
		"":                               false,
		"application/octet-stream-extra": false,
	} {
		if got := types.match(value); got != want {
			t.Errorf("match(%q) = %v, want %v", value, got, want)
		}
	}
	all := compileMediaTypes([]string{"*/*"})
	if !all.match("text/plain") || !all.match("*/*") || all.match("") {
		t.Error("*/* must match every media type, and no value")
	}
	if mediaTypes(nil).match("image/png") {
		t.Error("no binary media types match nothing")
	}
}

func TestFirstAccept(t *testing.T) {
	for accept, want := range map[string]string{
		"image/png":                    "image/png",
		"text/html, image/png":         "text/html",
		"image/webp,image/*,*/*;q=0.8": "image/webp",
		"":                             "",
		"application/json;q=0.9, a/b":  "application/json;q=0.9",
	} {
		if got := firstAccept(accept); got != want {
			t.Errorf("firstAccept(%q) = %q, want %q", accept, got, want)
		}
	}
}

func TestHTTPAPIText(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/plain":                        true,
		"text/html; charset=utf-8":          true,
		"Application/JSON":                  true,
		"application/xml":                   true,
		"application/javascript":            true,
		"application/x-www-form-urlencoded": false,
		"application/octet-stream":          false,
		"image/png":                         false,
		"":                                  false,
	} {
		if got := httpAPIText(ct); got != want {
			t.Errorf("httpAPIText(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for in, want := range map[string]string{
		"aGVsbG8=":       "hello",
		"aGVsbG8":        "hello",
		" aGVs\r\nbG8= ": "hello",
		"":               "",
	} {
		got, err := decodeBase64([]byte(in))
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Errorf("decodeBase64(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"not base64!", "aGVs=bG8=", "a"} {
		if _, err := decodeBase64([]byte(in)); !errors.Is(err, errNotBase64) {
			t.Errorf("decodeBase64(%q): err = %v, want errNotBase64", in, err)
		}
	}
}
