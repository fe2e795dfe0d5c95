package jsonschema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata files")

// models reads the first section of a case: a JSON object of models by
// name, in order; the first is the one instances are validated against.
func models(t *testing.T, src string) (names []string, raw map[string][]byte) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(src))
	raw = map[string][]byte{}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("models must be a JSON object: %v", err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.(string))
		raw[tok.(string)] = m
	}
	return names, raw
}

func compileCase(names []string, raw map[string][]byte) (*Compiler, error) {
	c := NewCompiler()
	for _, n := range names {
		if err := c.Add(n, "case", raw[n]); err != nil {
			return nil, err
		}
	}
	return c, c.Compile()
}

// splitCase splits a case file on lines of four dashes.
func splitCase(data string) []string {
	var parts []string
	var cur []string
	for _, line := range strings.Split(data, "\n") {
		if line == "----" {
			parts = append(parts, strings.TrimSpace(strings.Join(cur, "\n")))
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	return append(parts, strings.TrimSpace(strings.Join(cur, "\n")))
}

// TestValidate runs testdata/validate: each file holds models, then pairs
// of an instance and the expected $context.error.validationErrorString
// (empty when valid). go test -update rewrites the expectations.
func TestValidate(t *testing.T) {
	files, _ := filepath.Glob("testdata/validate/*.txt")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parts := splitCase(string(data) + "\n")
			names, raw := models(t, parts[0])
			c, err := compileCase(names, raw)
			if err != nil {
				t.Fatal(err)
			}
			s := c.Schema(names[0])
			var out bytes.Buffer
			out.WriteString(parts[0])
			for i := 1; i < len(parts); i += 2 {
				doc, err := Parse([]byte(parts[i]))
				if err != nil {
					t.Fatalf("instance %q: %v", parts[i], err)
				}
				got := ""
				if msgs := s.Validate(doc.Root()); len(msgs) > 0 {
					got = ErrorString(msgs)
				}
				want := ""
				if i+1 < len(parts) {
					want = parts[i+1]
				}
				if got != want && !*update {
					t.Errorf("instance %s\n got: %s\nwant: %s", parts[i], got, want)
				}
				out.WriteString("\n----\n" + parts[i] + "\n----\n")
				if got != "" {
					out.WriteString(got + "\n")
				}
			}
			if *update {
				if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestCompileErrors runs testdata/invalid: models, then every error the
// compiler reports, one a line.
func TestCompileErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.txt")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parts := splitCase(string(data) + "\n")
			names, raw := models(t, parts[0])
			_, err = compileCase(names, raw)
			if err == nil {
				t.Fatal("compiled")
			}
			got := err.Error()
			want := ""
			if len(parts) > 1 {
				want = parts[1]
			}
			if *update {
				if err := os.WriteFile(file, []byte(parts[0]+"\n----\n"+got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestAddRejectsInvalidJSON(t *testing.T) {
	c := NewCompiler()
	err := c.Add("Pet", "pets.yaml:3:5", []byte(`{"type": "object",}`))
	if err == nil || err.Error() != `pets.yaml:3:5: model Pet: invalid JSON at offset 18: expected a member name` {
		t.Errorf("err = %v", err)
	}
	if err := c.Add("Pet", "a", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.Add("Pet", "b", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate: %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":[1,2.50,-0,1e2,"x\u00e9\n"],"b":{}}`, `{"a":[1,2.5,0,1E+2,"xé\n"],"b":{}}`},
		{` true `, `true`},
		{`"\ud83d\ude00 \ud800"`, "\"😀 \uFFFD\""},
		{`{"k":1,"k":2,"j":3}`, `{"k":2,"j":3}`},
		{`0.0000001`, `1E-7`},
		{`0.000001`, `0.000001`},
		{`123.4500`, `123.45`},
		{`"\u0001\t"`, `"\u0001\t"`},
	} {
		d, err := Parse([]byte(c.in))
		if err != nil {
			t.Errorf("Parse(%s): %v", c.in, err)
			continue
		}
		if got := d.Root().String(); got != c.want {
			t.Errorf("Parse(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{``, ` `, `{`, `[1,]`, `{"a" 1}`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, "\"\x01\"", `"\u12"`,
		"\"\xff\"", `tru`, `nul`, `[1] 2`, `{"a":1}}`, `1e9999999999`, `NaN`, `'a'`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Parse([]byte(deep)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Parse([]byte("[" + deep + "]")); err == nil {
		t.Errorf("depth %d accepted", MaxDepth+1)
	}
}

func TestErrorString(t *testing.T) {
	got := ErrorString([]string{`object has missing required properties (["a","b"])`, "tab\there"})
	want := `[object has missing required properties ([\"a\",\"b\"]), tab\there]`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestTranslateECMA(t *testing.T) {
	for _, c := range []struct {
		pattern string
		in      string
		match   bool
	}{
		{`^a.c$`, "abc", true},
		{`^a.c$`, "a\nc", false},
		{`^a.c$`, "a\u2028c", false},
		{`\s`, "\u00a0", true},
		{`\s`, "\v", true},
		{`^\S+$`, "a\u3000", false},
		{`^[\s]$`, "\ufeff", true},
		{`^[^\s]$`, "x", true},
		{`^\u0041$`, "A", true},
		{`^\x41$`, "A", true},
		{`^\cJ$`, "\n", true},
		{`^[\b]$`, "\b", true},
		{`\bword\b`, "a word here", true},
		{`^[^]$`, "\n", true},
		{`[]`, "anything", false},
		{`^\/\-\z$`, "/-z", true},
		{`^\é$`, "é", true},
		{`^[[]$`, "[", true},
		{`^(?:ab)+$`, "abab", true},
		{`^\0$`, "\x00", true},
	} {
		re, err := compileECMA(c.pattern)
		if err != nil {
			t.Errorf("%q: %v", c.pattern, err)
			continue
		}
		if got := re.MatchString(c.in); got != c.match {
			t.Errorf("%q on %q = %v, want %v", c.pattern, c.in, got, c.match)
		}
	}
	for _, bad := range []string{`(?=a)`, `(?!a)`, `(?<=a)`, `(a)\1`, `\01`, `[a`, `(?i)a`, `a\`, "\xff", `a{1001}`, `\ud800`} {
		if _, err := compileECMA(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBudget(t *testing.T) {
	// Nested anyOf over a deep body is exponential; the budget stops it.
	schema := `{"T": {"anyOf": [{"properties": {"c": {"$ref": "#/definitions/T"}}, "required": ["c"]},
		{"properties": {"c": {"$ref": "#/definitions/T"}}, "required": ["c"]}]}}`
	names, raw := models(t, schema)
	c, err := compileCase(names, raw)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat(`{"c":`, 60) + "{}" + strings.Repeat("}", 60)
	doc, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	msgs := c.Schema("T").Validate(doc.Root())
	if len(msgs) != 1 || msgs[0] != BudgetMessage {
		t.Errorf("messages = %q", msgs)
	}
}

// TestMultipleOf checks the uint64 fast path against the big.Int one.
func TestMultipleOf(t *testing.T) {
	nums := []string{"0", "1", "3", "10", "12.34", "0.01", "0.001", "1.005", "7e3", "2.5e-3", "123456789012345678", "1e30", "4e999", "0.75", "999999999999999999"}
	for _, a := range nums {
		for _, b := range nums {
			d, div := parseDecimal(a, Number), parseDecimal(b, Number)
			if div.sign() <= 0 {
				continue
			}
			fast, known := d.multipleOfSmall(div)
			if !known {
				continue
			}
			slow := d.multipleOfBig(div)
			if fast != slow {
				t.Errorf("%s multipleOf %s: fast %v, big %v", a, b, fast, slow)
			}
		}
	}
}
