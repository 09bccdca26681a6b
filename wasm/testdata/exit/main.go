// Command exit writes to stderr and exits with code 3 before finishing its
// response.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Print("Content-Type: text/plain\n\n")
	fmt.Fprintln(os.Stderr, "giving up with code 3")
	os.Exit(3)
}
