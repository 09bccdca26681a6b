// Command hello is the smallest useful WAGI guest: a status, headers and a body.
package main

import "fmt"

func main() {
	fmt.Print("Status: 201 Created\n")
	fmt.Print("Content-Type: text/plain; charset=utf-8\n")
	fmt.Print("X-Hello: world\n")
	fmt.Print("\n")
	fmt.Print("hello, wagi\n")
}
