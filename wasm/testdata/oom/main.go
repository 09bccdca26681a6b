// Command oom allocates until the memory limit stops it.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "allocating until the limit")
	var keep [][]byte
	for {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1 // touch it, so the memory is really used
		}
		keep = append(keep, b)
	}
}
