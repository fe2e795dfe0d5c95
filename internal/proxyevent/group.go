package proxyevent

import "strings"

// Repeated names (headers, query parameters) become one map key whose
// value is the last value (1.0 single-value maps), the list of values (1.0
// multiValue maps) or the values joined with commas (2.0). Keys appear in
// the order of their first occurrence. Instead of a Go map (which would
// lose that order and allocate), each param is linked to the next param
// of the same name.

// smallLink is the param count up to which links are found by comparing
// every pair (no allocation); above it a map indexes the names.
const smallLink = 32

// linkBuf is stack storage for links of up to smallLink params.
type linkBuf struct {
	next  [smallLink]int32
	first [smallLink]bool
}

// links describes the groups of same-named params.
type links struct {
	next    []int32 // index of the next param with the same name, or -1
	first   []bool  // param i is the first of its name (and not dropped)
	groups  int     // number of distinct names kept
	cookies int     // number of dropped Cookie params
}

// link groups ps by name (case-insensitively when fold), using b's storage
// when ps is small. With dropCookie, Cookie params belong to no group (2.0
// moves them to "cookies").
func (b *linkBuf) link(ps []Param, fold, dropCookie bool) links {
	n := len(ps)
	var l links
	if n <= smallLink {
		l.next, l.first = b.next[:n], b.first[:n]
	} else {
		l.next, l.first = make([]int32, n), make([]bool, n)
	}
	for i := range l.next {
		l.next[i] = -1
		l.first[i] = true
	}
	same := func(a, b string) bool {
		if fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	if dropCookie {
		for i := range ps {
			if strings.EqualFold(ps[i].Name, "cookie") {
				l.first[i] = false
				l.cookies++
			}
		}
	}
	if n <= smallLink {
		for i := range ps {
			if dropCookie && strings.EqualFold(ps[i].Name, "cookie") {
				continue
			}
			// The nearest later param of the same name is still unclaimed
			// (only i may claim it); first is false there only for
			// dropped params.
			for j := i + 1; j < n; j++ {
				if l.first[j] && same(ps[i].Name, ps[j].Name) {
					l.next[i] = int32(j)
					l.first[j] = false
					break
				}
			}
		}
	} else {
		last := make(map[string]int32, n)
		for i := range ps {
			if dropCookie && strings.EqualFold(ps[i].Name, "cookie") {
				continue
			}
			k := ps[i].Name
			if fold {
				k = strings.ToLower(k)
			}
			if j, ok := last[k]; ok {
				l.next[j] = int32(i)
				l.first[i] = false
			}
			last[k] = int32(i)
		}
	}
	for _, f := range l.first {
		if f {
			l.groups++
		}
	}
	return l
}

// groupValue says how a group's values become its member's value.
type groupValue uint8

const (
	lastValue    groupValue = iota // "v2": payload 1.0 single-value maps
	valueList                      // ["v1","v2"]: payload 1.0 multiValue maps
	joinedValues                   // "v1,v2": payload 2.0
)

// appendGroups writes {"name":value,...}, one member per group, the value
// made as how says; or null when there is no group (payload 2.0 callers
// omit the key instead). The three map kinds share this one loop so that
// they list the same names in the same order.
func (l *links) appendGroups(dst []byte, ps []Param, lower bool, how groupValue) []byte {
	if l.groups == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	k := 0
	for i, f := range l.first {
		if !f {
			continue
		}
		if k > 0 {
			dst = append(dst, ',')
		}
		k++
		dst = appendString(dst, ps[i].Name, lower)
		dst = append(dst, ':')
		// One loop per kind: merging the list and joined loops behind
		// per-value branches made BenchmarkEvent about 10% slower.
		switch how {
		case lastValue:
			j := int32(i)
			for l.next[j] >= 0 {
				j = l.next[j]
			}
			dst = appendString(dst, ps[j].Value, false)
		case valueList:
			dst = append(dst, '[')
			for j := int32(i); j >= 0; j = l.next[j] {
				if j != int32(i) {
					dst = append(dst, ',')
				}
				dst = appendString(dst, ps[j].Value, false)
			}
			dst = append(dst, ']')
		case joinedValues:
			dst = append(dst, '"')
			for j := int32(i); j >= 0; j = l.next[j] {
				if j != int32(i) {
					dst = append(dst, ',')
				}
				dst = appendEscaped(dst, ps[j].Value, false)
			}
			dst = append(dst, '"')
		}
	}
	return append(dst, '}')
}
