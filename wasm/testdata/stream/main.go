// Command stream writes part of its body, then waits for a line on stdin
// before writing the rest: a client only gets past the wait if the first
// part reached it while the guest was still running.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	fmt.Print("Content-Type: text/plain\n\n")
	fmt.Print("first\n")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		os.Exit(1)
	}
	fmt.Print("second after ", line)
	if os.Getenv("QUERY_STRING") == "fail" {
		panic("failing after the body started")
	}
}
