package sigv4

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestCanonicalPath(t *testing.T) {
	tests := []struct {
		path      string
		normalize bool
		want      string
	}{
		{"", true, "/"},
		{"/", true, "/"},
		{"/prod/pets", true, "/prod/pets"},
		{"//example//", true, "/example/"},
		{"/example/..", true, "/"},
		{"/a/b/../../..", true, "/"},
		{"/./a/./b/", true, "/a/b/"},
		{"/prod/a%20b", true, "/prod/a%2520b"}, // double encoding
		{"/prod/a:b", true, "/prod/a%3Ab"},
		{"/prod/%E1%88%B4", true, "/prod/%25E1%2588%25B4"},
		{"//example//", false, "//example//"},
		{"/a/../b", false, "/a/../b"},
	}
	for _, tc := range tests {
		if got := string(appendCanonicalPath(nil, tc.path, tc.normalize)); got != tc.want {
			t.Errorf("appendCanonicalPath(%q, %v) = %q, want %q", tc.path, tc.normalize, got, tc.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, skip, want string }{
		{"", "", ""},
		{"b=2&a=1", "", "a=1&b=2"},
		{"a=2&a=1&a=10", "", "a=1&a=10&a=2"},
		{"q=a+b&r=a%20b&s=a b", "", "q=a%20b&r=a%20b&s=a%20b"},
		{"k=%2f%3F&novalue&=x&&", "", "=x&k=%2F%3F&novalue="},
		{"bad=%zz%4", "", "bad=%25zz%254"},
		{"%E1%88%B4=v&X-Amz-Signature=abc", "X-Amz-Signature", "%E1%88%B4=v"},
		{"~-._=unreserved", "", "~-._=unreserved"},
	}
	for _, tc := range tests {
		got, _ := appendCanonicalQuery(nil, tc.raw, tc.skip, nil)
		if string(got) != tc.want {
			t.Errorf("query %q = %q, want %q", tc.raw, got, tc.want)
		}
	}
	// More pairs than the stack holds.
	raw := ""
	for i := 40; i > 0; i-- {
		raw += fmt.Sprintf("k%02d=v&", i)
	}
	got, _ := appendCanonicalQuery(nil, raw, "", nil)
	if string(got[:13]) != "k01=v&k02=v&k" {
		t.Errorf("long query = %q", got)
	}
}

func TestHeaderValue(t *testing.T) {
	for in, want := range map[string]string{
		"  a   b  ":                 "a b",
		"value1\n  value2\n value3": "value1 value2 value3",
		"\t":                        "",
		"x":                         "x",
	} {
		if got := string(appendHeaderValue(nil, in)); got != want {
			t.Errorf("appendHeaderValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAmzDate(t *testing.T) {
	if tm, ok := parseAmzDate("20150830T123600Z"); !ok || !tm.Equal(time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)) {
		t.Errorf("got %v %v", tm, ok)
	}
	for _, bad := range []string{"", "20150231T000000Z", "2015-08-30T12:36", "20151330T000000Z", "20150830T123600", "2015083xT123600Z"} {
		if _, ok := parseAmzDate(bad); ok {
			t.Errorf("parseAmzDate(%q) accepted", bad)
		}
	}
}

func TestHasQueryKey(t *testing.T) {
	for raw, want := range map[string]bool{
		"X-Amz-Algorithm=x":     true,
		"a=1&X-Amz-Algorithm":   true,
		"aX-Amz-Algorithm=x":    false,
		"X-Amz-AlgorithmX=1":    false,
		"a=X-Amz-Algorithm&b=1": false,
	} {
		if got := hasQueryKey(raw, ParamAlgorithm); got != want {
			t.Errorf("hasQueryKey(%q) = %v", raw, got)
		}
	}
}

// TestKeyCache checks that keys are derived once per scope, that the cache
// stays bounded, that a rotated secret is not served a stale key, and that
// concurrent use is safe (run with -race).
func TestKeyCache(t *testing.T) {
	c := newKeyCache(4)
	creds := Credentials{AccessKeyID: "AKID", SecretAccessKey: "s1"}
	k1 := c.get(&creds, "20150830", "us-east-1", "execute-api")
	if k1 != deriveKey("s1", "20150830", "us-east-1", "execute-api") {
		t.Fatal("cached key differs from the derived one")
	}
	rotated := Credentials{AccessKeyID: "AKID", SecretAccessKey: "s2"}
	if c.get(&rotated, "20150830", "us-east-1", "execute-api") == k1 {
		t.Fatal("rotated secret got the old key")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				cr := Credentials{AccessKeyID: fmt.Sprintf("AK%d", (g+i)%6), SecretAccessKey: "s"}
				c.get(&cr, "20150830", "us-east-1", "execute-api")
			}
		})
	}
	wg.Wait()
	if n := c.len(); n > 4 {
		t.Errorf("cache holds %d keys, bound is 4", n)
	}
	var nilCache *keyCache
	if nilCache.get(&creds, "20150830", "us-east-1", "execute-api") != k1 {
		t.Error("nil cache derives a different key")
	}
}

// TestKeyDerivation checks the HMAC chain against the example key of AWS's
// documentation ("Examples of how to derive a signing key").
func TestKeyDerivation(t *testing.T) {
	k := deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	var raw [32]byte
	for i := range raw {
		raw[i] = k.ipad[i] ^ 0x36
	}
	const want = "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
	if got := string(appendHex(nil, raw[:])); got != want {
		t.Errorf("kSigning = %s, want %s", got, want)
	}
}

func TestSkewText(t *testing.T) {
	if got := skewText(5 * time.Minute); got != "5 min." {
		t.Error(got)
	}
	if got := skewText(90 * time.Second); got != "90 sec." {
		t.Error(got)
	}
}
