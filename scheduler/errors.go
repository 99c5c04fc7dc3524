package scheduler

import "errors"

var (
	// ErrThrottled: the function is at its reserved concurrency, or the host
	// at its sandbox or memory limits (TooManyRequestsException).
	ErrThrottled = errors.New("throttled: concurrency limit reached")
	// ErrShuttingDown: the scheduler no longer accepts invocations.
	ErrShuttingDown = errors.New("scheduler is shutting down")
	// ErrTooLargeForBudget: the function's memory alone exceeds the budget.
	ErrTooLargeForBudget = errors.New("function memory exceeds the memory budget")
)
