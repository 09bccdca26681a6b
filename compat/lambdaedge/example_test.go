package lambdaedge_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"github.com/verge-edge/verge/compat/lambdaedge"
)

func Example() {
	r := httptest.NewRequest("GET", "http://d111.cloudfront.net/index.html?lang=pt", nil)
	req, err := lambdaedge.NewRequest(r, lambdaedge.RequestOptions{EventType: lambdaedge.ViewerRequest})
	if err != nil {
		panic(err)
	}
	fmt.Println(req.URI, req.QueryString, req.Headers.Get("host"))

	// The handler rewrote the URI and returned the request.
	res, err := lambdaedge.ParseResult(json.RawMessage(`{"clientIp":"192.0.2.1","method":"GET",
		"uri":"/pt/index.html","querystring":"",
		"headers":{"host":[{"key":"Host","value":"d111.cloudfront.net"}]}}`))
	if err != nil {
		panic(err)
	}
	next, err := lambdaedge.ApplyRequest(lambdaedge.ViewerRequest, r, res.Request)
	fmt.Println(next.URL.Path, err)

	// Changing the read-only Host header in viewer-request is refused.
	res.Request.Headers.Set("Host", "evil.example")
	_, err = lambdaedge.ApplyRequest(lambdaedge.ViewerRequest, r, res.Request)
	fmt.Println(err)
	// Output:
	// /index.html lang=pt d111.cloudfront.net
	// /pt/index.html <nil>
	// lambdaedge: LambdaValidationError: the function tried to add, delete, or change the read-only header "host" (headers.host) in viewer-request
}
