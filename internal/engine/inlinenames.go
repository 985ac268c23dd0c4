package engine

import (
	"log/slog"
	"strconv"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// InlineRouter is the router name x-switchyard-router reports for a router
// sent in a request body, and the metrics subject of one without a name
// (or with a name past the bound).
const InlineRouter = "inline"

// InlineNames decides the metrics subject of named inline routers. A
// caller may name its inline router (vLLora's "name": an A/B test run
// inline) to get metrics of its own, "inline:<name>" with its arms. Each
// name's subjects are shared state (metric items in the store, stats,
// entries in /v1/metrics), and any caller may send any name, so a gateway
// instance keeps at most server.inline.max_names of them, first come first
// kept, and at most config.InlineMaxTargets arms under each (one router's
// arms always fit). A name past the bound counts under plain "inline", an
// arm past it under its router without an arm; explain says so and the
// first refusal is logged.
//
// One InlineNames is shared by the engines of a process (Deps), so a
// config reload does not hand out a fresh set of names. The zero value is
// ready to use.
type InlineNames struct {
	mu     sync.Mutex
	names  map[string]*inlineName
	logged bool // a refusal was logged
}

type inlineName struct {
	index int // admission order: kept while below the bound
	arms  map[string]bool
}

// metricSubject is the router and arm a sample is counted under.
type metricSubject struct {
	router, arm string
	// note says why the name or arm was not kept, for explain.
	note string
}

// subject returns the metrics router and arm of a request through the
// inline router called name (empty: unnamed) that was assigned arm.
// max is server.inline.max_names. With peek (explain) nothing is added:
// the answer is what a real request would get.
func (n *InlineNames) subject(name, arm string, max int, peek bool, log *slog.Logger) metricSubject {
	if name == "" {
		// Arm names of an unnamed inline router are the caller's, with no
		// router of theirs to bound them under: kept out of metrics.
		return metricSubject{router: InlineRouter}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.names[name]
	if !ok {
		if len(n.names) >= max {
			if !peek && !n.logged && log != nil {
				n.logged = true
				log.Warn("inline router name not given metrics of its own: server.inline.max_names names are already kept on this instance; it counts under inline",
					"name", name, "max_names", max)
			}
			return metricSubject{router: InlineRouter, note: overNames(max)}
		}
		if peek {
			return metricSubject{router: InlineRouter + ":" + name, arm: arm}
		}
		if n.names == nil {
			n.names = map[string]*inlineName{}
		}
		e = &inlineName{index: len(n.names), arms: map[string]bool{}}
		n.names[name] = e
	}
	if e.index >= max {
		// Kept under a larger bound before a config lowered it.
		return metricSubject{router: InlineRouter, note: overNames(max)}
	}
	s := metricSubject{router: InlineRouter + ":" + name, arm: arm}
	if arm == "" || e.arms[arm] {
		return s
	}
	if len(e.arms) >= config.InlineMaxTargets {
		s.arm, s.note = "", "this inline router name already has metrics for its first 64 arms; this arm counts under the router only"
		return s
	}
	if !peek {
		e.arms[arm] = true
	}
	return s
}

func overNames(max int) string {
	return "this gateway instance already keeps metrics for server.inline.max_names (" + strconv.Itoa(max) +
		") inline router names; this one counts under inline"
}
