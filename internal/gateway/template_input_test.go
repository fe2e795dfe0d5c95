package gateway

import (
	"fmt"
	"testing"
)

func TestOrderedQuery(t *testing.T) {
	for raw, want := range map[string]string{
		"":                     "[]",
		"q=cats&page=2&q=dogs": "[{q cats} {page 2} {q dogs}]",
		"a+b=c%20d&e":          "[{a b c d} {e }]",
		"&&x=1&":               "[{x 1}]",
		"bad=%zz&ok=%C3%A9":    "[{ok é}]",
		"k=v=w":                "[{k v=w}]",
	} {
		if got := fmt.Sprint(orderedQuery(raw)); got != want {
			t.Errorf("orderedQuery(%q) = %s, want %s", raw, got, want)
		}
	}
}
