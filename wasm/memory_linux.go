package wasm

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// reserve maps size bytes of zeroed, private memory without committing it:
// pages cost RAM only once touched, and the Go GC never scans or counts it.
func reserve(size uint64) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("wasm: reserving %d bytes of linear memory: %w", size, err)
	}
	return b, nil
}

// release unmaps a region from reserve.
func release(b []byte) { _ = unix.Munmap(b[:cap(b)]) }

// zero clears b. The first keep bytes are cleared in place (cheaper than a
// page fault per page on reuse); the rest go back to the kernel, which hands
// out zero pages on the next touch.
func zero(b []byte, keep int) {
	if len(b) <= keep {
		clear(b)
		return
	}
	clear(b[:keep])
	tail := b[keep:]
	// madvise wants whole pages; the partial page at the end is cleared.
	whole := len(tail) &^ (unix.Getpagesize() - 1)
	if whole > 0 && unix.Madvise(tail[:whole], unix.MADV_DONTNEED) == nil {
		clear(tail[whole:])
		return
	}
	clear(tail)
}
