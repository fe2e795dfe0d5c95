package mapping

import (
	"strings"
	"testing"
)

// slowRootJSON is $input.json('$') without the fast path.
func slowRootJSON(t testing.TB, body string) (string, bool) {
	t.Helper()
	doc, err := parseJSON(body)
	if err != nil {
		return "", false
	}
	b, err := appendJSON(nil, doc, MaxJSONOutput)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// compact runs compactJSON after some bytes already written, which it
// must keep.
func compact(s string) (string, bool) {
	const head = "head:"
	b, ok := compactJSON([]byte(head), s)
	if string(b[:len(head)]) != head {
		panic("compactJSON changed the bytes before its output")
	}
	return string(b[len(head):]), ok
}

func TestCompactJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"object", ` { "a" : 1 , "b" : [ true , false , null ] } `, `{"a":1,"b":[true,false,null]}`, true},
		{"empty", `{}`, `{}`, true},
		{"empty with space", `{ } `, `{}`, true},
		{"empty array", `[ ]`, `[]`, true},
		{"scalar", `"x"`, `"x"`, true},
		{"minus zero", `[-0,0,-1]`, `[0,0,-1]`, true},
		{"big integer", `123456789012345678901234567890`, `123456789012345678901234567890`, true},
		{"doubles", `[1.0,1.5e3,1e7,0.0001,-0.0,1e400,1e-400]`, `[1.0,1500.0,1.0E7,1.0E-4,-0.0,null,0.0]`, true},
		{"escapes", `"a\/b\"c\u00e9\n\u2028"`, `"a/b\"cé\n\u2028"`, true},
		{"raw non-ASCII and DEL", "\"é\x7f\xff\"", "\"é\\u007F\uFFFD\"", true},
		{"escaped key", `{"k\u0041":1}`, `{"kA":1}`, true},
		{"same key in two objects", `[{"a":1},{"a":2}]`, `[{"a":1},{"a":2}]`, true},
		{"nested keys", `{"a":{"a":1},"b":2}`, `{"a":{"a":1},"b":2}`, true},
		{"many keys", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, true},
		{"repeated key", `{"a":1,"a":2}`, "", false},
		{"repeated tenth key", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"b":10}`, "", false},
		{"repeated after escape", `{"a":1,"\u0061":2}`, "", false},
		{"not JSON", `hello`, "", false},
		{"trailing comma", `{"a":1,}`, "", false},
		{"trailing text", `{} x`, "", false},
		{"leading zero", `01`, "", false},
		{"control character", "\"a\x01\"", "", false},
		{"unterminated", `{"a":"b`, "", false},
		{"too deep", strings.Repeat("[", MaxJSONDepth+2) + strings.Repeat("]", MaxJSONDepth+2), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := compact(tt.in)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("compactJSON(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if slow, sok := slowRootJSON(t, tt.in); ok && (!sok || slow != got) {
				t.Errorf("slow path gives %q, %v", slow, sok)
			}
		})
	}
}

// TestInputJSONRoot checks that $input.json('$') gives the slow path's
// answer whether or not the fast path applies.
func TestInputJSONRoot(t *testing.T) {
	for _, body := range []string{``, `{"a":1,"a":2}`, `not json`, `{"x":[1,2.50,"é"]}`} {
		in := NewInput(InputData{Body: []byte(body)})
		got, err := in.JSON("$")
		if err != nil {
			t.Fatal(err)
		}
		v, ok, err := in.eval("$")
		if err != nil || !ok {
			t.Fatal(err, ok)
		}
		want, err := appendJSON(nil, v, MaxJSONOutput)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("body %q: $input.json('$') = %s, want %s", body, got, want)
		}
	}
}

// FuzzCompactJSON: whenever the fast path answers, it answers what parsing
// and serializing the document does, and it answers for every document
// the slow path can write except those with a repeated key.
func FuzzCompactJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `[1,-0,1.5e-7,1e400]`, `"\u00e9\ud83d\ude00\ud800"`, `{"a":{"b":[{}]},"c":null}`,
		`{"a":1,"a":2}`, "\"\x7f\xc3\"", `12345678901234567890123`, ` [ true , false ] `, `{"k":"v\/"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := compact(s)
		slow, sok := slowRootJSON(t, s)
		if ok && (!sok || got != slow) {
			t.Fatalf("compactJSON(%q) = %q; slow path %q, %v", s, got, slow, sok)
		}
		if !ok && sok && !strings.Contains(s, `"`) {
			t.Fatalf("compactJSON(%q) refused a document without strings (so without keys) that the slow path writes as %q", s, slow)
		}
	})
}
