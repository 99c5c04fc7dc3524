package scheduler

import (
	"errors"
	"fmt"
)

var (
	// ErrThrottled: the function is at its reserved concurrency, or the host
	// at its sandbox or memory limits (TooManyRequestsException).
	ErrThrottled = errors.New("throttled: concurrency limit reached")
	// ErrPidsBudget: the host's pids budget (lambdad serve --max-pids) has
	// no room for another instance's lambda.MaxPids; it is an ErrThrottled.
	ErrPidsBudget = fmt.Errorf("%w: the host's pids budget (lambdad serve --max-pids) has no room for another sandbox", ErrThrottled)
	// ErrShuttingDown: the scheduler no longer accepts invocations.
	ErrShuttingDown = errors.New("scheduler is shutting down")
	// ErrTooLargeForBudget: the function's memory alone exceeds the budget.
	ErrTooLargeForBudget = errors.New("function memory exceeds the memory budget")
)
