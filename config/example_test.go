package config_test

import (
	"errors"
	"fmt"

	"github.com/verge-edge/verge/config"
)

func ExampleParse() {
	c, err := config.Parse([]byte(`
name = "shop"
main = "src/index.ts"
routes = ["shop.example.com/*"]

[vars]
GREETING = "hello"
RETRIES = 3

[limits]
cpu_ms = 50
`), "/srv/shop")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Name, c.Main, c.Routes[0].Pattern)
	fmt.Println(c.Vars["GREETING"], c.Vars["RETRIES"], c.JSONVars["RETRIES"], c.Limits.CPUMs)
	fmt.Println(c.Dev.Host, c.Dev.Port)
	// Output:
	// shop /srv/shop/src/index.ts shop.example.com/*
	// hello 3 true 50
	// 127.0.0.1 8787
}

func ExampleError() {
	_, err := config.Parse([]byte("main = \"w.js\"\n\n[limits]\ncpu_ms = -5\nmemroy_mb = 64\n"), "/srv/shop")
	fmt.Println(err)
	var e *config.Error
	if errors.As(err, &e) {
		fmt.Println(e.Line, e.Key)
	}
	// Output:
	// verge.toml:4: limits.cpu_ms: must be a positive integer, got -5
	// verge.toml:5: limits.memroy_mb: unknown key (did you mean "memory_mb"?)
	// 4 limits.cpu_ms
}
