package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestARNMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:execute-api:us-east-1:1:abc/*/*", "arn:aws:execute-api:us-east-1:1:abc/$default/$default", true},
		{"arn:aws:execute-api:us-east-1:1:abc/*/*/{proxy+}", "arn:aws:execute-api:us-east-1:1:abc/$default/OPTIONS/{proxy+}", true},
		{"arn:aws:execute-api:us-east-1:1:abc/*/*/{proxy+}", "arn:aws:execute-api:us-east-1:1:abc/$default/$default", false},
		{"arn:aws:execute-api:us-east-1:1:abc/*/GET/hello/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/hello/{name}", true},
		{"arn:aws:execute-api:us-east-1:1:abc/*/GET/hello/*", "arn:aws:execute-api:us-east-1:1:abc/prod/POST/hello/{name}", false},
		{"arn:aws:execute-api:us-east-1:1:xyz/*", "arn:aws:execute-api:us-east-1:1:abc/prod/GET/", false},
		{"a?c", "abc", true},
		{"*", "", true},
		{"", "", true},
		{"a*", "", false},
		{strings.Repeat("*a", 30), strings.Repeat("a", 29) + "b", false}, // no exponential backtracking
	} {
		if got := arnMatch(tc.pattern, tc.arn); got != tc.want {
			t.Errorf("arnMatch(%q, %q) = %v", tc.pattern, tc.arn, got)
		}
	}
}

// TestLocalPathSymlink: a link inside the template's folder that points
// out of it is refused, as a ../ path is; AllowOutside lets both through.
func TestLocalPathSymlink(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "index.js"), []byte("exports.handler = async () => 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "code")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	tr := &translator{s: &Stack{T: &Template{Dir: dir}}}
	for _, p := range []string{"code", "./code/index.js", "../" + filepath.Base(outside), outside} {
		if _, err := tr.localPath(p); err == nil || !strings.Contains(err.Error(), "outside the template's folder") {
			t.Errorf("localPath(%q) = %v, want an outside error", p, err)
		}
	}
	if got, err := tr.localPath("inside"); err != nil || got != filepath.Join(dir, "inside") {
		t.Errorf("localPath(inside) = %q, %v", got, err)
	}
	tr.o.AllowOutside = true
	if _, err := tr.localPath("code"); err != nil {
		t.Errorf("AllowOutside: %v", err)
	}
}

// TestInlineCode writes ZipFile code once, where Lambda would put it.
func TestInlineCode(t *testing.T) {
	tr := &translator{o: TranslateOptions{InlineDir: t.TempDir()}}
	dir, err := tr.inlineCode("def handler(e, c):\n    return 1\n", "python3.12")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.py"))
	if err != nil || !strings.HasPrefix(string(b), "def handler") {
		t.Fatalf("index.py: %q %v", b, err)
	}
	again, err := tr.inlineCode("def handler(e, c):\n    return 1\n", "python3.12")
	if err != nil || again != dir {
		t.Errorf("second write: %q %v, want %q", again, err, dir)
	}
	if _, err := tr.inlineCode("x", "provided.al2023"); err == nil {
		t.Error("inline code for provided runtimes should be refused")
	}
}

// TestTemplateTooLarge: a template over CloudFormation's 1 MB limit is
// refused before it is parsed.
func TestTemplateTooLarge(t *testing.T) {
	big := "Resources:\n  T: {Type: AWS::SNS::Topic}\n#" + strings.Repeat("x", MaxTemplateSize)
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "template is larger than 1048576 bytes") {
		t.Errorf("err = %v", err)
	}
}
