package vtl

import (
	"errors"
	"strings"
	"testing"
)

type execCase struct {
	name string
	tmpl string
	want string
	err  string // substring of the error; empty means success
}

func runCases(t *testing.T, cases []execCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkRoundTrip(t, c.tmpl)
			tp, err := Parse(c.name, c.tmpl)
			if err == nil {
				var out string
				out, err = tp.Render(fakeVars(), Limits{})
				if err == nil {
					if c.err != "" {
						t.Fatalf("want error %q, got output %q", c.err, out)
					}
					if out != c.want {
						t.Fatalf("template %q\n got %q\nwant %q", c.tmpl, out, c.want)
					}
					return
				}
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is %T, not *Error", err, err)
			}
			if c.err == "" || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("template %q: unexpected error %v (want %q)", c.tmpl, err, c.err)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	runCases(t, []execCase{
		{"plain", "hello $name!", "hello bob!", ""},
		{"formal", "${name}s", "bobs", ""},
		{"quiet", "[$!name][$!nothing]", "[bob][]", ""},
		{"quiet formal", "[$!{name}][$!{nothing}]", "[bob][]", ""},
		{"unresolved printed literally", "$nothing ${nothing} $nothing.foo($name, 1)", "$nothing ${nothing} $nothing.foo($name, 1)", ""},
		{"unresolved property", "$m.nope and $name.nope", "$m.nope and $name.nope", ""},
		{"nil variable", "$nil", "$nil", ""},
		{"dollar alone", "$ 5 $5 $. $[ $!", "$ 5 $5 $. $[ $!", ""},
		{"double dollar", "$$name", "$bob", ""},
		{"hyphen in identifier", "$name-x", "$name-x", ""},
		{"dot then non-letter", "$name.", "bob.", ""},
		{"dot underscore", "$name._x", "bob._x", ""},
		{"property on map", "$m.k $m.x", "v 1", ""},
		{"get on map", "$m.get('k') $m.get(\"x\")", "v 1", ""},
		{"index list", "$list[0]$list[2] $list[-1]", "ac c", ""},
		{"index map", "$m['k'] $m[\"x\"]", "v 1", ""},
		{"index out of range", "$list[5]", "", "IndexOutOfBoundsException"},
		{"index variable", "#set($i = 1)$list[$i]", "b", ""},
		{"chained", "$context.identity.accountId", "123456789012", ""},
		{"method chain", "$name.toUpperCase().substring(1).length()", "2", ""},
		{"method then index", "$m.keySet()[0]", "k", ""},
		{"go map sorted", "$gomap $gomap.keySet()", "{a=1, b=2} [a, b]", ""},
		{"list print", "$list $nums", "[a, b, c] [3, 1, 2]", ""},
		{"numbers", "$n $f", "5 2.5", ""},
		{"bool", "$t", "true", ""},
		{"host method", "$input.params().path.id", "42", ""},
		{"host no method", "$input.nope()", "$input.nope()", ""},
		{"host error", "$input.fail()", "", "boom"},
		{"method arg spaces kept literally", "$nothing.x( 1 ,2 )", "$nothing.x( 1 ,2 )", ""},
		{"unterminated formal", "${name", "", "expected }"},
		{"bad index", "$list[x]", "", "unexpected"},
		{"bad method args", "$name.concat(1 + 2)", "", "expected , or )"},
		{"size property does not resolve", "$list.size $list.empty", "$list.size false", ""},
		{"empty property", "$empty.empty", "true", ""},
	})
}

func TestEscapes(t *testing.T) {
	runCases(t, []execCase{
		{"escaped defined", `\$name`, `$name`, ""},
		{"escaped undefined", `\$nothing`, `\$nothing`, ""},
		{"double backslash defined", `\\$name`, `\bob`, ""},
		{"double backslash undefined", `\\$nothing`, `\\$nothing`, ""},
		{"triple backslash", `\\\$name`, `\$name`, ""},
		{"escaped quiet", `\$!name \$!nothing`, `$!name \$!nothing`, ""},
		{"escaped formal", `\${name}`, `${name}`, ""},
		{"escaped if", `\#if($t)x\#end`, `#if(true)x#end`, ""},
		{"escaped set", `\#set($a = 1)`, `#set($a = 1)`, ""},
		{"escaped unknown directive", `\#foo`, `\#foo`, ""},
		{"escaped foreach", `\#foreach`, `#foreach`, ""},
		{"escaped braced", `\#{end}`, `#{end}`, ""},
		{"triple escaped if", `\\\#if`, `\#if`, ""},
		{"double backslash before if", `\\#if($t)x#end`, `\x`, ""},
		{"double backslash before text", `\\n \n \`, `\\n \n \`, ""},
		{"escaped macro known", "#macro(m)M#end\\#m()", "#m()", ""},
		{"escaped macro before definition", "\\#m()#macro(m)M#end", "\\#m()", ""},
		{"backslash dollar nonref", `\$5`, `\$5`, ""},
	})
}

func TestSet(t *testing.T) {
	runCases(t, []execCase{
		{"simple", "#set($a = 'x')$a", "x", ""},
		{"braced", "#{set}($a = 1)$a", "1", ""},
		{"expression", "#set($a = $n * 2 + 1)$a", "11", ""},
		{"null keeps old value", "#set($a = 1)#set($a = $nothing)$a", "1", ""},
		{"null on fresh var", "#set($a = $nothing)$a", "$a", ""},
		{"map property", "#set($mm = {})#set($mm.k = 'v')$mm", "{k=v}", ""},
		{"map index", "#set($mm = {})#set($mm['k'] = 2)$mm.k", "2", ""},
		{"list index", "#set($l = [1, 2])#set($l[0] = 9)$l", "[9, 2]", ""},
		{"list negative index", "#set($l = [1, 2])#set($l[-1] = 9)$l", "[1, 9]", ""},
		{"shadows caller var", "#set($name = 'ann')$name", "ann", ""},
		{"interpolated", "#set($a = \"hi $name\")$a", "hi bob", ""},
		{"single quotes literal", "#set($a = 'hi $name')$a", "hi $name", ""},
		{"doubled quotes", `#set($a = "say ""x""")$a|#set($b = 'it''s')$b`, `say "x"|it's`, ""},
		{"unicode escape", `#set($a = "\u0041\u00e9")$a|#set($b = '\u0041')$b`, `Aé|\u0041`, ""},
		{"other escapes kept", `#set($a = "a\nb")$a`, `a\nb`, ""},
		{"no assign", "#set($a)", "", "expected ="},
		{"not a ref", "#set(a = 1)", "", "expected a reference"},
		{"void result", "#set($l = [])#set($r = $l.add(0, 'x'))[$r]$l", "[][x]", ""},
		{"add returns true", "#set($l = [])$l.add('x') $l", "true [x]", ""},
		{"string interpolation with directive", `#set($a = "#if($t)yes#{else}no#end")$a`, "yes", ""},
		{"string interpolation comment", `#set($a = "x ## y")[$a]`, "[x ]", ""},
		{"set tab before paren is not set", "#set\t($a = 1)", "", "unexpected"},
	})
}

func TestIf(t *testing.T) {
	runCases(t, []execCase{
		{"true", "#if($t)y#end", "y", ""},
		{"else", "#if(!$t)y#{else}n#end", "n", ""},
		{"elseif", "#if($n == 1)a#elseif($n == 5)b#else c#end", "b", ""},
		{"elseif braced", "#if(false)a#{elseif}(true)b#end", "b", ""},
		{"null is false", "#if($nothing)y#{else}n#end", "n", ""},
		{"empty string is true", "#if($empty)y#{else}n#end", "y", ""},
		{"empty list is true", "#if([])y#{else}n#end", "n", ""},
		{"string literal is false", "#if('x')y#{else}n#end", "n", ""},
		{"number literal is false", "#if(1)y#{else}n#end", "n", ""},
		{"arithmetic is false", "#if($n + 1)y#{else}n#end", "n", ""},
		{"parens", "#if(($t))y#end", "y", ""},
		{"zero is true", "#set($z = 0)#if($z)y#end", "y", ""},
		{"false variable", "#set($b = false)#if($b)y#{else}n#end", "n", ""},
		{"and or not", "#if($t && !false || $nothing)y#end", "y", ""},
		{"word operators", "#if($n gt 1 and not ($n eq 4) or false)y#end", "y", ""},
		{"comparisons", "#if(1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2)y#end", "y", ""},
		{"compare non numbers is false", "#if('a' < 'b')y#{else}n#end", "n", ""},
		{"eq different types by string", "#if($n == '5')y#end #if($t == 'true')z#end", "y z", ""},
		{"eq int float", "#if(1 == 1.0)y#end", "y", ""},
		{"eq nulls", "#if($a == $b)y#end#if($a != $b)n#end", "y", ""},
		{"eq null and value", "#if($a == 1)y#{else}n#end#if($a != 1)Y#end", "nY", ""},
		{"list equality", "#if([1, 2] == [1, 2])y#end", "y", ""},
		{"short circuit", "#if(false && $input.fail())y#{else}n#end", "n", ""},
		{"missing end", "#if($t)y", "", "#if without #end"},
		{"else after else", "#if($t)a#else b#else c#end", "", "#else after #else"},
		{"no paren", "#if $t #end", "", "expected ("},
		{"stray end", "a#end", "", "unexpected #end"},
		{"stray else", "a#else", "", "unexpected #else"},
		{"whitespace before paren", "#if ($t)y#end", "y", ""},
	})
}

func TestForeach(t *testing.T) {
	runCases(t, []execCase{
		{"list", "#foreach($x in $list)$x#end", "abc", ""},
		{"hasNext", "#foreach($x in $list)$x#if($foreach.hasNext),#end#end", "a,b,c", ""},
		{"index count", "#foreach($x in $list)$foreach.index$foreach.count #end", "01 12 23 ", ""},
		{"first last", "#foreach($x in $list)#if($foreach.first)[#end$x#if($foreach.last)]#end#end", "[abc]", ""},
		{"velocityCount", "#foreach($x in $list)$velocityCount#end", "123", ""},
		{"velocityHasNext", "#foreach($x in $list)$velocityHasNext #end", "true true false ", ""},
		{"range", "#foreach($i in [1..3])$i#end", "123", ""},
		{"range descending", "#foreach($i in [3..1])$i#end", "321", ""},
		{"range refs", "#set($a = 2)#foreach($i in [$a..$n])$i#end", "2345", ""},
		{"range literal print", "#set($r = [-1..1])$r", "[-1, 0, 1]", ""},
		{"map iterates values", "#foreach($v in $m)$v#end", "v1", ""},
		{"keySet", "#foreach($k in $m.keySet())$k=$m.get($k);#end", "k=v;x=1;", ""},
		{"entrySet", "#foreach($e in $m.entrySet())$e.key:$e.value $e #end", "k:v k=v x:1 x=1 ", ""},
		{"nested parent", "#foreach($a in [1..2])#foreach($b in [1..2])$foreach.parent.count$foreach.count #end#end", "11 12 21 22 ", ""},
		{"break", "#foreach($x in $list)$x#if($x == 'b')#break#end#end.", "ab.", ""},
		{"break parent", "#foreach($a in [1..3])#foreach($b in [1..3])$a$b #if($b == 2)#break($foreach.parent)#end#end#end.", "11 12 .", ""},
		{"stop method", "#foreach($x in $list)$x$foreach.stop()#end.", "a.", ""},
		{"var restored", "#set($x = 'old')#foreach($x in $list)#end$x", "old", ""},
		{"var removed", "#foreach($y in $list)#end$y", "$y", ""},
		{"null elements", "#set($x = 'outer')#foreach($x in [1, $nothing, 3])[$x]#end", "[1][$x][3]", ""},
		{"not iterable skipped", "#foreach($x in $name)$x#end.", ".", ""},
		{"null skipped", "#foreach($x in $nothing)$x#end.", ".", ""},
		{"set inside visible after", "#foreach($x in $list)#set($last = $x)#end$last", "c", ""},
		{"modify while iterating", "#set($l = [1])#foreach($x in $l)#set($d = $l.add(2))#end", "", "ConcurrentModificationException"},
		{"bad in", "#foreach($x on $list)#end", "", "expected 'in'"},
		{"missing end", "#foreach($x in $list)", "", "without #end"},
		{"no args", "#foreach", "", "needs arguments"},
		{"host list", "#foreach($t in $input.path('$').tags)$t#end", "ab", ""},
	})
}

func TestMacroDefine(t *testing.T) {
	runCases(t, []execCase{
		{"macro", "#macro(greet $who)Hello $who!#end#greet('bob')", "Hello bob!", ""},
		{"commas", "#macro(add $a, $b)$a+$b#end#add(1, 2) #add(1 2)", "1+2 1+2", ""},
		{"forward reference", "#m('x')#macro(m $a)[$a]#end", "[x]", ""},
		{"unknown macro is text", "#nomacro('x') #nomacro #fff;", "#nomacro('x') #nomacro #fff;", ""},
		{"no parens call", "#macro(hr)--#end#hr", "--", ""},
		{"call by name", "#macro(twice $x)$x$x#end#set($i = 0)#twice($counter)", "$counter$counter", ""},
		{"unresolved arg prints caller literal", "#macro(show $x)[$x]#end#show($missing.thing)", "[$missing.thing]", ""},
		{"set inside macro is global", "#macro(setit)#set($g = 'G')#end#setit()$g", "G", ""},
		{"param shadows global", "#set($x = 'global')#macro(m $x)$x#end#m('arg')$x", "argglobal", ""},
		{"missing arg falls through", "#set($b = 'outer')#macro(m $a $b)$a$b#end#m('A')", "Aouter", ""},
		{"recursion", "#macro(down $n)$n#if($n > 0)#set($m1 = $n - 1)#down($m1)#end#end#down(3)", "3210", ""},
		{"deep recursion", "#macro(r)#r()#end#r()", "", "max calling depth"},
		{"last definition wins", "#macro(m)1#end#macro(m)2#end#m()", "2", ""},
		{"macro needs name", "#macro()#end", "", "requires at least a name"},
		{"macro name quoted", "#macro('m')#end", "", "must be a word"},
		{"macro without parens", "#macro", "", "requires at least a name"},
		{"block macro", "#macro(wrap)<$bodyContent>#end#@wrap()inner $name#end", "<inner bob>", ""},
		{"define", "#define($d)Hi $name#end$d $d", "Hi bob Hi bob", ""},
		{"define is lazy", "#define($d)[$v]#end#set($v = 1)$d#set($v = 2)$d", "[1][2]", ""},
		{"define in expression", "#define($d)abc#end#if($d == 'abc')y#end $d.toString().length()", "y 3", ""},
		{"define concat", "#define($d)abc#end#set($s = $d + '!')$s", "abc!", ""},
		{"recursive define stops", "#define($d)x$d#end$d", "xx$d", ""},
		{"word arg to known macro", "#macro(m $a)#end#m(word)", "", "invalid arg"},
	})
}

func TestOperators(t *testing.T) {
	runCases(t, []execCase{
		{"int arithmetic", "#set($a = 7 + 3 * 2 - 1)$a", "12", ""},
		{"integer division", "#set($a = 7 / 2)$a|#set($b = -7 / 2)$b", "3|-3", ""},
		{"modulo", "#set($a = 7 % 3)$a|#set($b = -7 % 3)$b", "1|-1", ""},
		{"double", "#set($a = 7.0 / 2)$a|#set($b = 1.5 * 2)$b|#set($c = 0.1 + 0.2)$c", "3.5|3.0|0.30000000000000004", ""},
		{"double formatting", "#set($a = 1e7)$a|#set($b = 0.001)$b|#set($c = 0.0001)$c|#set($d = 123456.789)$d|#set($e = -2.5E-10)$e", "1.0E7|0.001|1.0E-4|123456.789|-2.5E-10", ""},
		{"divide by zero is null", "#set($a = 'keep')#set($a = 1 / 0)$a|#set($b = 1 % 0)$b", "keep|$b", ""},
		{"double divide by zero is null", "#set($a = 1.0 / 0)$a", "$a", ""},
		{"overflow promotes", "#set($a = 9223372036854775807 + 1)$a|#set($b = 2147483647 + 1)$b", "9223372036854775808|2147483648", ""},
		{"multiply overflow", "#set($a = 9223372036854775807 * 2)$a", "18446744073709551614", ""},
		{"big literal", "#set($a = 99999999999999999999)$a|#set($b = $a - 99999999999999999998)$b", "99999999999999999999|1", ""},
		{"concat", "#set($a = 'a' + 1 + 2)$a|#set($b = 1 + 2 + 'a')$b", "a12|3a", ""},
		{"concat null uses literal", "#set($a = 'x' + $nothing)$a", "x$nothing", ""},
		{"math with non number is null", "#set($a = 'keep')#set($a = $t + 1)$a", "keep", ""},
		{"math with null is null", "#set($a = 'keep')#set($a = $nothing * 2)$a", "keep", ""},
		{"precedence", "#set($a = 2 + 3 * 4 == 14 && !false)$a", "true", ""},
		{"parens", "#set($a = (2 + 3) * 4)$a", "20", ""},
		{"unary not value", "#set($a = !$t)$a|#set($b = !$nothing)$b", "false|true", ""},
		{"negative literal", "#set($a = -5)$a|#set($b = 3 - -5)$b", "-5|8", ""},
		{"minus without space is a literal", "#set($a = 5 -1)", "", "found \"-1\""},
		{"comparison value", "#set($a = 3 > 2)$a", "true", ""},
		{"float literal forms", "#set($a = .5)$a|#set($b = 2.)$b|#set($c = 1E3)$c", "0.5|2.0|1000.0", ""},
		{"int and long compare", "#if(2147483648 > 1)y#end", "y", ""},
	})
}

func TestStringMethods(t *testing.T) {
	runCases(t, []execCase{
		{"length", "$name.length()|#set($s = 'héllo')$s.length()|#set($e = '😀')$e.length()", "3|5|2", ""},
		{"substring", "$name.substring(1) $name.substring(0, 2) $name.substring(3)", "ob bo ", ""},
		{"substring utf16", "#set($s = 'a😀b')$s.substring(1, 3) $s.substring(3)", "😀 b", ""},
		{"substring out of range", "$name.substring(5)", "", "StringIndexOutOfBoundsException"},
		{"substring wrong type", "$name.substring('1')", "$name.substring('1')", ""},
		{"replace", "#set($s = 'a.b.c')$s.replace('.', '-')", "a-b-c", ""},
		{"replaceAll", "#set($s = 'a1b22c')$s.replaceAll('[0-9]+', '#') $s.replaceAll('([a-z])', '<$1>') $s.replaceFirst('\\d', 'X')", "a#b#c <a>1<b>22<c> aXb22c", ""},
		{"replaceAll escaped dollar", "#set($s = 'ab')$s.replaceAll('a', '\\$') $s.replaceAll('(?<x>a)', '${x}${x}')", "$b aab", ""},
		{"replaceAll bad group", "$name.replaceAll('b', '$2')", "", "No group 2"},
		{"replaceAll no match no error", "$name.replaceAll('z', '$2')", "bob", ""},
		{"replaceAll lookahead unsupported", "$name.replaceAll('b(?=o)', 'x')", "", "look-ahead"},
		{"replaceAll posix class", "#set($s = 'a1 B2')$s.replaceAll('\\p{Alpha}', '_')", "_1 _2", ""},
		{"split", "#set($s = 'a,b,,c,,')$s.split(',') $s.split(',').size() $s.split(',', -1).size() $s.split(',', 2)", "[a, b, , c] 4 6 [a, b,,c,,]", ""},
		{"split regex", "#set($s = 'a1b22c')$s.split('\\d+')", "[a, b, c]", ""},
		{"split empty", "#set($s = 'abc')$s.split('')", "[a, b, c]", ""},
		{"method on literal is an error", "#foreach($p in 'x y'.split(' '))[$p]#end", "", "unexpected \".\""},
		{"case", "$name.toUpperCase()|#set($s = 'MiXeD')$s.toLowerCase()", "BOB|mixed", ""},
		{"contains", "$name.contains('o') $name.contains('z')", "true false", ""},
		{"contains null", "$name.contains($nothing)", "", "NullPointerException"},
		{"starts ends", "$name.startsWith('b') $name.startsWith('o', 1) $name.endsWith('ob')", "true true true", ""},
		{"trim", "#set($s = \"  x \t\")[$s.trim()]", "[x]", ""},
		{"matches", "$name.matches('b.b') $name.matches('b')", "true false", ""},
		{"indexOf", "$name.indexOf('b') $name.lastIndexOf('b') $name.indexOf('b', 1) $name.indexOf('z') $name.lastIndexOf('b', 1)", "0 2 2 -1 0", ""},
		{"indexOf utf16", "#set($s = '😀x')$s.indexOf('x')", "2", ""},
		{"isEmpty", "$name.isEmpty() $empty.isEmpty()", "false true", ""},
		{"equals", "$name.equals('bob') $name.equalsIgnoreCase('BOB') $name.equals(1)", "true true false", ""},
		{"charAt", "$name.charAt(1)", "o", ""},
		{"charAt out of range", "$name.charAt(9)", "", "String index out of range: 9"},
		{"concat", "$name.concat('!')", "bob!", ""},
		{"compareTo", "$name.compareTo('bob') $name.compareTo('boa')", "0 1", ""},
		{"hashCode", "$name.hashCode()", "97717", ""},
		{"unknown method", "$name.frobnicate()", "$name.frobnicate()", ""},
		{"toString", "$n.toString() $list.toString() $t.toString()", "5 [a, b, c] true", ""},
		{"number methods", "$f.intValue() $n.doubleValue()", "2 5.0", ""},
	})
}

func TestCollectionMethods(t *testing.T) {
	runCases(t, []execCase{
		{"list size get", "$list.size() $list.get(1) $list.isEmpty()", "3 b false", ""},
		{"list get out of range", "$list.get(3)", "", "IndexOutOfBoundsException"},
		{"list add contains remove", "#set($l = [])#set($d = $l.add('a'))#set($d = $l.add('b'))$l.contains('a') $l.remove('a') $l $l.remove(0) $l", "true true [b] b []", ""},
		{"list set indexOf", "#set($l = ['a', 'b'])$l.set(0, 'z') $l $l.indexOf('b')", "a [z, b] 1", ""},
		{"list addAll clear", "#set($l = [1])#set($d = $l.addAll([2, 3]))$l#set($d = $l.clear())$l", "[1, 2, 3][]", ""},
		{"list literal mixed", "#set($l = [1, 'two', 3.0, true, $name, [4], {'k': 5}])$l", "[1, two, 3.0, true, bob, [4], {k=5}]", ""},
		{"caller list mutable copy", "#set($d = $list.add('d'))$list", "[a, b, c, d]", ""},
		{"map methods", "#set($mm = {'a': 1})$mm.put('b', 2) $mm.put('a', 3) $mm $mm.containsKey('b') $mm.size() $mm.remove('a') $mm $mm.isEmpty()", "$mm.put('b', 2) 1 {a=3, b=2} true 2 3 {b=2} false", ""},
		{"map order is insertion", "#set($mm = {'z': 1, 'a': 2, 'm': 3})#foreach($k in $mm.keySet())$k#end $mm.values()", "zam [1, 2, 3]", ""},
		{"map int keys", "#set($mm = {1: 'one'})$mm.get(1) [$!mm.get('1')]", "one []", ""},
		{"map putAll", "#set($mm = {})#set($d = $mm.putAll($m))$mm", "{k=v, x=1}", ""},
		{"entry setValue", "#set($mm = {'a': 1})#foreach($e in $mm.entrySet())#set($d = $e.setValue(2))#end$mm", "{a=2}", ""},
		{"empty map literal", "#set($mm = { })$mm $mm.isEmpty()", "{} true", ""},
		{"nested literal", "#set($mm = {'l': [1, {'x': 'y'}]})$mm.l[1].x", "y", ""},
		{"map in method arg", "#set($d = $m.putAll({'n': 1}))$m.n", "1", ""},
	})
}

func TestDirectivesMisc(t *testing.T) {
	runCases(t, []execCase{
		{"line comment", "a ## comment\nb", "a b", ""},
		{"line comment at eof", "a ## comment", "a ", ""},
		{"block comment", "a #* x\ny *# b", "a  b", ""},
		{"formal comment", "a#** doc *#b", "ab", ""},
		{"unterminated comment", "a #* x", "", "unterminated #* comment"},
		{"text block", "#[[ $name #if ]]#", " $name #if ", ""},
		{"unterminated text block", "#[[ x", "", "unterminated #[["},
		{"literal directive", "#literal()$name #if(true)x#end#end", "$name #if(true)x#end", ""},
		{"stop", "a#stop b", "a", ""},
		{"stop in macro", "#macro(m)x#stop y#end#m()z", "x", ""},
		{"break outside loop stops template", "a#break b", "a", ""},
		{"evaluate", "#set($src = 'Hi $name')#evaluate($src)", "Hi bob", ""},
		{"evaluate macro", "#evaluate('#macro(e)E#end#e()')", "E", ""},
		{"evaluate parse error", "#evaluate('#if(')", "", "#evaluate:1:5: unexpected end of input"},
		{"include unsupported", "#include('x')", "", "not supported"},
		{"hash alone", "# #1 #( #{ a#", "# #1 #( #{ a#", ""},
		{"css color", "color: #fff;", "color: #fff;", ""},
		{"word then parens on next line", "#fff\n(x)", "#fff\n(x)", ""},
		{"unknown directive args kept", "#fff($name)\nnext", "#fff($name)\nnext", ""},
		{"escaped backslash pairs", `a\\b`, `a\\b`, ""},
		{"braced end glued", "#if(true)a#{end}b", "ab", ""},
		{"end word glued", "#if(true)a#endb", "", "#if without #end"},
		{"elsewhere is not else", "#if(true)a#elsewhere#end", "a#elsewhere", ""},
	})
}

func TestWhitespace(t *testing.T) {
	runCases(t, []execCase{
		{"if eats newline after paren", "#if(true)\nyes\n#end\n", "yes\n", ""},
		{"indented directives keep indentation", "  #if(true)\n  yes\n  #end\nz", "    yes\n  z", ""},
		{"trailing blanks eaten", "#if(true) \t\nx#end", "x", ""},
		{"end eats blanks and newline", "#if(true)x#end   \ny", "xy", ""},
		{"end without newline", "a#if(true)b#end c", "ab c", ""},
		{"else eats newline", "#if(false)\na\n#else\nb\n#end\n", "b\n", ""},
		{"crlf", "#if(true)\r\nx\r\n#end\r\ny", "x\r\ny", ""},
		{"set after text keeps indentation", "a\n  #set($x = 1)\nb", "a\n  b", ""},
		{"set after directive eats indentation", "#set($x = 1)\n  #set($y = 2)\nb$x$y", "b12", ""},
		{"set after reference eats blanks", "$name  #set($x = 1)!", "bob!", ""},
		{"set midline after text", "a  #set($x = 1) b", "a   b", ""},
		{"foreach lines", "#foreach($i in [1..2])\n  $i\n#end\n", "  1\n  2\n", ""},
		{"foreach indented", "<\n  #foreach($i in [1..2])\n    <$i>\n  #end\n>", "<\n      <1>\n      <2>\n  >", ""},
		{"comment line", "a\n## c\nb", "a\nb", ""},
		{"indented comment line", "a\n  ## c\nb", "a\n  b", ""},
		{"macro definition line", "#macro(m)\nX\n#end\n#m()\n", "X\n", ""},
		{"macro call eats newline", "#macro(m)X#end\n#m()\nY", "XY", ""},
		{"block comment keeps newline", "a#* c *#\nb", "a\nb", ""},
		{"newline in parens", "#if(\n  true\n)\nx#end", "x", ""},
		{"set newline before", "\n#set($a = 1)\n$a", "\n1", ""},
		{"json object", "{\n  #set($a = 1)\n  \"a\": $a\n}", "{\n    \"a\": 1\n}", ""},
	})
}
