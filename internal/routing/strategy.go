package routing

import (
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/condition"
)

// Strategy orders a router's targets for one request.
type Strategy interface {
	// Order appends target indices, in the order to try them, to p.Order,
	// and may set per-target scores and reasons for explain. It must not
	// fail: config validation has already rejected what cannot work.
	// Indices of targets it wants skipped are simply left out.
	Order(in *Input, targets []TargetInfo, p *Plan)
}

// TargetInfo is what a strategy may know of one target without I/O.
type TargetInfo struct {
	// Key is "provider/model" for a model target, "router/<name>" for a
	// named router, "inline#<i>" for an inline router.
	Key    string
	Name   string // the target's name (arm label); defaults to Key
	Weight float64
	// Drained is a target whose weight is written as 0 on a weighted or
	// percentage router: it gets no traffic, first or as a fallback.
	Drained bool
	Region  string // the target's or its provider's region
	// Leaf is true for a model target.
	Leaf bool
	// Leaves are the model keys under a router target (for least_loaded,
	// whose load on a router target is the sum of its models' loads).
	Leaves []string
}

// Input is the request-side facts a strategy may use. Every field is read
// only; snapshots are shared between concurrent requests.
type Input struct {
	Request *chat.Request
	// Vars resolves condition variables (metadata.*, headers.*, budget.*...).
	Vars condition.Vars
	// Rand is a per-request source of randomness; tests seed it.
	Rand Rand
	Now  time.Time
	// Stats are rolling per-target metrics (nil when none yet).
	Stats StatsSource
	// Load is in-flight counts per target key (nil when unknown).
	Load LoadSource
	// Costs estimates this request's cost on a model target (USD, ok=false
	// when the model has no known price).
	Costs CostSource
	// Caller is where the request comes from, for geo routing.
	Caller Location
	// Peek asks stateful strategies (round_robin, weighted, least_loaded's
	// tie rotation) for the decision the next request would get, without
	// advancing their state: explain sets it, so explaining shows what
	// the real call then does and does not shift live traffic.
	Peek bool
}

// Rand is the randomness a strategy may use (math/rand/v2's *Rand fits).
type Rand interface {
	Float64() float64
	IntN(n int) int
}

// StatsSource serves rolling metrics per target key.
type StatsSource interface {
	TargetStats(key string, window time.Duration) (TargetStats, bool)
}

// TargetStats are a target's rolling figures over a window.
type TargetStats struct {
	Requests     int64
	SuccessRate  float64 // 0..1
	LatencyAvgMs float64
	LatencyP50Ms float64
	LatencyP95Ms float64
	TTFTMs       float64
	TokensPerSec float64
	CostUSD      float64 // average cost per request
}

// LoadSource gives in-flight request counts.
type LoadSource interface {
	InFlight(key string) int64
}

// CostSource estimates a request's cost on a model target.
type CostSource interface {
	EstimateCost(key string) (usd float64, ok bool)
}

// Location is a caller's or region's position.
type Location struct {
	Country  string
	Region   string // AWS region code when known
	Lat, Lon float64
	Known    bool // Lat/Lon are meaningful
	// Source says where Lat/Lon came from, for explain's reasons; empty
	// (with Known coordinates) means measured coordinates.
	Source LocationSource
}

// LocationSource is how a caller's position was learnt.
type LocationSource string

const (
	FromCoordinates LocationSource = "coordinates" // CloudFront-Viewer-Latitude/-Longitude
	FromCountry     LocationSource = "country"     // the centre of CloudFront-Viewer-Country
	FromOwnRegion   LocationSource = "region"      // the gateway's own region: the caller's is unknown
)

// Plan is a strategy's decision for one router.
type Plan struct {
	Order []int
	// Scores and Reasons are indexed by target index; strategies that rank
	// fill them so /v1/routing/explain can show why. They may be nil.
	Scores  []float64
	Reasons []string
	// Route is the conditional route or percentage arm chosen, for headers,
	// traces and experiment analysis.
	Route string
	// Why is a one-line explanation of the decision.
	Why string
}

// Reset empties p for reuse, keeping its buffers.
func (p *Plan) Reset() {
	p.Order = p.Order[:0]
	p.Scores = p.Scores[:0]
	p.Reasons = p.Reasons[:0]
	p.Route, p.Why = "", ""
}

// SetScore records a score and a reason for target i.
func (p *Plan) SetScore(n, i int, score float64, reason string) {
	if len(p.Scores) < n {
		p.Scores = append(p.Scores[:0], make([]float64, n)...)
		p.Reasons = append(p.Reasons[:0], make([]string, n)...)
	}
	p.Scores[i] = score
	p.Reasons[i] = reason
}
