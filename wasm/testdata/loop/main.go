// Command loop never finishes. With the query "announce" it first streams
// a line of body, so a client knows it is running.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "looping forever")
	if os.Getenv("QUERY_STRING") == "announce" {
		fmt.Print("Content-Type: text/plain\n\nlooping\n")
	}
	n := 0
	for {
		n++
	}
}
