package lambda

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// pool holds the warm processes of one function and bounds its concurrency.
type pool struct {
	host    *Host
	fn      Function
	kind    runtimeKind
	codeDir string
	arn     string
	logger  *slog.Logger
	timeout time.Duration

	// slots has one token per running invocation (cap = Concurrency); a
	// process exists only while it holds a slot or sits in idle, so there
	// are never more than Concurrency processes.
	slots  chan struct{}
	queued atomic.Int64

	mu   sync.Mutex
	idle []*sandbox            // warm, waiting in /next; used LIFO
	live map[*sandbox]struct{} // every process not yet exited
}

func newPool(h *Host, fn Function, kind runtimeKind) *pool {
	return &pool{
		host:    h,
		fn:      fn,
		kind:    kind,
		arn:     "arn:aws:lambda:" + h.region + ":" + h.account + ":function:" + fn.Name,
		logger:  h.logger.With("function", fn.Name),
		timeout: time.Duration(fn.Timeout) * time.Second,
		slots:   make(chan struct{}, fn.Concurrency),
		live:    map[*sandbox]struct{}{},
	}
}

// acquire takes a concurrency slot, queueing up to QueueLimit callers.
func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	if p.queued.Add(1) > int64(p.fn.QueueLimit) {
		p.queued.Add(-1)
		return &InvokeError{Code: CodeThrottled, Message: "Rate Exceeded."}
	}
	defer p.queued.Add(-1)
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("invoke %s: waiting for a free process: %w", p.fn.Name, ctx.Err())
	case <-p.host.closing:
		return &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}
	}
}

// release returns sb (when still usable) to the idle list and frees the slot.
func (p *pool) release(sb *sandbox, keep bool) {
	if sb != nil {
		if keep && !sb.dead() && !p.host.closed() {
			p.mu.Lock()
			p.idle = append(p.idle, sb)
			p.mu.Unlock()
		} else {
			sb.kill()
		}
	}
	<-p.slots
}

// takeIdle pops the most recently used live idle process, or nil.
func (p *pool) takeIdle() *sandbox {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.idle); n > 0; n = len(p.idle) {
		sb := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		if !sb.dead() {
			return sb
		}
	}
	return nil
}

func (p *pool) invoke(ctx context.Context, payload []byte, o InvokeOptions) ([]byte, *FunctionError, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, nil, err
	}
	id := newRequestID()
	sb := p.takeIdle()
	for attempt := 0; ; attempt++ {
		if sb == nil {
			var fe *FunctionError
			var err error
			sb, fe, err = p.spawn(id)
			if err != nil || fe != nil {
				p.release(nil, false)
				if fe != nil {
					return fe.Payload, fe, nil
				}
				return nil, nil, err
			}
		}
		inv := newInvocation(id, payload, o)
		out := sb.run(ctx, inv)
		if out.retry && attempt == 0 {
			// A warm process died while idle, before it took the event:
			// Lambda would have used a fresh environment.
			sb.kill()
			sb = nil
			continue
		}
		if out.detached {
			// ctx ended while the function runs: it keeps the slot until it
			// finishes or times out.
			if !p.host.goTracked(func() {
				rest := sb.await(inv, nil)
				p.release(sb, rest.keep)
			}) {
				p.release(sb, false) // closing: the process is being killed
			}
			return nil, nil, fmt.Errorf("invoke %s: %w", p.fn.Name, ctx.Err())
		}
		p.release(sb, out.keep)
		if out.fe != nil {
			return out.fe.Payload, out.fe, nil
		}
		return out.result, nil, out.err
	}
}

// closeAll kills every process of the pool.
func (p *pool) closeAll() {
	p.mu.Lock()
	all := make([]*sandbox, 0, len(p.live))
	for sb := range p.live {
		all = append(all, sb)
	}
	p.idle = nil
	p.mu.Unlock()
	for _, sb := range all {
		sb.kill()
	}
}

func (p *pool) forget(sb *sandbox) {
	p.mu.Lock()
	delete(p.live, sb)
	p.mu.Unlock()
}
