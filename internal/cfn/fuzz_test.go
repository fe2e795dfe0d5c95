package cfn

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/yamlx"
)

// ownError reports whether err is made only of gatehouse's positioned
// errors: the loader and the evaluator never return a bare library
// error, so every message names a place in the template.
func ownError(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !ownError(e) {
				return false
			}
		}
		return true
	}
	var ye *yamlx.Error
	return errors.As(err, &ye)
}

func addEvalSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/eval/*.txt")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		in, _, _ := strings.Cut(string(b), "\n----\n")
		f.Add([]byte(in))
	}
}

// FuzzParse: parsing never panics, the result is a mapping, and every
// error is positioned. Parsing what was parsed (re-encoded as JSON) gives
// the same tree.
func FuzzParse(f *testing.F) {
	addEvalSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !ownError(err) {
				t.Fatalf("error %T is not positioned: %v", err, err)
			}
			return
		}
		js := nodeJSON(root)
		if len(js) > MaxTemplateSize {
			return // aliases expanded past what a template may be
		}
		again, err := Parse("again.json", []byte(js))
		if err != nil {
			t.Fatalf("re-parsing %s: %v", js, err)
		}
		if got := nodeJSON(again); got != js {
			t.Fatalf("round trip changed the template:\n%s\n%s", js, got)
		}
		if _, err := Decode("fuzz.yaml", root); err != nil && !ownError(err) {
			t.Fatalf("decode error %T is not positioned: %v", err, err)
		}
	})
}

// FuzzEval: evaluating every resource and output of any template never
// panics, and its errors are positioned.
func FuzzEval(f *testing.F) {
	addEvalSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		tmpl, err := Decode("fuzz.yaml", root)
		if err != nil {
			return
		}
		s, err := NewStack(tmpl, Options{StackName: "Fuzz", Region: "us-east-1", AccountID: "123456789012"})
		if err != nil {
			if !ownError(err) {
				t.Fatalf("stack error %T is not positioned: %v", err, err)
			}
			return
		}
		for _, r := range tmpl.Resources {
			if !s.Active(r) {
				continue
			}
			if _, err := s.Properties(r); err != nil && !ownError(err) {
				t.Fatalf("%s: error %T is not positioned: %v", r.ID, err, err)
			}
		}
		if _, err := s.Outputs(); err != nil && !ownError(err) {
			t.Fatalf("outputs: error %T is not positioned: %v", err, err)
		}
	})
}

// FuzzTranslate: the SAM transform and the translation of REST and HTTP
// API resources never panic, and every error they return is positioned.
// Seeds are the testdata/translate templates; code paths resolve against
// that folder and inline code goes to a temporary one.
func FuzzTranslate(f *testing.F) {
	files, _ := filepath.Glob("testdata/translate/*.txt")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		in, _, _ := strings.Cut(string(b), "\n----\n")
		f.Add([]byte(in))
	}
	inline := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "testdata/translate/fuzz.template"
		root, err := Parse(file, data)
		if err != nil {
			return
		}
		tmpl, err := Decode(file, root)
		if err != nil {
			return
		}
		if tmpl.HasTransform(SAMTransform) {
			if tmpl, _, err = transformSAM(tmpl, nil); err != nil {
				if !ownError(err) {
					t.Fatalf("transform error %T is not positioned: %v", err, err)
				}
				return
			}
		}
		s, err := NewStack(tmpl, Options{StackName: "Fuzz", Region: "us-east-1", AccountID: "123456789012"})
		if err != nil {
			return
		}
		if _, err := Translate(s, TranslateOptions{InlineDir: inline}); err != nil && !ownError(err) {
			t.Fatalf("translate error %T is not positioned: %v", err, err)
		}
	})
}
