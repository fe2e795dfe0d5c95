package lambda

import (
	"context"
	"fmt"
	"time"
)

// Prewarm starts a process of function and waits until its init is over
// (the runtime's first /next), then leaves it idle, so that the next
// Invoke finds it warm. It does nothing when the function already has an
// idle process. A failed or timed-out init is returned as an error and
// its process stopped; the next Invoke then starts afresh and reports the
// failure as Lambda does. gatehouse prewarms a function whose code changed
// on reload, so the new code is warm when the old processes stop.
func (h *Host) Prewarm(ctx context.Context, function string) error {
	p, ok := h.pools[h.functionName(function)]
	if !ok {
		return &InvokeError{Code: CodeNotFound, Message: "Function not found: " + h.arn(function)}
	}
	if h.closed() {
		return &InvokeError{Code: CodeService, Message: "the Lambda host is closed"}
	}
	if err := p.acquire(ctx); err != nil {
		return err
	}
	if sb := p.takeIdle(); sb != nil {
		p.release(sb, true)
		return nil
	}
	sb, fe, err := p.spawn(newRequestID())
	if err != nil || fe != nil {
		p.release(nil, false)
		if fe != nil {
			return fmt.Errorf("prewarm %s: %s: %s", p.fn.Name, fe.Type, fe.Message)
		}
		return err
	}
	t := time.NewTimer(initTimeoutSeconds * time.Second)
	defer t.Stop()
	select {
	case <-sb.ready:
		p.release(sb, true)
		return nil
	case <-sb.initFailed:
		err = fmt.Errorf("prewarm %s: %s", p.fn.Name, sb.initError().Message)
		sb.logInitError()
	case <-sb.exited:
		err = fmt.Errorf("prewarm %s: %s", p.fn.Name, sb.exitMessage())
	case <-t.C:
		err = fmt.Errorf("prewarm %s: init did not end within %d seconds", p.fn.Name, initTimeoutSeconds)
	case <-ctx.Done():
		err = fmt.Errorf("prewarm %s: %w", p.fn.Name, ctx.Err())
	}
	p.release(sb, false) // kills it
	return err
}

// Live reports how many processes of function are running (busy or
// idle); 0 for an unknown function.
func (h *Host) Live(function string) int {
	p, ok := h.pools[h.functionName(function)]
	if !ok {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live)
}
