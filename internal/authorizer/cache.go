package authorizer

import (
	"sync"
	"time"
)

// DefaultMaxEntries bounds one authorizer's cache when Options.MaxEntries is
// 0. AWS does not publish its cache size; this is gatehouse's choice.
const DefaultMaxEntries = 10000

// entry is one cached authorizer result, in an LRU list.
type entry struct {
	key        string
	out        *Output
	expires    time.Time
	prev, next *entry
}

// call is an invocation in flight that concurrent misses of one key share.
type call struct {
	done chan struct{}
	out  *Output
	err  error
	// abandoned means the leader's context ended during the call: its
	// outcome is not the waiters', who join again.
	abandoned bool
}

// cache is a bounded LRU of results with a TTL, and the set of calls in
// flight. It is safe for concurrent use.
type cache struct {
	mu       sync.Mutex
	max      int
	entries  map[string]*entry
	head     entry // sentinel: head.next is the most recently used
	inflight map[string]*call
}

func newCache(max int) *cache {
	c := &cache{max: max, entries: make(map[string]*entry), inflight: make(map[string]*call)}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

// get returns the live result for key. The string(key) conversion in the
// map index does not allocate.
func (c *cache) get(key []byte, now time.Time) *Output {
	c.mu.Lock()
	e := c.entries[string(key)]
	if e == nil {
		c.mu.Unlock()
		return nil
	}
	if !now.Before(e.expires) {
		c.unlink(e)
		delete(c.entries, e.key)
		c.mu.Unlock()
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	out := e.out
	c.mu.Unlock()
	return out
}

// put stores out for key until expires, evicting the least recently used
// entry when full.
func (c *cache) put(key string, out *Output, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil {
		e.out, e.expires = out, expires
		c.unlink(e)
		c.pushFront(e)
		return
	}
	if len(c.entries) >= c.max {
		last := c.head.prev
		c.unlink(last)
		delete(c.entries, last.key)
	}
	e := &entry{key: key, out: out, expires: expires}
	c.entries[key] = e
	c.pushFront(e)
}

func (c *cache) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (c *cache) pushFront(e *entry) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}

// len returns the number of entries, expired or not.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// join returns the call in flight for key, or starts one: leader is true
// when the caller must call the function and then finish or abandon.
func (c *cache) join(key string) (cl *call, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.inflight[key]; cl != nil {
		return cl, false
	}
	cl = &call{done: make(chan struct{})}
	c.inflight[key] = cl
	return cl, true
}

// finish publishes the leader's outcome, caches it when cacheable, and wakes
// the waiters.
func (c *cache) finish(key string, cl *call, expires time.Time, cacheable bool) {
	if cacheable {
		c.put(key, cl.out, expires)
	}
	c.mu.Lock()
	delete(c.inflight, key)
	c.mu.Unlock()
	close(cl.done)
}

// abandon ends the leader's call without an outcome: the waiters join
// again, and one of them calls the function.
func (c *cache) abandon(key string, cl *call) {
	c.mu.Lock()
	delete(c.inflight, key)
	c.mu.Unlock()
	cl.abandoned = true
	close(cl.done)
}
