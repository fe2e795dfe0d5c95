package vtl

import (
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends v as json-smart's JSONArray.toString() writes it:
// JSONValue.toJSONString with the default style, JSONStyle.NO_COMPRESS —
// no whitespace, every key and string value quoted, strings escaped by
// JStylerObj.ESCAPE4Web (which, unlike $input.json's LT_COMPRESS, also
// writes / as \/). Inside, every list is a JSON array and every map a JSON
// object, whatever its own printed form; numbers are Java's toString().
func appendJSON(b []byte, v any, depth, max int) []byte {
	if len(b) > max {
		return b
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case *big.Int:
		return x.Append(b, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(b, "null"...) // as internal/mapping's $input.json
		}
		return appendJavaDouble(b, x)
	case *List:
		if depth > maxPrintDepth {
			return append(b, "[...]"...)
		}
		b = append(b, '[')
		for i, e := range x.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, depth+1, max)
			if len(b) > max {
				return b
			}
		}
		return append(b, ']')
	case *Map:
		if depth > maxPrintDepth {
			return append(b, "{...}"...)
		}
		b = append(b, '{')
		for i := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, toString(x.keys[i]))
			b = append(b, ':')
			b = appendJSON(b, x.vals[i], depth+1, max)
			if len(b) > max {
				return b
			}
		}
		return append(b, '}')
	}
	// Entries, $foreach and host values: their toString() as a JSON string
	// (json-smart would write a bean; templates do not put these in JSON
	// arrays in practice).
	return appendJSONString(b, string(appendValue(nil, v, depth+1, max)))
}

// appendJSONString appends s quoted and escaped as json-smart's
// JStylerObj.ESCAPE4Web does: \" \\ \b \f \n \r \t \/, and \uXXXX
// (upper-case hex) for U+0000–001F, U+007F–009F and
// U+2000–20FF; everything else as is (invalid UTF-8 as U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"', '\\', '/':
			b = append(b, '\\', byte(r))
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if r <= 0x1F || (r >= 0x7F && r <= 0x9F) || (r >= 0x2000 && r <= 0x20FF) {
				b = append(b, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"')
}
