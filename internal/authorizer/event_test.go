package authorizer

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/lambda"
	"github.com/gatehouse/gatehouse/internal/model"
	"github.com/gatehouse/gatehouse/internal/proxyevent"
)

var update = flag.Bool("update", false, "rewrite the expected halves of testdata files")

// eventFixture is the input half of a testdata/events file.
type eventFixture struct {
	Protocol             model.Protocol            `json:"protocol"`
	Type                 string                    `json:"type"`
	PayloadFormatVersion string                    `json:"payloadFormatVersion"`
	IdentitySource       string                    `json:"identitySource"`
	MethodARN            string                    `json:"methodArn"`
	Method               string                    `json:"method"`
	Resource             string                    `json:"resource"`
	RouteKey             string                    `json:"routeKey"`
	Path                 string                    `json:"path"`
	RawQuery             string                    `json:"rawQuery"`
	Query                [][2]string               `json:"query"`
	Headers              [][2]string               `json:"headers"`
	PathParameters       [][2]string               `json:"pathParameters"`
	Stage                string                    `json:"stage"`
	StageVariables       [][2]string               `json:"stageVariables"`
	Context              proxyevent.RequestContext `json:"context"`
}

func params(ps [][2]string) []proxyevent.Param {
	var out []proxyevent.Param
	for _, p := range ps {
		out = append(out, proxyevent.Param{Name: p[0], Value: p[1]})
	}
	return out
}

// captureInvoker records the event and answers with a fixed result.
type captureInvoker struct {
	event  []byte
	result []byte
}

func (c *captureInvoker) Invoke(_ context.Context, _ string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	c.event = append([]byte(nil), payload...)
	return c.result, nil, nil
}

// TestEvents checks the event each kind of authorizer sends against
// testdata/events/*.txt: comment lines, the input, "----", the event.
func TestEvents(t *testing.T) {
	files, _ := filepath.Glob("testdata/events/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/events")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			in, want, ok := bytes.Cut(data, []byte("\n----\n"))
			if !ok {
				t.Fatal("no ---- separator")
			}
			var body []byte
			for line := range bytes.Lines(in) {
				if !bytes.HasPrefix(line, []byte("#")) {
					body = append(body, line...)
				}
			}
			var f eventFixture
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				t.Fatal(err)
			}
			cfg := Config{Name: "a", Protocol: f.Protocol, Function: "fn", IdentitySource: f.IdentitySource,
				PayloadFormatVersion: f.PayloadFormatVersion, Type: TypeRequest}
			if f.Type == "TOKEN" {
				cfg.Type = TypeToken
			}
			inv := &captureInvoker{result: []byte(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}}`)}
			a, err := New(cfg, inv, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := &Request{MethodARN: f.MethodARN, Event: &proxyevent.Request{
				Method: f.Method, Resource: f.Resource, RouteKey: f.RouteKey, Path: f.Path, RawQuery: f.RawQuery,
				Query: params(f.Query), Headers: params(f.Headers), PathParameters: params(f.PathParameters),
				Stage: f.Stage, StageVariables: params(f.StageVariables), Context: f.Context,
				Body: []byte("ignored"), // authorizer events have no body
			}}
			if _, err := a.Authorize(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(inv.event) {
				t.Fatalf("invalid JSON event: %s", inv.event)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, inv.event, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			if *update {
				out := append(append(in, "\n----\n"...), got.Bytes()...)
				if err := os.WriteFile(file, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got.String() != string(want) {
				t.Errorf("event mismatch\n got:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
}
