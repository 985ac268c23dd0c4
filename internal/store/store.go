package store

import (
	"context"
	"errors"
	"time"
)

// Store is every piece of shared state.
type Store interface {
	Configs
	Budgets
	Metrics
	Cooldowns
	InFlight
	Digests
}

// ErrBudgetExceeded is returned by Reserve when the reservation would take
// the counter past its limit.
var ErrBudgetExceeded = errors.New("budget exceeded")

// ErrNegativeReservation is returned by Reserve for an amount below zero,
// which it refuses whatever the counter: a "reservation" that lowers the
// counter would pass every limit check and make room for other spend. A
// release goes through Adjust.
var ErrNegativeReservation = errors.New("negative budget reservation")

// ErrNotFound is returned for a missing record.
var ErrNotFound = errors.New("not found")

// Record kinds, the partition key of config records.
const (
	KindRouter   = "router"
	KindProvider = "provider"
	KindBudget   = "budget"
	KindKey      = "key"
	KindAdminKey = "admin_key"
	KindModel    = "model"
	KindServer   = "server"
	// KindSnapshot is not config: one record ("last_good") holding the
	// whole config document the gateway last found valid, which a new
	// instance serves when the records in the table do not validate.
	KindSnapshot = "snapshot"
)

// Record is one config item: a router, provider, budget, key or model
// override, as the generic map its YAML decodes to.
type Record struct {
	Kind      string
	Name      string
	Doc       map[string]any
	Version   int64
	UpdatedAt time.Time
}

// Configs holds config records.
type Configs interface {
	// ListRecords returns every record.
	ListRecords(ctx context.Context) ([]Record, error)
	// PutRecord writes a record, incrementing its version.
	PutRecord(ctx context.Context, r Record) error
	// DeleteRecord removes a record; ErrNotFound when absent.
	DeleteRecord(ctx context.Context, kind, name string) error
	// ConfigVersion returns a number that every PutRecord and
	// DeleteRecord of a config record (any kind but KindSnapshot) moves,
	// so that a reader polls one small item and lists the records only
	// when it moved. It may lag a write by a moment (an eventually
	// consistent read); it is 0 before the first write.
	ConfigVersion(ctx context.Context) (int64, error)
}

// Budgets holds spend counters in integer micro-USD, one per budget period
// (key "monthly#2026-11").
type Budgets interface {
	// Reserve adds micros to key if the total stays within limit, and
	// returns the new total. ErrBudgetExceeded (with the current total) when
	// it would not; the counter is then unchanged. micros below zero is
	// refused with ErrNegativeReservation, the counter unchanged. expires
	// sets the counter's TTL.
	Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error)
	// Adjust adds delta (negative to release) unconditionally.
	Adjust(ctx context.Context, key string, delta int64, expires time.Time) error
	// Spent returns key's total, 0 when absent.
	Spent(ctx context.Context, key string) (int64, error)
	Leases
}

// Lease is headroom one holder took from a budget counter: Granted was
// added to the counter when the lease was taken, so it counts as spent
// until returned, when Granted − Used comes back. The holder spends it in
// memory (no store write per request) and reports Used from time to time,
// so that if it dies its lease can be reclaimed by another instance with
// its spend still counted.
type Lease struct {
	// Counter is the budget counter key ("monthly#2026-11").
	Counter string
	// Holder names the lease, unique per counter (instance id and a
	// sequence number).
	Holder string
	// Granted is the headroom taken, in micro-USD.
	Granted int64
	// Used is the holder's spend against the lease, reservations in
	// flight included, in micro-USD; it may pass Granted.
	Used int64
	// Seq orders reports: a report with a Seq not above the recorded one
	// is stale and ignored.
	Seq int64
	// Expires is when the holder has stopped spending the lease for
	// good (its last reservation settled): from then on anyone may
	// reclaim it.
	Expires time.Time
	// CounterExpires is the counter's TTL, set again by writes to it.
	CounterExpires time.Time
}

// Reclaim as a Lease's Used asks ReturnLease to use the recorded Used.
const Reclaim = -1

// Leases lends budget headroom in chunks (docs/scale-budgets.md).
type Leases interface {
	// TakeLease adds l.Granted to l.Counter if the total stays within
	// limit, exactly as Reserve does, and records the lease (l.Used and
	// l.Seq as given). ErrBudgetExceeded (with the current total) when it
	// does not fit: nothing is written. ErrNegativeReservation for
	// Granted < 0.
	TakeLease(ctx context.Context, l Lease, limit int64) (int64, error)
	// ReportLease records l.Used and l.Seq on an open lease if l.Seq is
	// above the recorded Seq; a stale report, or one for a lease already
	// returned, changes nothing and is not an error.
	ReportLease(ctx context.Context, l Lease) error
	// ReturnLease closes the lease: its record goes and the counter gets
	// back Granted − used. used is l.Used when the holder returns it (it
	// knows its spend exactly; its reports may be a high-water mark above
	// it), or the recorded Used when l.Used is Reclaim (another instance
	// reclaiming a dead holder's lease trusts its last report).
	// ErrNotFound when the lease is not open (returned or reclaimed
	// already): the counter is then unchanged, so returning twice, or
	// racing a reclaimer, gives the headroom back once.
	ReturnLease(ctx context.Context, l Lease) error
	// OpenLeases lists counter's open leases as last recorded.
	OpenLeases(ctx context.Context, counter string) ([]Lease, error)
}

// Metrics holds per-minute buckets and the aggregator's rolled-up stats.
type Metrics interface {
	// AddSample adds one request's figures to its target's (and router's)
	// minute bucket atomically.
	AddSample(ctx context.Context, s Sample) error
	// AddBuckets adds each bucket's counters to the stored bucket of its
	// subject and minute atomically, as if its samples had been added one
	// by one: the recorder sums a container's samples per subject and
	// minute and writes the sums once per flush interval.
	AddBuckets(ctx context.Context, bs []Bucket) error
	// Buckets returns the buckets whose minute lies in [from, to).
	Buckets(ctx context.Context, from, to time.Time) ([]Bucket, error)
	// PutStats replaces the stats rolled up for each stats' subject and window.
	PutStats(ctx context.Context, stats []Stats) error
	// LoadStats returns every stored stats record.
	LoadStats(ctx context.Context) ([]Stats, error)
}

// Digest is the shared state routing reads, gathered into one item so
// that a container reads it with one small read per refresh instead of
// Querying the stats, cooldown and in-flight partitions (docs/scale.md).
// The scheduled aggregator builds it every few seconds from those
// partitions (aggregate.BuildDigest); a container uses it only while it is
// fresh and falls back to the partitions otherwise.
type Digest struct {
	BuiltAt time.Time `json:"built_at"`
	// Stats are the targets' stats (subjects of target keys only: routing
	// reads no router, arm or provider figures), every window.
	Stats []Stats `json:"stats,omitempty"`
	// Cooldowns are running and half-open cooldowns (ended less than
	// CooldownKeep before BuiltAt), as Cooldowns(BuiltAt - CooldownKeep).
	Cooldowns map[string]time.Time `json:"cooldowns,omitempty"`
	// InFlight sums every instance's unexpired count per target.
	InFlight map[string]int64 `json:"inflight,omitempty"`
}

// Digests holds the one shared-state digest.
type Digests interface {
	// PutDigest replaces the digest.
	PutDigest(ctx context.Context, d Digest) error
	// LoadDigest returns the digest; ok is false when none was written.
	LoadDigest(ctx context.Context) (d Digest, ok bool, err error)
}

// SampleObserver is implemented by a store wrapper that wants every
// sample one by one (the EMF log lines) although the recorder writes sums
// with AddBuckets. The recorder calls ObserveSample off the request path,
// once per sample, before summing it.
type SampleObserver interface {
	ObserveSample(s Sample)
}

// Cooldowns holds targets set aside until a time.
//
// A cooldown that has ended is not forgotten at once: its record stays
// readable for at least CooldownKeep past its end (the half-open phase),
// until a probe of the target succeeds (ClearCooldown) or fails
// (SetCooldown again). ClaimProbe arbitrates which single request, across
// instances, makes that probe.
type Cooldowns interface {
	// SetCooldown writes (replaces) target's cooldown, dropping any probe
	// lease on the previous one.
	SetCooldown(ctx context.Context, target string, until time.Time) error
	// ClearCooldown deletes target's cooldown and its probe lease.
	ClearCooldown(ctx context.Context, target string) error
	// Cooldowns returns targets whose cooldown has not passed at now.
	// Passing an earlier time (now minus CooldownKeep) also returns those
	// that ended since: the half-open ones.
	Cooldowns(ctx context.Context, now time.Time) (map[string]time.Time, error)
	// ClaimProbe takes the probe lease of target's ended cooldown until
	// leaseUntil, atomically: true when target has a cooldown that ended
	// at or before now and no lease on it is held past now. False, with
	// no error, when the cooldown is still running, someone else holds
	// the lease, or target has no cooldown. A holder that never reports
	// (a crashed instance) blocks others only until its lease ends.
	ClaimProbe(ctx context.Context, target string, now, leaseUntil time.Time) (bool, error)
}

// CooldownKeep is how long at least a store keeps an ended cooldown
// readable (its half-open phase) unless it is cleared or set again. A
// target whose ended cooldown is older than this counts as healthy.
const CooldownKeep = time.Hour

// InFlight counts requests in progress per target, per instance, so that a
// crashed instance's counts expire on their own.
type InFlight interface {
	// SetInFlight sets this instance's count for target and its expiry.
	// Instances write their own absolute count (not deltas), so a lost
	// write is corrected by the next one instead of leaving a phantom.
	SetInFlight(ctx context.Context, instance, target string, count int64, expires time.Time) error
	// InFlightCounts sums unexpired counts across instances per target.
	InFlightCounts(ctx context.Context, now time.Time) (map[string]int64, error)
}
