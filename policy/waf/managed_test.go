package waf

import (
	"strings"
	"testing"
)

const browser = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"

// benign requests must pass every managed set.
var benign = []request{
	{target: "/", headers: []string{browser}},
	{target: "/docs/v1.2/index.html", headers: []string{browser}},
	{target: "/.well-known/security.txt", headers: []string{browser}},
	{target: "/files/report..final.pdf", headers: []string{browser}},
	{target: "/search?q=wait...&range=1..5", headers: []string{browser}},
	{target: "/search?q=rock+and+roll&page=2&sort=-date", headers: []string{browser}},
	{target: "/search?q=O%27Brien+or+O%27Neil", headers: []string{browser}},
	{target: "/search?q=1%2B1%3D2&lang=en", headers: []string{browser}},
	{target: "/search?q=how+to+select+a+union+rep", headers: []string{browser}},
	{target: "/search?q=javascript%3A+the+good+parts", headers: []string{browser}},
	{target: "/search?q=onload+event+handler", headers: []string{browser}},
	{target: "/style?color=%23fff&f=%7B%22a%22%3A%22%23b%22%7D", headers: []string{browser}},
	{target: "/share?u=https%3A%2F%2Fexample.com%2Fa%2Fb%3Fc%3D1&discount=100%", headers: []string{browser}},
	{target: "/api/items?id=42", headers: []string{"User-Agent: curl/8.5.0"}},
	{target: "/", headers: []string{"User-Agent: Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}},
}

func TestManagedPathTraversal(t *testing.T) {
	e := newEdge(t, Config{Managed: []string{"path-traversal"}})
	check(t, e, benign)
	check(t, e, attacks(
		"/../../etc/passwd",
		"/static/../../../etc/passwd",
		"/static/..%2f..%2fetc%2fpasswd",
		"/static/%2e%2e/%2e%2e/etc/passwd",
		"/static/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
		"/static/%252e%252e%252fetc/passwd", // encoded twice
		"/static/%25252e%25252e/etc/passwd", // three times
		"/static/..%5c..%5cwindows%5cwin.ini",
		`/static/..\..\windows\win.ini`,
		"/static/%c0%ae%c0%ae/etc/passwd", // overlong UTF-8
		"/static/....//....//etc/passwd",
		"/app/..;/admin",
		"/a/b/..",
		"/download?file=../../etc/passwd",
		"/download?file=..%2F..%2Fetc%2Fpasswd",
		"/download?x=1&file=%2e%2e%5cboot.ini",
		"/download?file=..",
		"/download?file=%u002e%u002e/etc/passwd", // IIS; net/http refuses it in a path
	))
	if !strings.Contains(e.logs.String(), "rule=managed:path-traversal action=block") {
		t.Errorf("log: %s", e.logs)
	}
}

func TestManagedInjection(t *testing.T) {
	e := newEdge(t, Config{Managed: []string{"injection"}})
	check(t, e, benign)
	check(t, e, attacks(
		"/item?id=1'+or+'1'='1",
		"/item?id=1%27%20OR%201%3D1--",
		"/item?id=1%27%20oR%20%271%27%3D%271",
		"/item?id=1+and+1=1",
		"/item?id=-1+UNION+SELECT+username,password+FROM+users",
		"/item?id=-1+union+all+select+1,2,3",
		"/item?id=1/**/UNION/**/SELECT/**/1,2",
		"/item?id=1%252f%252a%252a%252funion%252f%252a%252a%252fselect%25201",
		"/item?id=1;DROP+TABLE+users",
		"/login?user=admin'--&pass=x",
		"/item?id=1+AND+SLEEP(5)",
		"/item?id=1';WAITFOR+DELAY+'0:0:5'--",
		"/item?id=1+and+extractvalue(1,concat(0x7e,@@version))",
		"/item?id=1&id=2'+or+1=1--", // in the second value
		"/item?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"/item?q=%253Cscript%253Ealert(1)%253C%252Fscript%253E",
		"/item?q=%3CsCrIpT+src%3D//evil.example/x.js%3E",
		"/item?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
		"/item?q=%3Csvg/onload=alert(1)%3E",
		"/item?q=%22+onmouseover%3D%22alert(1)",
		"/item?q=%22%3E%3Ciframe+src%3Djavascript:alert(1)%3E",
		"/go?next=javascript:alert(document.cookie)",
		"/go?next=JaVaScRiPt%3Aalert(1)",
		"/search/%3Cscript%3Ealert(1)%3C/script%3E",
	))
	if !strings.Contains(e.logs.String(), "rule=managed:injection action=block") {
		t.Errorf("log: %s", e.logs)
	}
}

func TestManagedBadBots(t *testing.T) {
	e := newEdge(t, Config{Managed: []string{"bad-bots"}})
	check(t, e, benign)
	var reqs []request
	for _, ua := range []string{
		"User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)",
		"User-Agent: Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)",
		"User-Agent: masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
		"User-Agent: Mozilla/5.0 zgrab/0.x",
		"User-Agent: Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Nuclei",
		"User-Agent: WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
		"User-Agent: ",
		"User-Agent:    ",
	} {
		reqs = append(reqs, request{target: "/", headers: []string{ua}, blocked: true})
	}
	reqs = append(reqs, request{target: "/", blocked: true}) // no User-Agent at all
	check(t, e, reqs)
	if !strings.Contains(e.logs.String(), "rule=managed:bad-bots action=block") {
		t.Errorf("log: %s", e.logs)
	}
}

func TestManagedTogether(t *testing.T) {
	e := newEdge(t, Config{Managed: []string{"bad-bots", "injection", "path-traversal"}})
	check(t, e, benign)
	check(t, e, attacks("/../etc/passwd", "/?q=%3Cscript%3E"))
}

// attacks are requests, from a browser, that must be blocked.
func attacks(targets ...string) []request {
	reqs := make([]request, len(targets))
	for i, target := range targets {
		reqs[i] = request{target: target, headers: []string{browser}, blocked: true}
	}
	return reqs
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"plain":              "plain",
		"100%":               "100%",
		"%zz%2":              "%zz%2",
		"A%2Fb":              "a/b",
		"%252E%252e":         "..",
		"%2525252e":          "%2e", // only three layers are undone
		"a+b%2Bc":            "a b c",
		"%u002E%u002f":       "./",
		"%c0%ae%c0%af%c1%9c": ".//",
		`a\b`:                "a/b",
		"%uD800":             "\uFFFD",
	} {
		if got := normalize(in, true); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := normalize("a+b", false); got != "a+b" {
		t.Errorf("a path's + became %q", got)
	}
}
