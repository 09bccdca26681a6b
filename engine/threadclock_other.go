//go:build !linux

package engine

// threadClock reports that another thread's CPU clock cannot be read here;
// BlockingContext then counts wall time, which bounds CPU time from above.
func threadClock() func() (int64, bool) {
	return func() (int64, bool) { return 0, false }
}
