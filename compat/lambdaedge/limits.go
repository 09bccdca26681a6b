package lambdaedge

import "time"

// Limits are the per-trigger quotas. DefaultLimits gives AWS's values; a
// deployment may raise Memory for origin triggers as Lambda allows.
type Limits struct {
	Timeout  time.Duration
	MemoryMB int
	// MaxGeneratedResponse caps a generated response, headers plus body.
	MaxGeneratedResponse int
	// MaxExposedBody is where an included request body is truncated.
	MaxExposedBody int
	// MaxReplacedBodyText and MaxReplacedBodyBase64 cap a replaced request
	// body by its encoding, as AWS's table does (40 KB / 53.2 KB viewer,
	// 1 MB / 1.33 MB origin).
	MaxReplacedBodyText   int
	MaxReplacedBodyBase64 int
	// MaxURI caps len(uri)+len(querystring); AWS requires less than 8,192.
	MaxURI int
}

const (
	kb = 1024
	mb = 1024 * kb
)

// DefaultLimits returns AWS's quotas for trigger t: viewer triggers 5 s,
// 128 MB, 40 KB; origin triggers 30 s, 128 MB (Lambda's default), 1 MB.
func DefaultLimits(t EventType) Limits {
	if t.IsViewer() {
		return Limits{
			Timeout:               5 * time.Second,
			MemoryMB:              128,
			MaxGeneratedResponse:  40 * kb,
			MaxExposedBody:        40 * kb,
			MaxReplacedBodyText:   40 * kb,
			MaxReplacedBodyBase64: 53*kb + kb/5, // 53.2 KB
			MaxURI:                8192,
		}
	}
	return Limits{
		Timeout:               30 * time.Second,
		MemoryMB:              128,
		MaxGeneratedResponse:  mb,
		MaxExposedBody:        mb,
		MaxReplacedBodyText:   mb,
		MaxReplacedBodyBase64: mb * 133 / 100, // 1.33 MB
		MaxURI:                8192,
	}
}
