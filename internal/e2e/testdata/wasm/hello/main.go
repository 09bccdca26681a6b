// A WAGI handler: CGI over WASI. Built with GOOS=wasip1 GOARCH=wasm.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	body, _ := io.ReadAll(os.Stdin)
	fmt.Print("Content-Type: text/plain\n")
	fmt.Print("X-Handler: wasm\n\n")
	fmt.Printf("%s %s from %s (%s) greeting=%s body=%q\n", os.Getenv("REQUEST_METHOD"), os.Getenv("PATH_INFO"),
		os.Getenv("X_VERGE_COUNTRY"), os.Getenv("REMOTE_ADDR"), os.Getenv("GREETING"), body)
}
