// Command redirect answers with a Location and no Status, which CGI turns
// into a 302.
package main

import "fmt"

func main() {
	fmt.Print("Location: https://example.com/elsewhere\n\n")
}
