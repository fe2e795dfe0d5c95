package vtl

import (
	"reflect"
	"testing"
)

// equalTrees compares two syntax trees, ignoring positions.
func equalTrees(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return equalTrees(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() != b.Type() {
			return false
		}
		for i := range a.NumField() {
			if a.Type().Field(i).Type == reflect.TypeFor[Pos]() {
				continue
			}
			if !equalTrees(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalTrees(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		return true // not part of the tree
	case reflect.Int:
		return a.Int() == b.Int()
	}
	if a.CanInterface() {
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return true
}

// checkRoundTrip parses src, prints it and parses the print: both trees
// must be equal, and printing again must give the same text.
func checkRoundTrip(t *testing.T, src string) {
	t.Helper()
	t1, err := Parse("rt", src)
	if err != nil {
		return
	}
	s1 := t1.String()
	t2, err := Parse("rt", s1)
	if err != nil {
		t.Fatalf("printed template does not parse: %v\nsource: %q\nprinted: %q", err, src, s1)
	}
	if s2 := t2.String(); s2 != s1 {
		t.Fatalf("print is not stable:\n%q\n%q", s1, s2)
	}
	if !equalTrees(reflect.ValueOf(t1.root), reflect.ValueOf(t2.root)) {
		t.Fatalf("trees differ after round trip\nsource: %q\nprinted: %q", src, s1)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, src := range []string{
		"#if( $a  ==  1 )\n x #elseif ($b) y #{else}\n z #{end}\n",
		"#set( $a = [1 , 2,3] )#set($m = { 'a' : 1 ,\"b\":[1..3]})",
		"#foreach( $x in [ $a .. 3 ] ) $x #end",
		"#macro( m $a, $b )$a#end #m( 1, 'x' )\n#m\n",
		"#define( $d )D#end#@m(1)body#end",
		"#break #stop #break($foreach) #evaluate( 'x' )",
		"#literal() $x #end",
		"$a.b( 1, \"x$y\" )[0].c ${a} $!{a.b} \\$a \\\\#if(true)#end",
		"#if(!$a && ($b || not $c) and $d eq 1 ne 2 lt 3 gt 4 le 5 ge 6)#end",
		"#set($a = 1 + 2 * 3 - 4 / 5 % 6)",
		"## c\n#* b *##[[ t ]]#",
		"  #set($a = 1)\n",
	} {
		checkRoundTrip(t, src)
	}
}
