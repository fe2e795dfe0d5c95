package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// TestJSONLineHandler checks the access log handler writes what
// encoding/json reads back, for awkward strings too.
func TestJSONLineHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(newJSONLineHandler(&buf)).With("apiId", "a1")
	strs := []string{"plain", `quo"te`, `back\slash`, "new\nline", "ctl\x01", "ünïcødé", "bad\xffutf8", "</script>&"}
	for _, s := range strs {
		log.Info("access", "s", s, "n", int64(-3), "u", uint64(7), "f", 1.5, "b", true, "d", time.Second, "t", time.Unix(0, 0).UTC())
	}
	dec := json.NewDecoder(&buf)
	for _, want := range strs {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line for %q: %v", want, err)
		}
		if want == "bad\xffutf8" {
			want = "bad\ufffdutf8"
		}
		if m["s"] != want || m["msg"] != "access" || m["level"] != "INFO" || m["apiId"] != "a1" || m["n"] != -3.0 || m["u"] != 7.0 || m["b"] != true || m["d"] != 1e9 {
			t.Errorf("decoded %v, want s=%q", m, want)
		}
		if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
			t.Errorf("time: %v", err)
		}
	}
}

func BenchmarkAccessLogLine(b *testing.B) {
	for name, h := range map[string]slog.Handler{
		"handler=gatehouse": newJSONLineHandler(discard{}),
		"handler=slog":      slog.NewJSONHandler(discard{}, nil),
	} {
		b.Run(name, func(b *testing.B) {
			log := slog.New(h)
			b.ReportAllocs()
			for b.Loop() {
				log.LogAttrs(context.Background(), slog.LevelInfo, "access", slog.String("requestId", "e5a3277b-9f72-4f3c-86d5-fe4b8da2a0ed"),
					slog.String("ip", "127.0.0.1"), slog.Int("status", 200), slog.Int64("responseLength", 112),
					slog.String("path", "/prod/pets"), slog.String("apiId", "petstore01"))
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestAccessRecordMatchesSlog: the access log line appended directly is
// byte for byte what the slog JSON handler writes for the same values.
func TestAccessRecordMatchesSlog(t *testing.T) {
	for _, r := range []accessRecord{
		{requestID: "c0ffee-1", ip: "127.0.0.1", requestTime: "25/Nov/2026:03:40:00 +0000", httpMethod: "GET",
			routeKey: "-", resourcePath: "/{proxy+}", path: "/prod/hello", status: 200, protocol: "HTTP/1.1",
			responseLength: 78, integrationLatency: 1, responseLatency: 2, apiID: "abc123", stage: "prod"},
		{requestID: "x", path: "/a\"b\\c\n\x01é\xff", status: 502, errorMessage: "Internal server error \"quoted\"", responseLength: -1},
	} {
		var viaSlog bytes.Buffer
		now := time.Date(2026, 11, 25, 3, 40, 0, 123456789, time.UTC)
		rec := slog.NewRecord(now, slog.LevelInfo, "access", 0)
		rec.AddAttrs(r.attrs()...)
		if err := newJSONLineHandler(&viaSlog).Handle(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		if got := string(r.appendJSON(nil, now)); got != viaSlog.String() {
			t.Errorf("direct line\n%s\nslog line\n%s", got, viaSlog.String())
		}
	}
}
