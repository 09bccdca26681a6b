package server

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Lambda@Edge handlers as AWS's documentation writes them: Node programs
// that require('querystring') and use the Buffer global. They run without
// compatibility_flags, since every Lambda handler is a Node program.
const (
	// AWS's query-string normalisation: parameters sorted by name and
	// lower-cased, so that more requests share a cache key.
	normaliseQueryFn = `'use strict';
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const params = querystring.parse(request.querystring);
  const sortedParams = {};
  Object.keys(params).sort().forEach((key) => {
    sortedParams[key.toLowerCase()] = params[key];
  });
  request.querystring = querystring.stringify(sortedParams);
  callback(null, request);
};`
	// A form posted to the edge, decoded from CloudFront's base64 body.
	formBodyFn = `'use strict';
const querystring = require('querystring');

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.method === 'POST' && request.body && request.body.data) {
    const body = Buffer.from(request.body.data, 'base64').toString();
    const params = querystring.parse(body);
    return {
      status: '200',
      headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] },
      body: 'name=' + params.name + ' bytes=' + Buffer.byteLength(body) + ' encoding=' + request.body.encoding,
    };
  }
  return request;
};`
	// A signed session cookie checked at the edge with node:crypto.
	signedCookieFn = `'use strict';
const crypto = require('crypto');
const SECRET = 'edge-secret';

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const cookies = (request.headers.cookie || []).map((c) => c.value).join('; ');
  const m = /session=([^.;]+)\.([0-9a-f]{64})/.exec(cookies);
  const expected = m && crypto.createHmac('sha256', SECRET).update(m[1]).digest('hex');
  if (!m || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(m[2]))) {
    return { status: '403', body: 'bad session' };
  }
  request.headers['x-user'] = [{ key: 'X-User', value: m[1] }];
  request.headers['x-session-digest'] = [{ key: 'X-Session-Digest', value: crypto.createHash('md5').update(m[0]).digest('base64') }];
  return request;
};`
	// A Workers project with compatibility_flags = ["nodejs_compat"].
	nodeWorker = `import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import path from "node:path";

export default {
  fetch(request) {
    const e = new EventEmitter();
    let seen = "";
    e.once("hit", (v) => { seen = v; });
    e.emit("hit", path.basename(new URL(request.url).pathname));
    return new Response([seen, Buffer.from(process.env.GREETING).toString("hex"), typeof globalThis.Buffer].join(" "));
  },
};`
)

func TestNodeCompat(t *testing.T) {
	origin := newRecordingOrigin(t, "origin")
	files := map[string]string{"node.toml": `projects = ["normalise", "form", "nodeworker", "session"]
[listen]
http = "127.0.0.1:0"
[origins.main]
url = "` + origin.URL + `"
[[routes]]
pattern = "cdn.test/*"
origin = "main"
[routes.lambda_edge]
viewer_request = "normalise"
[[routes]]
pattern = "form.test/*"
origin = "main"
[routes.lambda_edge]
viewer_request = "form"
include_body = true
[[routes]]
pattern = "app.test/*"
origin = "main"
[routes.lambda_edge]
viewer_request = "session"
`}
	// The race detector slows the engine tenfold; this test is about
	// results, not the CPU limit.
	limits := "[limits]\ncpu_ms = 2000\n"
	files["normalise/verge.toml"] = "name = \"normalise\"\nmain = \"index.js\"\n" + limits
	files["normalise/index.js"] = normaliseQueryFn
	files["form/verge.toml"] = "name = \"form\"\nmain = \"index.js\"\n" + limits
	files["form/index.js"] = formBodyFn
	files["session/verge.toml"] = "name = \"session\"\nmain = \"index.js\"\n" + limits
	files["session/index.js"] = signedCookieFn
	files["nodeworker/verge.toml"] = "name = \"nodeworker\"\nmain = \"index.js\"\nroutes = [\"node.test/*\"]\ncompatibility_flags = [\"nodejs_compat\"]\n[vars]\nGREETING = \"hi\"\n" + limits
	files["nodeworker/index.js"] = nodeWorker
	n := startNode(t, files)

	r := n.do("GET", n.http+"/path?Zeta=1&alpha=B&Mid=x%20y&alpha=a", map[string]string{"Host": "cdn.test"})
	if r.status != 200 || r.body != "origin /path?mid=x%20y&zeta=1&alpha=B&alpha=a" { // as node gives
		t.Errorf("normalised query string: %d %q", r.status, r.body)
	}

	req, err := http.NewRequest("POST", n.http+"/submit", strings.NewReader("name=J%C3%BCrgen&x=1"))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "form.test"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "name=Jürgen bytes=20 encoding=base64" {
		t.Errorf("base64 body through Buffer: %d %q", resp.StatusCode, body)
	}

	if r := n.do("GET", n.http+"/some/file.txt", map[string]string{"Host": "node.test"}); r.status != 200 || r.body != "file.txt 6869 function" {
		t.Errorf("nodejs_compat worker: %d %q", r.status, r.body)
	}

	mac := hmac.New(sha256.New, []byte("edge-secret"))
	mac.Write([]byte("alice"))
	good := "session=alice." + hex.EncodeToString(mac.Sum(nil))
	if r := n.do("GET", n.http+"/account", map[string]string{"Host": "app.test", "Cookie": "theme=dark; " + good}); r.status != 200 || origin.lastHeader("X-User") != "alice" {
		t.Errorf("signed cookie: %d %q, origin saw X-User %q", r.status, r.body, origin.lastHeader("X-User"))
	}
	sum := md5.Sum([]byte(good))
	if got, want := origin.lastHeader("X-Session-Digest"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("md5 of the session: %q, want %q", got, want)
	}
	forged := good[:len(good)-1] + map[bool]string{true: "0", false: "1"}[!strings.HasSuffix(good, "0")]
	if r := n.do("GET", n.http+"/account", map[string]string{"Host": "app.test", "Cookie": forged}); r.status != 403 || r.body != "bad session" {
		t.Errorf("forged cookie: %d %q", r.status, r.body)
	}
}

// TestNodeCompatFlagRequired: a Workers project that imports a Node
// built-in without the flag fails to load, and the error says which flag
// to add.
func TestNodeCompatFlagRequired(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"w/verge.toml": "name = \"w\"\nmain = \"worker.js\"\n",
		"w/worker.js":  nodeWorker,
	})
	_, err := buildNode(t, "projects = [\""+dir+"/w\"]\n[listen]\nhttp = \"127.0.0.1:0\"\n")
	if err == nil || !strings.Contains(err.Error(), `Could not resolve "node:buffer": it is a Node.js built-in module; add compatibility_flags = ["nodejs_compat"] to verge.toml`) {
		t.Errorf("error %v", err)
	}
}
