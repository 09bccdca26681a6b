// Command edge writes the malformed or unusual CGI responses named by its
// query string.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	switch os.Getenv("QUERY_STRING") {
	case "nothing":
		// exits 0 without output
	case "huge":
		for i := 0; i < 10000; i++ {
			fmt.Printf("X-Filler-%d: %s\n", i, strings.Repeat("x", 64))
		}
		fmt.Print("\nbody\n")
	case "malformed":
		fmt.Print("this is not a header\n\nbody\n")
	case "badstatus":
		fmt.Print("Status: 42 Nope\n\n")
	case "noblank":
		fmt.Print("Content-Type: text/plain\nX-Only: headers\n")
	case "crlf":
		fmt.Print("Status: 404 Not Found\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nnot here\r\n")
	case "flood":
		// 10 GB of body, ignoring write errors as a runaway guest would.
		fmt.Print("Content-Type: application/octet-stream\n\n")
		buf := make([]byte, 1<<20)
		for i := 0; i < 10<<10; i++ {
			os.Stdout.Write(buf)
		}
	case "stderr":
		fmt.Fprint(os.Stderr, strings.Repeat("e", 100000))
		fmt.Print("Content-Type: text/plain\n\nok\n")
	}
}
