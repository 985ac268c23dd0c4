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
		{"Europe by coordinates (Paris)", Location{Lat: 48.86, Lon: 2.35, Known: true}, "frankfurt virginia mumbai oregon tokyo none", "nearest region to the caller's coordinates first"},
		{"Europe by country", Location{Country: "de"}, "frankfurt mumbai virginia oregon tokyo none", "nearest region to the caller's country first"},
		{"US west by region", Location{Region: "us-west-1", Country: "JP"}, "oregon virginia tokyo frankfurt mumbai none", "nearest region to the caller's region first"},
		{"US east by coordinates (New York)", Location{Lat: 40.7, Lon: -74.0, Known: true}, "virginia oregon frankfurt tokyo mumbai none", "nearest region to the caller's coordinates first"},
		{"Asia by country (Japan)", Location{Country: "JP"}, "tokyo mumbai oregon frankfurt virginia none", "nearest region to the caller's country first"},
		{"Asia by country (India)", Location{Country: "IN"}, "mumbai tokyo frankfurt oregon virginia none", "nearest region to the caller's country first"},
		{"unknown region falls to country", Location{Region: "mars-1", Country: "FR"}, names(ts, order(g, &Input{Caller: paris}, ts)), "nearest region to the caller's country first"},
		{"unknown caller", Location{}, "virginia frankfurt tokyo none oregon mumbai", "caller location unknown: listed order"},
		{"unknown country", Location{Country: "ZZ"}, "virginia frankfurt tokyo none oregon mumbai", "caller location unknown: listed order"},
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
