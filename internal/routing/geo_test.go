package routing

import (
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func geoTargets() []TargetInfo {
	ts := models("virginia", "frankfurt", "tokyo", "none", "oregon", "mumbai")
	regions := []string{"us-east-1", "eu-central-1", "ap-northeast-1", "", "us-west-2", "asia-south1"}
	for i := range ts {
		ts[i].Region = regions[i]
	}
	return ts
}

func TestGeoOrder(t *testing.T) {
	ts := geoTargets()
	g, err := NewGeo(&config.Router{Targets: configTargets(ts)}, ts)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := CountryLocation("FR")
	tests := []struct {
		name    string
		caller  Location
		want    string
		wantWhy string
	}{
		{"Europe by coordinates (Paris)", Location{Lat: 48.86, Lon: 2.35, Known: true}, "frankfurt virginia mumbai oregon tokyo none", whyCoordinates},
		{"Europe by country", Location{Country: "de"}, "frankfurt mumbai virginia oregon tokyo none", whyCountry},
		{"US west by the gateway's region", Location{Region: "us-west-1"}, "oregon virginia tokyo frankfurt mumbai none", whyOwnRegion},
		{"country before the gateway's region", Location{Region: "us-west-1", Country: "JP"}, "tokyo mumbai oregon frankfurt virginia none", whyCountry},
		{"US east by coordinates (New York)", Location{Lat: 40.7, Lon: -74.0, Known: true}, "virginia oregon frankfurt tokyo mumbai none", whyCoordinates},
		{"Asia by country (Japan)", Location{Country: "JP"}, "tokyo mumbai oregon frankfurt virginia none", whyCountry},
		{"Asia by country (India)", Location{Country: "IN"}, "mumbai tokyo frankfurt oregon virginia none", whyCountry},
		{"unknown region falls to country", Location{Region: "mars-1", Country: "FR"}, names(ts, order(g, &Input{Caller: paris}, ts)), whyCountry},
		{"unknown country falls to region", Location{Region: "eu-west-2", Country: "ZZ"}, "frankfurt virginia mumbai oregon tokyo none", whyOwnRegion},
		{"unknown caller", Location{}, "virginia frankfurt tokyo none oregon mumbai", "caller location unknown: listed order"},
		{"unknown country", Location{Country: "ZZ"}, "virginia frankfurt tokyo none oregon mumbai", "caller location unknown: listed order"},
		{"unknown region", Location{Region: "on-prem"}, "virginia frankfurt tokyo none oregon mumbai", "caller location unknown: listed order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := order(g, &Input{Caller: tt.caller}, ts)
			if got := names(ts, p); got != tt.want || p.Why != tt.wantWhy {
				t.Errorf("order %q why %q\nwant  %q why %q", got, p.Why, tt.want, tt.wantWhy)
			}
		})
	}
	t.Run("nil input", func(t *testing.T) {
		if got := names(ts, order(g, nil, ts)); got != "virginia frankfurt tokyo none oregon mumbai" {
			t.Errorf("order %q, want listed", got)
		}
	})
	t.Run("scores are km", func(t *testing.T) {
		p := order(g, &Input{Caller: Location{Region: "eu-west-2"}}, ts) // London
		if d := p.Scores[1]; math.Abs(d-640) > 30 {
			t.Errorf("London to Frankfurt scored %v km, want about 640", d)
		}
		if p.Scores[3] != -1 || p.Reasons[3] != reasonNoRegion {
			t.Errorf("region-less target: %v %q", p.Scores[3], p.Reasons[3])
		}
	})
}

// TestGeoCallerFromGateway: the HTTP layer hands geo a Known position
// built from the gateway's own region (geo headers untrusted or absent),
// from CloudFront-Viewer-Country, or from CloudFront-Viewer-Latitude and
// -Longitude. Explain must say which, not call every one of them the
// caller's coordinates.
func TestGeoCallerFromGateway(t *testing.T) {
	ts := geoTargets()
	g, err := NewGeo(&config.Router{Targets: configTargets(ts)}, ts)
	if err != nil {
		t.Fatal(err)
	}
	// As httpapi builds it: the gateway's region, then what trusted
	// headers add on top.
	own, ok := RegionLocation("us-east-1")
	if !ok {
		t.Fatal("us-east-1 not in the table")
	}
	withCountry := func(cc string) Location {
		l := own
		l.Country = cc
		if c, ok := CountryLocation(cc); ok {
			l.Lat, l.Lon, l.Source = c.Lat, c.Lon, c.Source
		}
		return l
	}
	withCoords := func(cc string, lat, lon float64) Location {
		l := withCountry(cc)
		l.Lat, l.Lon, l.Source = lat, lon, FromCoordinates
		return l
	}
	tests := []struct {
		name    string
		caller  Location
		want    string
		wantWhy string
	}{
		{"no geo headers: the gateway's region", own, "virginia oregon frankfurt tokyo mumbai none", whyOwnRegion},
		{"country header", withCountry("DE"), "frankfurt mumbai virginia oregon tokyo none", whyCountry},
		{"country header not in the table", withCountry("ZZ"), "virginia oregon frankfurt tokyo mumbai none", whyOwnRegion},
		{"coordinate headers", withCoords("JP", 35.6, 139.7), "tokyo mumbai oregon frankfurt virginia none", whyCoordinates},
		{"coordinate headers, no country", withCoords("", 48.86, 2.35), "frankfurt virginia mumbai oregon tokyo none", whyCoordinates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := order(g, &Input{Caller: tt.caller}, ts)
			if got := names(ts, p); got != tt.want || p.Why != tt.wantWhy {
				t.Errorf("order %q why %q\nwant  %q why %q", got, p.Why, tt.want, tt.wantWhy)
			}
		})
	}
}

func TestDistanceKm(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		km   float64
	}{
		{"us-east-1", "eu-west-2", 5900},       // Washington–London
		{"ap-northeast-1", "us-west-1", 8250},  // Tokyo–San Francisco
		{"ap-southeast-2", "sa-east-1", 13350}, // Sydney–São Paulo
		{"eu-west-3", "eu-west-3", 0},
	} {
		a, _ := RegionLocation(tt.a)
		b, _ := RegionLocation(tt.b)
		if d := distanceKm(a, b); math.Abs(d-tt.km) > tt.km*0.03+1 {
			t.Errorf("%s to %s: %.0f km, want about %.0f", tt.a, tt.b, d, tt.km)
		}
	}
}

func TestRegionTables(t *testing.T) {
	for code, ll := range regionCoords {
		if ll[0] < -90 || ll[0] > 90 || ll[1] < -180 || ll[1] > 180 {
			t.Errorf("region %s has impossible coordinates %v", code, ll)
		}
	}
	for cc, ll := range countryCoords {
		if len(cc) != 2 || ll[0] < -90 || ll[0] > 90 || ll[1] < -180 || ll[1] > 180 {
			t.Errorf("country %s: bad code or coordinates %v", cc, ll)
		}
	}
	for _, tt := range []struct {
		code string
		ok   bool
	}{{"us-east-1", true}, {"US-EAST-1", true}, {"europe-west4", true}, {"westeurope", true}, {"eu", true}, {"nowhere-1", false}, {"", false}} {
		if _, ok := RegionLocation(tt.code); ok != tt.ok {
			t.Errorf("RegionLocation(%q) ok = %v, want %v", tt.code, ok, tt.ok)
		}
	}
	for _, tt := range []struct {
		cc   string
		want string
		ok   bool
	}{{"de", "DE", true}, {"UK", "GB", true}, {"gb", "GB", true}, {"XX", "", false}, {"", "", false}} {
		l, ok := CountryLocation(tt.cc)
		if ok != tt.ok || l.Country != tt.want || l.Known != ok {
			t.Errorf("CountryLocation(%q) = %+v, %v", tt.cc, l, ok)
		}
	}
}

// TestRegionCoverage: every AWS region, every Google Cloud region and
// every public Azure region is in the table, so a provider or target in any
// of them passes validation and is placed. Lists as of 2025-2026.
func TestRegionCoverage(t *testing.T) {
	aws := []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
		"ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
		"ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
		"eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2", "il-central-1",
		"me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
		"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "eusc-de-east-1",
	}
	gcp := []string{
		"africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
		"asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2", "asia-southeast3",
		"australia-southeast1", "australia-southeast2", "europe-central2", "europe-north1", "europe-north2",
		"europe-southwest1", "europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-west6",
		"europe-west8", "europe-west9", "europe-west10", "europe-west12", "me-central1", "me-central2",
		"me-west1", "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1",
		"southamerica-east1", "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5",
		"us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
	}
	azure := []string{
		"australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
		"belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
		"centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
		"francesouth", "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral",
		"italynorth", "japaneast", "japanwest", "jioindiacentral", "jioindiawest", "koreacentral",
		"koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus", "northeurope",
		"norwayeast", "norwaywest", "polandcentral", "qatarcentral", "southafricanorth", "southafricawest",
		"southcentralus", "southindia", "southeastasia", "spaincentral", "swedencentral", "swedensouth",
		"switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest",
		"westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
	}
	for _, list := range [][]string{aws, gcp, azure} {
		for _, code := range list {
			if _, ok := RegionLocation(code); !ok {
				t.Errorf("region %s is missing from the table", code)
			}
		}
	}
	// Spot checks that a new entry sits in its metro area, not a copy-paste
	// of a neighbour: {code, nearest other code, at most km apart}.
	for _, tt := range []struct {
		code, near string
		km         float64
	}{
		{"switzerlandwest", "switzerlandnorth", 250}, // Geneva–Zurich
		{"australiacentral", "australiaeast", 300},   // Canberra–Sydney
		{"brazilsoutheast", "brazilsouth", 400},      // Rio–São Paulo
		{"westindia", "ap-south-1", 20},              // Mumbai
		{"asia-southeast3", "ap-southeast-7", 20},    // Bangkok
	} {
		a, _ := RegionLocation(tt.code)
		b, _ := RegionLocation(tt.near)
		if d := distanceKm(a, b); d > tt.km {
			t.Errorf("%s is %.0f km from %s, want at most %.0f", tt.code, d, tt.near, tt.km)
		}
	}
}

func TestGeoValidation(t *testing.T) {
	ts := models("a", "b")
	tests := []struct {
		name           string
		cfgRegion      string // the target's own region in config
		compiledRegion string // after the provider's region is filled in
		wantErr        string
	}{
		{"known", "eu-west-1", "eu-west-1", ""},
		{"unset", "", "", ""},
		{"from provider", "", "us-east-2", ""},
		{"unknown", "moon-1", "moon-1", `targets[1].region: unknown region "moon-1"`},
		{"unknown from provider", "", "on-prem", `targets[1]: its provider's region "on-prem" is not a region geo routing knows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &config.Router{Targets: configTargets(ts)}
			r.Targets[1].Region = tt.cfgRegion
			info := append([]TargetInfo(nil), ts...)
			info[1].Region = tt.compiledRegion
			_, err := NewGeo(r, info)
			wantErr(t, err, tt.wantErr)
		})
	}
}

// TestGeoReasonFollowsTheSource: a position is reported by its Source,
// never guessed by comparing coordinates with the tables. Unlabelled Known
// coordinates are measured ones, even when they equal a table entry.
func TestGeoReasonFollowsTheSource(t *testing.T) {
	de, _ := CountryLocation("DE")
	fra, _ := RegionLocation("eu-central-1")
	cases := []struct {
		name string
		loc  Location
		want string
	}{
		{"coordinates", Location{Country: "DE", Lat: de.Lat, Lon: de.Lon, Known: true, Source: FromCoordinates}, whyCoordinates},
		{"country", Location{Country: "DE", Lat: de.Lat, Lon: de.Lon, Known: true, Source: FromCountry}, whyCountry},
		{"own region", Location{Country: "DE", Lat: de.Lat, Lon: de.Lon, Known: true, Source: FromOwnRegion}, whyOwnRegion},
		{"unlabelled at the country's centre", Location{Country: "DE", Lat: de.Lat, Lon: de.Lon, Known: true}, whyCoordinates},
		{"unlabelled at the region's position", Location{Region: "eu-central-1", Lat: fra.Lat, Lon: fra.Lon, Known: true}, whyCoordinates},
		{"CountryLocation as is", de, whyCountry},
		{"RegionLocation as is", fra, whyOwnRegion},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, why := callerLocation(c.loc)
			if why != c.want || got != c.loc {
				t.Errorf("callerLocation(%+v) = %+v, %q; want it unchanged, %q", c.loc, got, why, c.want)
			}
		})
	}
}

// TestTableLocationsAreLabelled: positions from the tables say which table
// they came from, so callers need not set Source themselves.
func TestTableLocationsAreLabelled(t *testing.T) {
	if l, _ := RegionLocation("US-EAST-1"); l.Source != FromOwnRegion {
		t.Errorf("RegionLocation source %q, want %q", l.Source, FromOwnRegion)
	}
	if l, _ := CountryLocation("uk"); l.Source != FromCountry {
		t.Errorf("CountryLocation source %q, want %q", l.Source, FromCountry)
	}
	if l, ok := RegionLocation("nowhere-1"); ok || l != (Location{}) {
		t.Errorf("unknown region: %+v, %v; want the zero Location", l, ok)
	}
	if l, ok := CountryLocation("ZZ"); ok || l != (Location{}) {
		t.Errorf("unknown country: %+v, %v; want the zero Location", l, ok)
	}
}
