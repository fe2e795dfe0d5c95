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

// appendLast writes {"name":"last value",...}, or null when empty.
func (l *links) appendLast(dst []byte, ps []Param, lower bool) []byte {
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
		j := int32(i)
		for l.next[j] >= 0 {
			j = l.next[j]
		}
		dst = appendString(dst, ps[j].Value, false)
	}
	return append(dst, '}')
}

// appendMulti writes {"name":["v1","v2"],...}, or null when empty.
func (l *links) appendMulti(dst []byte, ps []Param, lower bool) []byte {
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
		dst = append(dst, ':', '[')
		for j := int32(i); j >= 0; j = l.next[j] {
			if j != int32(i) {
				dst = append(dst, ',')
			}
			dst = appendString(dst, ps[j].Value, false)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendJoined writes {"name":"v1,v2",...} (payload 2.0).
func (l *links) appendJoined(dst []byte, ps []Param, lower bool) []byte {
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
		dst = append(dst, ':', '"')
		for j := int32(i); j >= 0; j = l.next[j] {
			if j != int32(i) {
				dst = append(dst, ',')
			}
			dst = appendEscaped(dst, ps[j].Value, false)
		}
		dst = append(dst, '"')
	}
	return append(dst, '}')
}
