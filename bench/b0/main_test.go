package main

import "testing"

func TestStripStage(t *testing.T) {
	for in, want := range map[string]string{
		"/prod/hello":        "/hello",
		"/prod/a/b/c":        "/a/b/c",
		"/prod":              "/",
		"/prod/":             "/",
		"/":                  "/",
		"/prod/hello/world/": "/hello/world/",
	} {
		if got := stripStage(in); got != want {
			t.Errorf("stripStage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBufferPool(t *testing.T) {
	p := newBufferPool()
	b := p.Get()
	if len(b) != 32<<10 {
		t.Fatalf("len = %d, want 32 KiB", len(b))
	}
	p.Put(b[:10])
	p.Put(make([]byte, 10)) // dropped
	if got := p.Get(); len(got) != 32<<10 {
		t.Errorf("len after Put = %d, want 32 KiB", len(got))
	}
}

func TestCheckLoopback(t *testing.T) {
	if err := checkLoopback("127.0.0.1:80"); err != nil {
		t.Error(err)
	}
	for _, a := range []string{"0.0.0.0:80", ":80", "localhost:80", "10.0.0.1:80"} {
		if checkLoopback(a) == nil {
			t.Errorf("checkLoopback(%q) accepted it", a)
		}
	}
}
