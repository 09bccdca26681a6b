// Package lambdaedge is the Go half of Verge's AWS Lambda@Edge compatibility
// layer: it turns an incoming *http.Request (or an origin *http.Response)
// into the CloudFront event a handler expects, and validates and applies
// what the handler returned, with CloudFront's rules and limits for each of
// the four trigger points (viewer-request, origin-request, origin-response,
// viewer-response).
//
// The package does not run JavaScript, fetch from origins or cache; the
// server calls it around a JS handler that takes and returns JSON. A
// violated rule is reported as an *Error whose Status is the 502 CloudFront
// would answer.
//
// A viewer-request trigger in a server looks like:
//
//	req, err := lambdaedge.NewRequest(r, lambdaedge.RequestOptions{EventType: lambdaedge.ViewerRequest})
//	// handle err
//	event := lambdaedge.NewEvent(lambdaedge.Config{EventType: lambdaedge.ViewerRequest}, req, nil)
//	raw := callJS(event) // json.RawMessage from the handler
//	res, err := lambdaedge.ParseResult(raw)
//	// handle err
//	if res.Response != nil {
//		err = lambdaedge.WriteResponse(lambdaedge.ViewerRequest, w, res.Response,
//			lambdaedge.DefaultLimits(lambdaedge.ViewerRequest))
//		return
//	}
//	next, err := lambdaedge.ApplyRequest(lambdaedge.ViewerRequest, r, res.Request)
//
// Deviations from CloudFront: header names are net/http's canonical form
// (the wire casing is gone by the time a Go server sees them); read-only
// request fields (method, clientIp, config) are ignored if changed rather
// than refused; StatusDescription cannot be sent by net/http; a custom
// origin may be an IP address (Verge decides which addresses are reachable
// where the request is sent).
package lambdaedge
