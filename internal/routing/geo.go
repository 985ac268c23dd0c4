package routing

import (
	"fmt"
	"math"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Geo tries the target whose region is nearest the caller first, the
// others by great-circle distance, and targets without a region last in
// listed order. A target's region is its own `region` or else its
// provider's; it must be in the region table (RegionLocation).
//
// The caller's position is, in order of preference: in.Caller's
// coordinates when Known, the centre of in.Caller.Country
// (CountryLocation), the position of in.Caller.Region. Without any: listed
// order. in.Caller.Region is the gateway's own region (server.region or
// AWS_REGION), the stand-in for a caller whose location is not known.
//
// Explain reports where Known coordinates came from by in.Caller.Source,
// never by comparing them with the tables: RegionLocation labels its
// positions FromOwnRegion and CountryLocation FromCountry, so a position
// taken from either keeps its label. Known coordinates with no Source are
// taken as measured (FromCoordinates), even when they equal a table entry.
type Geo struct {
	locs []Location // per target; Known false for a target without region
}

var _ Strategy = (*Geo)(nil)

// NewGeo validates a geo router: every target region, when set, must be a
// known region.
func NewGeo(r *config.Router, targets []TargetInfo) (*Geo, error) {
	g := &Geo{locs: make([]Location, len(targets))}
	for i, t := range targets {
		if t.Region == "" {
			continue
		}
		loc, ok := RegionLocation(t.Region)
		if !ok {
			if i < len(r.Targets) && r.Targets[i].Region == "" {
				// The region came from the target's provider.
				return nil, fmt.Errorf("targets[%d]: its provider's region %q is not a region geo routing knows (set the target's region to one that is; see docs/strategies.md)", i, t.Region)
			}
			return nil, fmt.Errorf("targets[%d].region: unknown region %q (see docs/strategies.md for the known regions)", i, t.Region)
		}
		g.locs[i] = loc
	}
	return g, nil
}

const (
	reasonDistance = "great-circle km from the caller (nearest first)"
	reasonNoRegion = "no region (score -1): after located targets"
)

// Order sorts targets by distance from the caller.
func (g *Geo) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := min(len(targets), len(g.locs))
	var caller Location
	var why string
	if in != nil {
		caller, why = callerLocation(in.Caller)
	}
	if !caller.Known {
		listed(len(targets), p)
		p.Why = "caller location unknown: listed order"
		return
	}
	var keyBuf [scratchSize]float64
	keys := keyBuf[:0]
	if n > scratchSize {
		keys = make([]float64, 0, n)
	}
	for i := range n {
		if !g.locs[i].Known {
			keys = append(keys, math.Inf(1))
			p.SetScore(n, i, -1, reasonNoRegion)
			continue
		}
		d := distanceKm(caller, g.locs[i])
		keys = append(keys, d)
		p.SetScore(n, i, math.Round(d), reasonDistance)
	}
	base := len(p.Order)
	listed(n, p)
	sortByKey(p.Order[base:], keys)
	p.Why = why
}

const (
	whyCoordinates = "nearest region to the caller's coordinates first"
	whyCountry     = "nearest region to the caller's country first"
	whyOwnRegion   = "caller location unknown: nearest region to the gateway's own region first"
)

// callerLocation resolves where the caller is and says how it was known.
// Known coordinates are used as given; otherwise the country's and then the
// region's table position, which carry their own Source.
func callerLocation(c Location) (Location, string) {
	if c.Known {
		return c, whyFrom(c.Source)
	}
	if l, ok := CountryLocation(c.Country); ok {
		return l, whyFrom(l.Source)
	}
	if l, ok := RegionLocation(c.Region); ok {
		return l, whyFrom(l.Source)
	}
	return Location{}, ""
}

// whyFrom is explain's line for a position learnt from source. An empty
// (or unrecognised) Source is measured coordinates: only RegionLocation
// and CountryLocation make table positions, and they label them.
func whyFrom(source LocationSource) string {
	switch source {
	case FromCountry:
		return whyCountry
	case FromOwnRegion:
		return whyOwnRegion
	}
	return whyCoordinates
}

// distanceKm is the haversine great-circle distance.
func distanceKm(a, b Location) float64 {
	const earthRadiusKm = 6371.0
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}
