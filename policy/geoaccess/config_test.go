package geoaccess

import (
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestConfigFromTOML(t *testing.T) {
	var cfg Config
	_, err := toml.Decode(`
allow_continents = ["EU"]
deny_countries = ["RU", "by", "T1"]
deny_asns = [64496]
status = 451
body = "Not available in your region"
content_type = "text/plain"
unknown = "deny"
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		AllowContinents: []string{"EU"}, DenyCountries: []string{"RU", "by", "T1"}, DenyASNs: []int{64496},
		Status: 451, Body: "Not available in your region", ContentType: "text/plain", Unknown: "deny",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("decoded %+v, want %+v", cfg, want)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !p.s.countries.set["BY"] {
		t.Error("country codes are not normalized to upper case")
	}
}

func TestConfigErrors(t *testing.T) {
	huge := int64(1) << 32 // a variable: the constant would not compile where int is 32 bits
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "geo_access: give at least one"},
		{Config{AllowCountries: []string{}, DenyASNs: []int{}}, "geo_access: give at least one"},
		{Config{AllowCountries: []string{"US"}, DenyCountries: []string{"RU"}},
			"geo_access.allow_countries and geo_access.deny_countries: "},
		{Config{AllowContinents: []string{"EU"}, DenyContinents: []string{"AS"}},
			"geo_access.allow_continents and geo_access.deny_continents: "},
		{Config{AllowASNs: []int{1}, DenyASNs: []int{2}}, "geo_access.allow_asns and geo_access.deny_asns: "},
		{Config{AllowCountries: []string{"US", "USA"}}, `geo_access.allow_countries[1]: "USA" is not`},
		{Config{DenyCountries: []string{""}}, "geo_access.deny_countries[0]: "},
		{Config{DenyCountries: []string{"1T"}}, "geo_access.deny_countries[0]: "},
		{Config{DenyCountries: []string{"U1"}}, "geo_access.deny_countries[0]: "},
		{Config{DenyCountries: []string{"É"}}, "geo_access.deny_countries[0]: "},
		{Config{AllowContinents: []string{"EUR"}}, "geo_access.allow_continents[0]: "},
		{Config{DenyContinents: []string{"AM"}}, "geo_access.deny_continents[0]: "},
		{Config{DenyASNs: []int{0}}, "geo_access.deny_asns[0]: "},
		{Config{AllowASNs: []int{-5}}, "geo_access.allow_asns[0]: "},
		{Config{AllowASNs: []int{int(huge)}}, "geo_access.allow_asns[0]: "},
		{Config{DenyCountries: []string{"RU"}, Unknown: "block"}, "geo_access.unknown: "},
		{Config{DenyCountries: []string{"RU"}, Status: 200}, "geo_access.status: "},
		{Config{DenyCountries: []string{"RU"}, Status: 302}, "geo_access.status: "},
		{Config{DenyCountries: []string{"RU"}, Status: 503}, "geo_access.status: "},
		{Config{DenyCountries: []string{"RU"}, ContentType: "text/plain; ;"}, "geo_access.content_type: "},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
	for _, cfg := range []Config{
		{DenyCountries: []string{"RU"}, Status: http.StatusForbidden},
		{DenyCountries: []string{"RU"}, Status: http.StatusUnavailableForLegalReasons},
		{DenyCountries: []string{"RU"}, Status: http.StatusNotFound},
		{AllowCountries: []string{"xx", "t1", "de"}, Unknown: "deny"},
		{AllowContinents: []string{"af", "AN", "AS", "EU", "NA", "OC", "SA"}, DenyCountries: []string{"RU"}, DenyASNs: []int{int(min(huge-1, math.MaxInt))}},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
