// Command clock prints the time and random bytes: wazero's defaults for
// both are deterministic fakes, which edge handlers must not get.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

func main() {
	b := make([]byte, 16)
	rand.Read(b)
	start := time.Now()
	time.Sleep(time.Millisecond)
	fmt.Print("Content-Type: text/plain\n\n")
	fmt.Printf("%d %s %d\n", time.Now().Unix(), hex.EncodeToString(b), time.Since(start).Nanoseconds())
}
