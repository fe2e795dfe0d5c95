package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/yamlx"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestInvalid loads each testdata/invalid/*.yaml config and compares the
// errors with the golden .err file beside it.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".oas.yaml") {
			continue // definitions used by the configs
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Load(file)
			if err == nil {
				t.Fatal("config loaded; want errors")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestValid(t *testing.T) {
	c, err := Load("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Admin != "127.0.0.1:8081" || c.Region != "eu-west-1" || c.AccountID != "210987654321" {
		t.Errorf("top-level keys: %+v", c)
	}
	if len(c.APIs) != 2 {
		t.Fatalf("apis = %d", len(c.APIs))
	}
	pets, hello := c.APIs[0], c.APIs[1]
	if pets.ID != "a1b2c3d4e5" || pets.Protocol != model.REST || len(pets.Routes) != 1 || pets.Stages[0].Variables["backend"] != "127.0.0.1:9000" {
		t.Errorf("pets = %+v", pets)
	}
	if pets.Stages[0].AccessLog.Format != "$context.requestId $context.status" {
		t.Errorf("access log = %+v", pets.Stages[0].AccessLog)
	}
	if hello.ID != DeriveID("hello") || hello.Protocol != model.HTTP || len(hello.Routes) != 2 || hello.Stages[0].Name != model.DefaultStage {
		t.Errorf("hello = %+v", hello)
	}
	if hello.Routes[0].Integration.Timeout != model.DefaultHTTPAPITimeout {
		t.Errorf("HTTP API default timeout = %v", hello.Routes[0].Integration.Timeout)
	}
	if len(c.Domains) != 1 || len(c.Domains[0].Mappings) != 2 || c.Domains[0].Mappings[1].BasePath != "" {
		t.Errorf("domains = %+v", c.Domains)
	}
}

func TestDefaults(t *testing.T) {
	root, err := yamlx.Parse("inline.yaml", []byte(`apis: [{name: x, protocol: HTTP, routes: {$default: {integration: {type: HTTP_PROXY, httpMethod: ANY, uri: "http://127.0.0.1:1"}}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode("inline.yaml", root)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || c.Region != DefaultRegion || c.AccountID != DefaultAccountID || c.Admin != "" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestDeriveID(t *testing.T) {
	id := DeriveID("pets")
	if len(id) != 10 || id != DeriveID("pets") || id == DeriveID("pets2") || !apiIDRE.MatchString(id) {
		t.Errorf("DeriveID = %q", id)
	}
}

// FuzzLoad feeds arbitrary documents to the config decoder: it must
// return a config or an error, never panic.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"apis: [{name: x, protocol: HTTP, routes: {$default: {integration: {type: HTTP_PROXY, httpMethod: ANY, uri: \"http://127.0.0.1:1\"}}}}]",
		"listen: 1\nregion: [a]\n",
		"apis: {x: 1}",
		"domains: [{name: x, basePathMappings: [{api: x, stage: y}]}]",
		"a: &a [*a]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := yamlx.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		c, err := Decode("fuzz.yaml", root)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}
