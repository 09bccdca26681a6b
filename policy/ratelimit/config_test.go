package ratelimit

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigFromTOML(t *testing.T) {
	var cfg Config
	_, err := toml.Decode(`
key = "ip+header:X-Api-Key"
algorithm = "token_bucket"
requests = 100
period = "1m"
burst = 20
status = 429
body = "slow down"
content_type = "text/plain"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Key: "ip+header:X-Api-Key", Algorithm: TokenBucket, Requests: 100, Period: Duration(time.Minute),
		Burst: 20, Status: 429, Body: "slow down", ContentType: "text/plain"}
	if cfg != want {
		t.Fatalf("decoded %+v, want %+v", cfg, want)
	}
	if _, err := New(cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := toml.Decode(`period = "ten seconds"`, &cfg); err == nil {
		t.Error("a bad duration decoded")
	}
	if b, _ := Duration(90 * time.Second).MarshalText(); string(b) != "1m30s" {
		t.Errorf("MarshalText = %q", b)
	}
}

func TestConfigErrors(t *testing.T) {
	huge := int64(1) << 40 // a variable: the constant would not compile where int is 32 bits
	ok := Config{Requests: 10, Period: Duration(time.Second)}
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Requests = 0 }, "rate_limit.requests: "},
		{func(c *Config) { c.Requests = -1 }, "rate_limit.requests: "},
		{func(c *Config) { c.Requests = int(huge) }, "rate_limit.requests: "},
		{func(c *Config) { c.Period = 0 }, "rate_limit.period: required"},
		{func(c *Config) { c.Period = -1 }, "rate_limit.period: "},
		{func(c *Config) { c.Period = Duration(time.Microsecond) }, "rate_limit.period: "},
		{func(c *Config) { c.Period = Duration(400 * 24 * time.Hour) }, "rate_limit.period: "},
		{func(c *Config) { c.Algorithm = "leaky" }, "rate_limit.algorithm: "},
		{func(c *Config) { c.Burst = 5 }, "rate_limit.burst: only for"},
		{func(c *Config) { c.Algorithm = TokenBucket; c.Burst = -5 }, "rate_limit.burst: "},
		{func(c *Config) {
			c.Algorithm = TokenBucket
			c.Requests = 1
			c.Period = Duration(time.Hour)
			c.Burst = 10_000
		}, "rate_limit.burst: "},
		{func(c *Config) {
			c.Algorithm = TokenBucket
			c.Requests = 2_000_000_000
			c.Period = Duration(time.Second)
		}, "rate_limit.requests: "},
		{func(c *Config) { c.Status = 200 }, "rate_limit.status: "},
		{func(c *Config) { c.Status = 302 }, "rate_limit.status: "},
		{func(c *Config) { c.Status = 600 }, "rate_limit.status: "},
		{func(c *Config) { c.ContentType = "text/plain; ;" }, "rate_limit.content_type: "},
		{func(c *Config) { c.Key = "cookie:session" }, "rate_limit.key: "},
	} {
		cfg := ok
		tc.change(&cfg)
		_, err := New(cfg, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want prefix %q", cfg, err, tc.want)
		}
	}
	for _, cfg := range []Config{
		ok,
		{Requests: 1, Period: Duration(time.Millisecond)},
		{Requests: 5, Period: Duration(366 * 24 * time.Hour)},
		{Algorithm: SlidingWindow, Requests: 10, Period: Duration(250 * time.Millisecond), Status: 503},
		{Algorithm: TokenBucket, Requests: 1, Period: Duration(time.Hour), Burst: 100},
	} {
		if _, err := New(cfg, Options{}); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
