package awsjson_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/cognito/awsjson"
)

// input has the member types of the Cognito inputs: strings, maps of
// strings, numbers.
type input struct {
	AuthFlow       *string           `json:"AuthFlow"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientID       *string           `json:"ClientId"`
	Logins         map[string]string `json:"Logins"`
	Duration       *int              `json:"DurationSeconds"`
}

// FuzzReadRequest: any target and body either parse, and then decode or
// fail with a SerializationException, or are refused with one of the
// protocol's own errors; every error renders as a JSON document with its
// __type, and nothing panics.
func FuzzReadRequest(f *testing.F) {
	f.Add("AWSCognitoIdentityProviderService.InitiateAuth", `{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"abc","AuthParameters":{"USERNAME":"a","PASSWORD":"b"}}`)
	f.Add("AWSCognitoIdentityService.GetId", `{"IdentityPoolId":"us-east-1:0f6e1c2a-5b7d-4e3f-9a8b-1c2d3e4f5a6b","Logins":{"k":"v"}}`)
	f.Add("AWSCognitoIdentityService.GetId", ``)
	f.Add("NoDot", `{}`)
	f.Add("A.B", `[1,2]`)
	f.Add("A.B", `{"ClientId":7}`)
	f.Add("A.B", `{"AuthFlow":`)
	f.Add("A.B", "{\"AuthFlow\":\"\xff\"}")
	f.Fuzz(func(t *testing.T, target, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		req, e := awsjson.ReadRequest(r, 4096)
		if e != nil {
			switch e.Type {
			case awsjson.TypeUnknownOperation, awsjson.TypeRequestTooLarge, awsjson.TypeSerialization:
			default:
				t.Fatalf("unexpected error type %q", e.Type)
			}
			if e.Type == awsjson.TypeRequestTooLarge && len(body) <= 4096 {
				t.Fatalf("a %d-byte body refused as too large", len(body))
			}
			checkDocument(t, e)
			return
		}
		if len(body) > 4096 {
			t.Fatalf("a %d-byte body accepted", len(body))
		}
		service, op, _ := strings.Cut(target, ".")
		if req.Service != service || req.Operation != op {
			t.Fatalf("target %q parsed as %q . %q", target, req.Service, req.Operation)
		}
		var in input
		if e := req.Decode(&in); e != nil {
			if e.Type != awsjson.TypeSerialization {
				t.Fatalf("decode error of type %q", e.Type)
			}
			checkDocument(t, e)
			return
		}
		if !json.Valid(req.Body) {
			t.Fatalf("decoded a body that is not JSON: %q", req.Body)
		}
	})
}

// checkDocument renders e and checks the document round-trips.
func checkDocument(t *testing.T, e *awsjson.Error) {
	t.Helper()
	w := httptest.NewRecorder()
	awsjson.WriteError(w, "rid", e)
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.Type != e.Type || doc.Message != e.Message {
		t.Fatalf("error document %q for %+v: %v", w.Body.String(), e, err)
	}
	if w.Code != e.Status || w.Header().Get("x-amzn-ErrorType") != e.Type || w.Header().Get("Content-Type") != awsjson.ContentType {
		t.Fatalf("response %d %v for %+v", w.Code, w.Header(), e)
	}
	if e.Status < http.StatusBadRequest {
		t.Fatalf("error with status %d", e.Status)
	}
}

// Only POST is the protocol.
func TestReadRequestMethod(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityService.GetId")
	if _, e := awsjson.ReadRequest(r, 0); e == nil || e.Type != awsjson.TypeSerialization || e.Status != 400 {
		t.Errorf("GET: %+v", e)
	}
}
