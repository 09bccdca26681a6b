package geo_test

import (
	"fmt"
	"net/netip"

	"github.com/verge-edge/verge/geo"
)

// A --cf value becomes the Location and the extra keys of request.cf.
func ExampleParseCF() {
	loc, rest, err := geo.ParseCF(`{"country":"AR","city":"Buenos Aires","colo":"EZE"}`)
	if err != nil {
		panic(err)
	}
	cf := geo.CF(loc, geo.RequestInfo{HTTPProtocol: "HTTP/2.0"})
	for k, v := range rest {
		cf[k] = v
	}
	fmt.Println(cf["country"], cf["city"], cf["colo"], cf["httpProtocol"], cf["latitude"])
	// Output: AR Buenos Aires EZE HTTP/2 <nil>
}

func ExampleVercelHeaders() {
	h := geo.VercelHeaders(geo.Location{Country: "BR", RegionCode: "SP", City: "São Paulo"})
	fmt.Println(h.Get("x-vercel-ip-country"), h.Get("x-vercel-ip-country-region"), h.Get("x-vercel-ip-city"))
	// Output: BR SP S%C3%A3o%20Paulo
}

// Merge pairs a City database with an ASN database; Default covers
// addresses neither knows, such as loopback.
func ExampleMerge() {
	locator := geo.Merge(geo.Static(geo.Location{Country: "DE", City: "Berlin"}), geo.Static(geo.Location{ASN: 3320}))
	loc, ok := locator.Lookup(netip.MustParseAddr("127.0.0.1"))
	if !ok {
		loc = geo.Default()
	}
	fmt.Println(loc.Country, loc.City, loc.ASN)
	// Output: DE Berlin 3320
}
