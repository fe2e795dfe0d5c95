package vtl

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.out golden files")

// TestGolden renders each testdata/*.vtl (AWS documentation templates and
// the seeds' templates) with the fake host objects and compares the whole
// output with testdata/*.out.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.vtl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".vtl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tp, err := Parse(name, string(src))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tp.Render(fakeVars(), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".vtl") + ".out"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Fatalf("output differs from %s\n got:\n%s\nwant:\n%s", golden, got, want)
			}
			if tp.String() != string(src) {
				t.Errorf("String() does not print the template back")
			}
		})
	}
}
