package mapping

import "sync"

// PathCache shares compiled JSONPaths between the Inputs of many
// requests, so that a template's $input.path('$.a') or $input.json('$.a')
// is compiled once rather than on every request. Templates name a fixed
// set of expressions, so the cache keeps the first max it sees and
// compiles any others on each use. It is safe for concurrent use; the
// gateway keeps one per plan.
type PathCache struct {
	mu    sync.RWMutex
	max   int
	paths map[string]*JSONPath
}

// DefaultPathCacheSize bounds a PathCache made with NewPathCache(0).
const DefaultPathCacheSize = 1024

// NewPathCache returns a cache of up to max expressions; 0 means
// DefaultPathCacheSize.
func NewPathCache(max int) *PathCache {
	if max <= 0 {
		max = DefaultPathCacheSize
	}
	return &PathCache{max: max, paths: map[string]*JSONPath{}}
}

// Compile returns the compiled expr, from the cache when it is there.
// Errors are not cached.
func (c *PathCache) Compile(expr string) (*JSONPath, error) {
	c.mu.RLock()
	p := c.paths[expr]
	c.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	p, err := CompileJSONPath(expr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.paths) < c.max {
		c.paths[expr] = p
	}
	c.mu.Unlock()
	return p, nil
}
