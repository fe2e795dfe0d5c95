package vtl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// appHost is a host object with an Appender: property "name" and
// "empty", method echo(s) and fail(), and a count of the values it
// printed itself.
type appHost struct {
	appended int
}

func (h *appHost) Property(name string) (any, bool) {
	switch name {
	case "name":
		return "bob", true
	case "empty":
		return "", true
	case "self":
		return h, true
	}
	return nil, false
}

func (h *appHost) Call(method string, args []any) (any, error) {
	switch method {
	case "echo":
		if len(args) == 1 {
			if s, ok := args[0].(string); ok {
				return s, nil
			}
			return nil, nil
		}
	case "fail":
		return nil, errors.New("boom")
	case "big":
		return strings.Repeat("x", 64), nil
	}
	return nil, fmt.Errorf("host.%s: %w", method, ErrNoMethod)
}

func (h *appHost) AppendProperty(dst []byte, name string) ([]byte, bool) {
	switch name {
	case "name", "empty":
		v, _ := h.Property(name)
		h.appended++
		return append(dst, v.(string)...), true
	}
	return dst, false
}

func (h *appHost) AppendCall(dst []byte, method string, args []any) ([]byte, bool) {
	switch method {
	case "echo":
		if len(args) == 1 {
			if s, ok := args[0].(string); ok {
				h.appended++
				return append(dst, s...), true
			}
		}
	case "big":
		h.appended++
		return append(dst, strings.Repeat("x", 64)...), true
	case "fail":
		// Declines, so that Call reports the error; writes first to
		// check that the engine ignores what it wrote.
		return append(dst, "garbage"...), false
	}
	return dst, false
}

// plainHost hides appHost's Appender: the engine takes the generic path.
type plainHost struct{ h *appHost }

func (p plainHost) Property(name string) (any, bool) {
	v, ok := p.h.Property(name)
	if v == p.h {
		return p, ok
	}
	return v, ok
}

func (p plainHost) Call(method string, args []any) (any, error) { return p.h.Call(method, args) }

// TestAppenderSameOutput renders templates with a host that prints
// through Appender and the same host without it: outputs and errors must
// be the same, and the fast path must have been taken where it applies.
func TestAppenderSameOutput(t *testing.T) {
	tests := []struct {
		name, tmpl string
		limits     Limits
		appends    bool // the Appender printed something
	}{
		{"property", "[$h.name]", Limits{}, true},
		{"empty property", "[$h.empty]", Limits{}, true},
		{"nested", "[$h.self.name|$h.self.self.echo('x')]", Limits{}, true},
		{"unknown property", "[$h.nothing|$!h.nothing]", Limits{}, false},
		{"method", "[$h.echo('a')|$h.echo($h.name)]", Limits{}, true},
		{"method null result", "[$h.echo(1)|$!h.echo(1)]", Limits{}, false},
		{"method null argument", "[$h.echo($nothing)]", Limits{}, false},
		{"unknown method", "[$h.nope()]", Limits{}, false},
		{"formal and quiet", "[${h.name}|$!{h.echo('q')}]", Limits{}, true},
		{"escaped", `[\$h.name|\\$h.name|\\\$h.echo('e')]`, Limits{}, false}, // not taken with backslashes
		{"in a string", `#set($s = "<$h.name $h.echo('i')>")$s`, Limits{}, true},
		{"in an expression", "#set($v = $h.echo('x'))#if($h.name == 'bob')$v$h.name.length()#end", Limits{}, false},
		{"index after", "[$h.echo('abc').substring(1)]", Limits{}, false},
		{"error", "[$h.name$h.fail()]", Limits{}, true},
		{"output limit", "$h.big()", Limits{MaxOutput: 10}, true},
		{"step limit", "$h.echo('a')$h.echo('b')$h.echo('c')", Limits{MaxSteps: 3}, true},
		{"foreach", "#foreach($i in [1, 2])$h.echo(\"$i\")#end", Limits{}, true},
		{"macro", "#macro(m $x)$x.name$h.echo('m')#end#m($h)", Limits{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := Parse(tt.name, tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			h := &appHost{}
			fast, ferr := tp.Render(map[string]any{"h": h}, tt.limits)
			slow, serr := tp.Render(map[string]any{"h": plainHost{&appHost{}}}, tt.limits)
			if fast != slow || fmt.Sprint(ferr) != fmt.Sprint(serr) {
				t.Errorf("with Appender %q, %v; without %q, %v", fast, ferr, slow, serr)
			}
			if got := h.appended > 0; got != tt.appends {
				t.Errorf("Appender printed %d values; want some: %v", h.appended, tt.appends)
			}
		})
	}
}

// TestTemplateReferences checks what a template reports it may read.
func TestTemplateReferences(t *testing.T) {
	tests := []struct {
		tmpl string
		name string
		want bool
	}{
		{"$a.b", "a", true},
		{"$a.b", "b", false},
		{"#set($x = 1)$x", "x", true},
		{`"$s"`, "s", true},
		{`#set($t = "$s")`, "s", true},
		{"#macro(m)$inside#end", "inside", true},
		{"#foreach($i in $list)#end", "list", true},
		{"text only", "stageVariables", false},
		{"#evaluate('$x')", "stageVariables", true},
		{`#set($t = "#evaluate('')")`, "anything", true},
	}
	for _, tt := range tests {
		tp, err := Parse("t", tt.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if got := tp.References(tt.name); got != tt.want {
			t.Errorf("Parse(%q).References(%q) = %v, want %v", tt.tmpl, tt.name, got, tt.want)
		}
	}
}
