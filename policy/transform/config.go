package transform

// Config is a route's [transform] table.
type Config struct {
	// RequestHeaders change the request seen by the stages behind this
	// one (cache, worker, origin).
	RequestHeaders HeaderOps `toml:"request_headers"`
	// ResponseHeaders change the response sent to the client.
	ResponseHeaders HeaderOps `toml:"response_headers"`
	// Rewrites change the URL the worker or origin sees; the first whose
	// From matches applies.
	Rewrites []Rewrite `toml:"rewrites"`
	// Redirects answer matching requests with a 3xx; the first whose From
	// matches applies.
	Redirects []Redirect `toml:"redirects"`
	// CORS, when set, answers preflights and adds CORS response headers.
	CORS *CORS `toml:"cors"`
}

// HeaderOps are operations on a header, applied in the order of the
// fields: Remove, Rename, Set, Add.
type HeaderOps struct {
	// Set replaces a header's values; values may contain placeholders.
	Set map[string]string `toml:"set"`
	// Add appends a value; values may contain placeholders.
	Add map[string]string `toml:"add"`
	// Remove deletes headers.
	Remove []string `toml:"remove"`
	// Rename maps a header to a new name, which receives its values.
	Rename map[string]string `toml:"rename"`
}

// Rewrite changes a request's URL.
type Rewrite struct {
	// From is a regular expression matched against the escaped path (and
	// "?query" when it contains \?).
	From string `toml:"from"`
	// To is the new path, with optional query; it may use From's
	// captures and must start with "/".
	To string `toml:"to"`
}

// Redirect answers a request with a redirect.
type Redirect struct {
	// From is matched as in Rewrite.
	From string `toml:"from"`
	// To is a path or an absolute URL; it may use From's captures.
	To string `toml:"to"`
	// Status is 301, 302, 303, 307 or 308; 0 means 301.
	Status int `toml:"status"`
	// PreserveQuery appends the request's query to To.
	PreserveQuery bool `toml:"preserve_query"`
}

// CORS is the cross-origin resource sharing policy.
type CORS struct {
	// AllowOrigins lists allowed origins: exact ones, "*", or patterns
	// with a leading "*." in the host, such as https://*.example.com.
	AllowOrigins []string `toml:"allow_origins"`
	// AllowMethods lists the methods a preflight may ask for; ["*"]
	// allows any. Empty means GET, HEAD, POST.
	AllowMethods []string `toml:"allow_methods"`
	// AllowHeaders lists the request headers a preflight may ask for;
	// ["*"] allows any.
	AllowHeaders []string `toml:"allow_headers"`
	// ExposeHeaders lists the response headers scripts may read.
	ExposeHeaders []string `toml:"expose_headers"`
	// AllowCredentials lets requests with cookies or HTTP auth through;
	// it cannot be combined with the "*" origin.
	AllowCredentials bool `toml:"allow_credentials"`
	// MaxAge is how long, in seconds, a browser may cache a preflight
	// answer; 0 leaves it to the browser.
	MaxAge int `toml:"max_age"`
}
