// Command verge is the Verge edge platform: the dev server, and (later) the
// PoP server, control plane and deploy tools, in one static binary.
package main

import (
	"fmt"
	"os"

	"github.com/verge-edge/verge/internal/cli"
)

func main() {
	if err := cli.Root().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "verge:", err)
		os.Exit(1)
	}
}
