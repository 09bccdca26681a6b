package engine

import "golang.org/x/sys/unix"

// threadClock returns a function that reads the calling thread's CPU clock
// from any goroutine. Linux names another thread's CPU clock by its thread
// id (what glibc's pthread_getcpuclockid computes: the bitwise complement
// of the id, shifted, with the per-thread and scheduler-clock bits).
func threadClock() func() (int64, bool) {
	id := int32(^uint32(unix.Gettid())<<3) | 4 | 2
	return func() (int64, bool) {
		var ts unix.Timespec
		if unix.ClockGettime(id, &ts) != nil {
			return 0, false
		}
		return ts.Nano(), true
	}
}
