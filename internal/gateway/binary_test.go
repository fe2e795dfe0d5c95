package gateway_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// png is a few bytes that are not UTF-8, as a PNG file's are.
var png = []byte{0x89, 0x50, 0x4e, 0x47, 0x00, 0xff}

// proxyEcho is what testdata/lambda's proxy handler reports.
type proxyEcho struct {
	IsBase64Encoded bool   `json:"isBase64Encoded"`
	Body            string `json:"body"`
}

// proxyEchoOf returns a function that decodes the proxy handler's answer.
func proxyEchoOf(t *testing.T) func(*http.Response, string) proxyEcho {
	return func(resp *http.Response, body string) proxyEcho {
		t.Helper()
		var e proxyEcho
		if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
		}
		return e
	}
}

const binaryConfig = `
apis:
  - name: rest-binary
    id: restbin001
    definition: rest.yaml
    stages: {prod: {}}
  - name: rest-text
    id: resttext01
    definition: rest-text.yaml
    stages: {prod: {}}
  - name: http-binary
    id: httpbin001
    protocol: HTTP
    routes:
      "POST /echo":
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:proxy"}
      "POST /echo1":
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:proxy", payloadFormatVersion: "1.0"}
      "GET /image":
        integration: {type: aws_proxy, uri: "arn:aws:lambda:us-east-1:123456789012:function:proxy"}
functions:
  - {name: proxy, runtime: nodejs20.x, handler: index.proxy, code: "{{code}}", concurrency: 2}
  - {name: custom, runtime: nodejs20.x, handler: index.custom, code: "{{code}}", concurrency: 1}
`

const lambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:%s/invocations"

var binaryDefinition = `
openapi: 3.0.1
info: {title: rest-binary, version: "1"}
x-amazon-apigateway-binary-media-types: [image/*, application/octet-stream]
paths:
  /echo:
    post:
      x-amazon-apigateway-integration: {type: aws_proxy, uri: "` + sprintf(lambdaURI, "proxy") + `"}
  /image:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, uri: "` + sprintf(lambdaURI, "proxy") + `"}
  /to-text:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://{{backend}}/echo
        contentHandling: CONVERT_TO_TEXT
        responses: {default: {statusCode: "200"}}
  /to-binary:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://{{backend}}/echo
        contentHandling: CONVERT_TO_BINARY
        responses: {default: {statusCode: "200"}}
  /binary-skips-template:
    post:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://{{backend}}/echo
        requestTemplates: {image/png: 'template output', application/json: '{"wrapped": $input.json(''$'')}'}
        responses: {default: {statusCode: "200"}}
  /png:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://{{backend}}/png
        responses: {default: {statusCode: "200"}}
  /png-as-text:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://{{backend}}/png
        responses:
          default:
            statusCode: "200"
            contentHandling: CONVERT_TO_TEXT
            responseTemplates: {application/json: '{"data": "$input.body"}'}
  /b64text:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: http://{{backend}}/b64text
        responses: {default: {statusCode: "200"}}
  /lambda-image:
    get:
      x-amazon-apigateway-integration:
        type: aws
        uri: "` + sprintf(lambdaURI, "custom") + `"
        requestTemplates: {application/json: '{"action": "image"}'}
        responses:
          default:
            statusCode: "200"
            contentHandling: CONVERT_TO_BINARY
            responseParameters: {method.response.header.Content-Type: "'image/png'"}
  /lambda-upload:
    put:
      x-amazon-apigateway-integration:
        type: aws
        uri: "` + sprintf(lambdaURI, "custom") + `"
        contentHandling: CONVERT_TO_TEXT
        requestTemplates: {image/png: '{"image": "$input.body"}'}
        responses: {default: {statusCode: "200"}}
`

var textDefinition = `
openapi: 3.0.1
info: {title: rest-text, version: "1"}
paths:
  /echo:
    post:
      x-amazon-apigateway-integration: {type: aws_proxy, uri: "` + sprintf(lambdaURI, "proxy") + `"}
  /image:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, uri: "` + sprintf(lambdaURI, "proxy") + `"}
`

func sprintf(format, arg string) string { return strings.Replace(format, "%s", arg, 1) }

// binaryBackend echoes the request body as text/plain, and serves
// a PNG (binary) and a base64 text.
func binaryBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		case "/b64text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "aGVsbG8=")
		default:
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "text/plain") // not a binary type: passes through
			_, _ = w.Write(b)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestBinaryMediaTypes(t *testing.T) {
	be := binaryBackend(t)
	base, _ := serveWithFunctions(t, be.Listener.Addr().String(), map[string]string{
		"gatehouse.yaml": binaryConfig, "rest.yaml": binaryDefinition, "rest-text.yaml": textDefinition,
	})
	const restHost, textHost, httpHost = "restbin001.execute-api.localhost", "resttext01.execute-api.localhost", "httpbin001.execute-api.localhost"
	call := func(method, host, path string, body []byte, header ...string) (*http.Response, string) {
		t.Helper()
		return do(t, method, base+path, string(body), append([]string{"Host", host}, header...)...)
	}

	t.Run("REST proxy event", func(t *testing.T) {
		for _, c := range []struct {
			name, host, contentType string
			body                    []byte
			base64                  bool
			want                    string
		}{
			{"binary media type", restHost, "image/png", png, true, base64.StdEncoding.EncodeToString(png)},
			{"wildcard with parameters", restHost, "Image/PNG; q=1", png, true, base64.StdEncoding.EncodeToString(png)},
			{"octet-stream", restHost, "application/octet-stream", []byte("abc"), true, "YWJj"},
			{"text type", restHost, "application/json", []byte(`{"a":1}`), false, `{"a":1}`},
			{"not a binary type: bytes as UTF-8 text", restHost, "application/x-custom", png, false, "\ufffdPNG\x00\ufffd"},
			{"no binary media types", textHost, "image/png", png, false, "\ufffdPNG\x00\ufffd"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := proxyEchoOf(t)(call(http.MethodPost, c.host, "/prod/echo", c.body, "Content-Type", c.contentType))
				if e.IsBase64Encoded != c.base64 || e.Body != c.want {
					t.Errorf("isBase64Encoded=%v body=%q, want %v %q", e.IsBase64Encoded, e.Body, c.base64, c.want)
				}
			})
		}
	})

	t.Run("REST proxy response", func(t *testing.T) {
		encoded := base64.StdEncoding.EncodeToString(png)
		for _, c := range []struct {
			name, host, accept, want string
		}{
			{"Accept is a binary type", restHost, "image/png", string(png)},
			{"first Accept matches a wildcard", restHost, "image/webp,*/*;q=0.8", string(png)},
			{"Accept is text", restHost, "application/json", encoded},
			{"only the first Accept counts", restHost, "text/html, image/png", encoded},
			{"*/* is not image/png", restHost, "*/*", encoded},
			{"no Accept", restHost, "", encoded},
			{"no binary media types", textHost, "image/png", encoded},
		} {
			t.Run(c.name, func(t *testing.T) {
				var h []string
				if c.accept != "" {
					h = []string{"Accept", c.accept}
				}
				resp, body := call(http.MethodGet, c.host, "/prod/image", nil, h...)
				if resp.StatusCode != 200 || body != c.want || resp.Header.Get("Content-Type") != "image/png" {
					t.Errorf("%d %q %v, want %q", resp.StatusCode, body, resp.Header, c.want)
				}
			})
		}
	})

	t.Run("HTTP API event", func(t *testing.T) {
		for _, c := range []struct {
			name, path, contentType string
			body                    []byte
			base64                  bool
		}{
			{"text/plain", "/echo", "text/plain; charset=utf-8", []byte("hello"), false},
			{"application/json", "/echo", "application/json", []byte(`{"a":1}`), false},
			{"application/xml", "/echo", "application/xml", []byte(`<a/>`), false},
			{"form", "/echo", "application/x-www-form-urlencoded", []byte("a=1&b=2"), true},
			{"image", "/echo", "image/png", png, true},
			{"no Content-Type", "/echo", "", []byte(`{"a":1}`), true},
			{"payload 1.0 too", "/echo1", "application/octet-stream", png, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				var h []string
				if c.contentType != "" {
					h = []string{"Content-Type", c.contentType}
				}
				e := proxyEchoOf(t)(call(http.MethodPost, httpHost, c.path, c.body, h...))
				want := string(c.body)
				if c.base64 {
					want = base64.StdEncoding.EncodeToString(c.body)
				}
				if e.IsBase64Encoded != c.base64 || e.Body != want {
					t.Errorf("isBase64Encoded=%v body=%q, want %v %q", e.IsBase64Encoded, e.Body, c.base64, want)
				}
			})
		}
	})

	t.Run("HTTP API response always decoded", func(t *testing.T) {
		resp, body := call(http.MethodGet, httpHost, "/image", nil, "Accept", "application/json")
		if resp.StatusCode != 200 || body != string(png) {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	})

	t.Run("request contentHandling", func(t *testing.T) {
		resp, body := call(http.MethodPost, restHost, "/prod/to-text", png, "Content-Type", "image/png")
		if resp.StatusCode != 200 || body != base64.StdEncoding.EncodeToString(png) {
			t.Errorf("CONVERT_TO_TEXT of a binary body: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/to-text", []byte(`{"a":1}`), "Content-Type", "application/json")
		if resp.StatusCode != 200 || body != `{"a":1}` {
			t.Errorf("CONVERT_TO_TEXT of text: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/to-binary", []byte(base64.StdEncoding.EncodeToString(png)), "Content-Type", "text/plain")
		if resp.StatusCode != 200 || body != string(png) {
			t.Errorf("CONVERT_TO_BINARY of base64 text: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/to-binary", []byte("not base64!"), "Content-Type", "text/plain")
		if resp.StatusCode != 500 || body != `{"message": "Internal server error"}` {
			t.Errorf("CONVERT_TO_BINARY of text that is not base64: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/to-binary", png, "Content-Type", "image/png")
		if resp.StatusCode != 200 || body != string(png) {
			t.Errorf("CONVERT_TO_BINARY of a binary body: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/binary-skips-template", png, "Content-Type", "image/png")
		if resp.StatusCode != 200 || body != string(png) {
			t.Errorf("binary body with a template: %d %q", resp.StatusCode, body)
		}
		resp, body = call(http.MethodPost, restHost, "/prod/binary-skips-template", []byte(`{"a":1}`), "Content-Type", "application/json")
		if resp.StatusCode != 200 || body != `{"wrapped": {"a":1}}` {
			t.Errorf("text body with a template: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("response contentHandling", func(t *testing.T) {
		encoded := base64.StdEncoding.EncodeToString(png)
		for _, c := range []struct {
			name, path, accept, want string
		}{
			{"binary to a binary Accept passes through", "/prod/png", "image/png", string(png)},
			{"binary to a text Accept is base64 text", "/prod/png", "application/json", encoded},
			{"CONVERT_TO_TEXT, then the template", "/prod/png-as-text", "image/png", `{"data": "` + encoded + `"}`},
			{"text to a binary Accept is base64-decoded", "/prod/b64text", "image/png", "hello"},
			{"text to a text Accept passes through", "/prod/b64text", "text/plain", "aGVsbG8="},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, body := call(http.MethodGet, restHost, c.path, nil, "Accept", c.accept)
				if resp.StatusCode != 200 || body != c.want {
					t.Errorf("%d %q, want %q", resp.StatusCode, body, c.want)
				}
			})
		}
	})

	t.Run("Lambda custom integration", func(t *testing.T) {
		resp, body := call(http.MethodGet, restHost, "/prod/lambda-image", nil, "Accept", "application/json")
		if resp.StatusCode != 200 || !bytes.Equal([]byte(body), png) || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("CONVERT_TO_BINARY of a base64 result: %d %q %v", resp.StatusCode, body, resp.Header)
		}
		resp, body = call(http.MethodPut, restHost, "/prod/lambda-upload", png, "Content-Type", "image/png")
		if want := `{"received":{"image":"` + base64.StdEncoding.EncodeToString(png) + `"}}`; resp.StatusCode != 200 || body != want {
			t.Errorf("CONVERT_TO_TEXT upload: %d %s, want %s", resp.StatusCode, body, want)
		}
	})
}
