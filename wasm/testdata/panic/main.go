// Command panic writes its headers, then panics: the Go runtime prints the
// panic to stderr and exits with code 2.
package main

import "fmt"

func main() {
	fmt.Print("Content-Type: text/plain\n\n")
	panic("boom from the guest")
}
