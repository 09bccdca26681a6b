package control

import (
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// openAPI describes the API (OpenAPI 3.1) from the route table.
func openAPI() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op := map[string]any{
			"summary":       rt.summary,
			"operationId":   operationID(rt),
			"security":      []map[string][]string{{"bearer": {rt.scope}}},
			"x-verge-scope": rt.scope,
			"responses": map[string]any{
				"200": map[string]any{"description": "OK (201 for creations)", "content": map[string]any{"application/json": map[string]any{}}},
				"400": map[string]any{"description": "bad input; the body's error says which"},
				"401": map[string]any{"description": "no or unknown token"},
				"403": map[string]any{"description": "the token lacks the scope"},
				"404": map[string]any{"description": "no such worker or token"},
				"503": map[string]any{"description": "the hub is unreachable"},
			},
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Verge control API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func operationID(rt route) string {
	id := strings.ToLower(rt.method)
	for _, seg := range strings.Split(strings.TrimPrefix(rt.path, "/v1/"), "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			seg = "by_" + strings.TrimSuffix(name, "}")
		}
		for _, w := range strings.Split(seg, "_") {
			id += strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return id
}
