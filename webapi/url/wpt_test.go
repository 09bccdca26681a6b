package url_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/verge-edge/verge/webapi/url"
	"github.com/verge-edge/verge/webapi/webapitest"
)

// The testdata/*.json files are web-platform-tests' URL and URLPattern test
// data (see testdata/README.md). Each harness below runs a whole file in
// one VM and returns the failures as a list of strings.

// runWPT evaluates harness with `data` bound to the parsed file and
// compares the failures it returns with known (description -> reason).
func runWPT(t *testing.T, file, harness string, known map[string]string) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	vm := webapitest.New(t, url.Extension())
	got := vm.Run(t, "const data = "+string(data)+";\n"+harness)
	var failures []string
	if err := json.Unmarshal([]byte(got), &failures); err != nil {
		t.Fatalf("harness: %s", got)
	}
	seen := map[string]bool{}
	for _, f := range failures {
		seen[f] = true
		if _, ok := known[f]; !ok {
			t.Errorf("%s", f)
		}
	}
	for f := range known {
		if !seen[f] {
			t.Errorf("known failure passes now: %s", f)
		}
	}
}

const urlHarness = `
const fields = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
const out = [];
for (const t of data) {
  if (typeof t === "string") continue;
  const desc = "new URL(" + JSON.stringify(t.input) + ", " + JSON.stringify(t.base) + ")";
  const args = t.base === null ? [t.input] : [t.input, t.base];
  if (t.failure) {
    try { new URL(...args); out.push(desc + ": parsed"); } catch (e) { if (!(e instanceof TypeError)) out.push(desc + ": threw " + e); }
    if (URL.canParse(...args)) out.push(desc + ": canParse true");
    if (URL.parse(...args) !== null) out.push(desc + ": parse not null");
    continue;
  }
  let u;
  try { u = new URL(...args); } catch (e) { out.push(desc + ": threw " + e); continue; }
  for (const f of fields) if (u[f] !== t[f]) out.push(desc + "." + f + " = " + JSON.stringify(u[f]) + ", want " + JSON.stringify(t[f]));
  if ("origin" in t && u.origin !== t.origin) out.push(desc + ".origin = " + JSON.stringify(u.origin) + ", want " + JSON.stringify(t.origin));
  if (u.searchParams.toString() !== new URLSearchParams(u.search).toString()) out.push(desc + ".searchParams");
  if (!URL.canParse(...args) || URL.parse(...args)?.href !== t.href) out.push(desc + ": canParse/parse");
  // The serialization parses to itself.
  if (new URL(u.href).href !== u.href) out.push(desc + ": not idempotent");
}
return out;
`

func TestWPTURL(t *testing.T) {
	runWPT(t, "urltestdata.json", urlHarness, knownURL)
}

const settersHarness = `
const out = [];
for (const [setter, tests] of Object.entries(data)) {
  if (setter === "comment") continue;
  for (const t of tests) {
    const desc = JSON.stringify(t.href) + "." + setter + " = " + JSON.stringify(t.new_value);
    const u = new URL(t.href);
    u[setter] = t.new_value;
    for (const [k, v] of Object.entries(t.expected)) if (u[k] !== v) out.push(desc + ": " + k + " = " + JSON.stringify(u[k]) + ", want " + JSON.stringify(v));
  }
}
return out;
`

func TestWPTSetters(t *testing.T) {
	runWPT(t, "setters_tests.json", settersHarness, knownSetters)
}

const toASCIIHarness = `
const out = [];
for (const t of data) {
  if (typeof t === "string") continue;
  const desc = JSON.stringify(t.input);
  if (t.output === null) {
    if (URL.canParse("https://" + t.input + "/x")) out.push(desc + ": parsed");
    const u = new URL("https://x/x"); u.host = t.input;
    if (u.host !== "x") out.push(desc + ": host setter gave " + u.host);
    continue;
  }
  const u = URL.parse("https://" + t.input + "/x");
  if (u === null) { out.push(desc + ": failed"); continue; }
  if (u.host !== t.output || u.hostname !== t.output || u.pathname !== "/x" || u.href !== "https://" + t.output + "/x") out.push(desc + ": host " + JSON.stringify(u.host));
  const v = new URL("https://x/x"); v.host = t.input;
  if (v.host !== t.output) out.push(desc + ": host setter gave " + v.host);
  const w = new URL("https://x/x"); w.hostname = t.input;
  if (w.hostname !== t.output) out.push(desc + ": hostname setter gave " + w.hostname);
}
return out;
`

func TestWPTToASCII(t *testing.T) {
	runWPT(t, "toascii.json", toASCIIHarness, nil)
}

// patternHarness follows web-platform-tests' urlpatterntests.js.
const patternHarness = `
const kComponents = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const EARLIER = { protocol: [], hostname: ["protocol"], port: ["protocol", "hostname"], username: [], password: [],
  pathname: ["protocol", "hostname", "port"], search: ["protocol", "hostname", "port", "pathname"],
  hash: ["protocol", "hostname", "port", "pathname", "search"] };
const out = [];
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}
for (const entry of data) {
  const desc = "Pattern: " + JSON.stringify(entry.pattern) + " Inputs: " + JSON.stringify(entry.inputs);
  const fail = (m) => out.push(desc + ": " + m);
  try {
    if (entry.expected_obj === "error") {
      try { new URLPattern(...entry.pattern); fail("constructed"); } catch (e) { if (!(e instanceof TypeError)) fail("threw " + e); }
      continue;
    }
    const pattern = new URLPattern(...entry.pattern);
    const eo = entry.expected_obj || {};
    for (const component of kComponents) {
      let expected = eo[component];
      if (expected == undefined) {
        let baseURL = null;
        if (entry.pattern.length > 0 && entry.pattern[0].baseURL) baseURL = new URL(entry.pattern[0].baseURL);
        else if (entry.pattern.length > 1 && typeof entry.pattern[1] === "string") baseURL = new URL(entry.pattern[1]);
        if (entry.exactly_empty_components && entry.exactly_empty_components.includes(component)) expected = "";
        else if (typeof entry.pattern[0] === "object" && entry.pattern[0][component]) expected = entry.pattern[0][component];
        else if (typeof entry.pattern[0] === "object" && EARLIER[component].some((c) => entry.pattern[0][c] !== undefined)) expected = "*";
        else if (baseURL && component !== "username" && component !== "password") {
          let v = baseURL[component];
          if (component === "protocol") v = v.substring(0, v.length - 1);
          else if (component === "search" || component === "hash") v = v.substring(1, v.length);
          expected = v;
        } else expected = "*";
      }
      if (pattern[component] !== expected) fail(component + " = " + JSON.stringify(pattern[component]) + ", want " + JSON.stringify(expected));
    }
    if (entry.expected_match === "error") {
      try { pattern.test(...entry.inputs); fail("test() did not throw"); } catch (e) { if (!(e instanceof TypeError)) fail("test() threw " + e); }
      try { pattern.exec(...entry.inputs); fail("exec() did not throw"); } catch (e) { if (!(e instanceof TypeError)) fail("exec() threw " + e); }
      continue;
    }
    if (pattern.test(...entry.inputs) !== !!entry.expected_match) { fail("test() = " + !entry.expected_match); continue; }
    const r = pattern.exec(...entry.inputs);
    if (!entry.expected_match || typeof entry.expected_match !== "object") {
      if (r !== entry.expected_match) fail("exec() = " + JSON.stringify(r));
      continue;
    }
    const em = entry.expected_match;
    const inputs = em.inputs || entry.inputs;
    if (r.inputs.length !== inputs.length) fail("inputs.length");
    for (let i = 0; i < r.inputs.length; i++) {
      if (typeof r.inputs[i] === "string") { if (r.inputs[i] !== inputs[i]) fail("inputs[" + i + "]"); continue; }
      for (const c of kComponents) if (r.inputs[i][c] !== inputs[i][c]) fail("inputs[" + i + "]." + c);
    }
    for (const c of kComponents) {
      let e = em[c];
      if (!e) {
        e = { input: "", groups: {} };
        if (!entry.exactly_empty_components || !entry.exactly_empty_components.includes(c)) e.groups["0"] = "";
      }
      for (const k in e.groups) if (e.groups[k] === null) e.groups[k] = undefined;
      if (!same(r[c], e)) fail("exec()." + c + " = " + JSON.stringify(r[c], (k, v) => v === undefined ? "<undefined>" : v) + ", want " + JSON.stringify(e, (k, v) => v === undefined ? "<undefined>" : v));
    }
  } catch (e) {
    fail("threw " + e);
  }
}
return out;
`

func TestWPTURLPattern(t *testing.T) {
	const vFlag = "regexp groups compile with Go's RE2, which lacks the v flag's set operations"
	runWPT(t, "urlpatterntestdata.json", patternHarness, map[string]string{
		`Pattern: [{"pathname":"/([[a-z]--a])"}] Inputs: [{"pathname":"/z"}]: test() = false`:   vFlag,
		`Pattern: [{"pathname":"/([\\d&&[0-1]])"}] Inputs: [{"pathname":"/0"}]: test() = false`: vFlag,
	})
}
