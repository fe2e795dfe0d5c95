package mapping

import (
	"errors"
	"sync"
	"testing"
)

func TestPathCache(t *testing.T) {
	c := NewPathCache(2)
	a1, err := c.Compile("$.a")
	if err != nil {
		t.Fatal(err)
	}
	if a2, _ := c.Compile("$.a"); a2 != a1 {
		t.Error("second Compile of $.a compiled again")
	}
	c.Compile("$.b")
	c1, _ := c.Compile("$.c") // over the bound: compiled, not kept
	if c2, _ := c.Compile("$.c"); c2 == c1 || c2.String() != "$.c" {
		t.Error("kept an expression past the bound")
	}
	if _, err := c.Compile("$[?("); err == nil {
		t.Error("bad path compiled")
	} else if pe := (*PathError)(nil); !errors.As(err, &pe) {
		t.Errorf("error %T, want *PathError", err)
	}
	// Inputs of different requests share it.
	for _, body := range []string{`{"a":1}`, `{"a":2}`} {
		in := NewInput(InputData{Body: []byte(body), Paths: c})
		got, err := in.JSON("$.a")
		if err != nil || got != body[5:6] {
			t.Errorf("$input.json('$.a') over %s = %q, %v", body, got, err)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if _, err := c.Compile("$.x.y"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
