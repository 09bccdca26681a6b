// Command echo reports what the guest sees of the request as JSON: its
// environment, arguments and a digest of stdin. With the query "raw" it
// echoes the body back instead.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

func main() {
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		os.Exit(1)
	}
	if os.Getenv("QUERY_STRING") == "raw" {
		fmt.Printf("Content-Type: application/octet-stream\nContent-Length: %d\n\n", len(body))
		os.Stdout.Write(body)
		return
	}
	env := os.Environ()
	sort.Strings(env)
	sum := sha256.Sum256(body)
	fmt.Print("Content-Type: application/json\n")
	fmt.Print("X-Echo-Method: ", os.Getenv("REQUEST_METHOD"), "\n\n")
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"env":    env,
		"args":   os.Args,
		"len":    len(body),
		"sha256": hex.EncodeToString(sum[:]),
	})
}
