package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// requestBody is a typical small chat request; model is filled in per target.
const requestBody = `{"model":%q,"messages":[` +
	`{"role":"system","content":"You are a concise assistant. Answer in at most three sentences."},` +
	`{"role":"user","content":"Explain in plain words what an LLM routing gateway does and why a team would run one."}],` +
	`"temperature":0.2,"max_tokens":256,"user":"loadgen","metadata":{"team":"bench"}%s}`

// requestTimeout bounds every request, so no phase outlives its duration by more.
const requestTimeout = 10 * time.Second

// target is one endpoint under load with its own connection pool.
type target struct {
	name             string
	url              string
	body, streamBody []byte
	client           *http.Client
}

func newTarget(name, url, model string, conns int) *target {
	tr := &http.Transport{
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &target{
		name:       name,
		url:        url,
		body:       []byte(fmt.Sprintf(requestBody, model, "")),
		streamBody: []byte(fmt.Sprintf(requestBody, model, `,"stream":true,"stream_options":{"include_usage":true}`)),
		client:     &http.Client{Transport: tr, Timeout: requestTimeout},
	}
}

func (t *target) close() { t.client.CloseIdleConnections() }

// check sends one request of each kind and fails unless both are served.
func (t *target) check() error {
	for _, stream := range []bool{false, true} {
		if _, _, err := t.do(stream, time.Now()); err != nil {
			return fmt.Errorf("%s (stream %v): %w", t.name, stream, err)
		}
	}
	return nil
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

var (
	dataDone      = []byte("data: [DONE]")
	contentPrefix = []byte(`"content":"`)
)

// do sends one request and reads the whole answer. first is when the
// first content chunk of a stream arrived (the whole answer for a
// non-streamed request) and total when the answer ended, both counted from
// `from`.
func (t *target) do(stream bool, from time.Time) (first, total time.Duration, err error) {
	body := t.body
	if stream {
		body = t.streamBody
	}
	req, err := http.NewRequest(http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, 0, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	if !stream {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, 0, err
		}
		d := time.Since(from)
		return d, d, nil
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(resp.Body)
	defer func() { br.Reset(nil); readers.Put(br) }()
	done := false
	for {
		line, rerr := br.ReadSlice('\n')
		if first == 0 {
			// The role chunk carries "content":"" and does not count.
			if i := bytes.Index(line, contentPrefix); i >= 0 && i+len(contentPrefix) < len(line) && line[i+len(contentPrefix)] != '"' {
				first = time.Since(from)
			}
		}
		if bytes.HasPrefix(line, dataDone) {
			done = true
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil && !errors.Is(rerr, bufio.ErrBufferFull) {
			return 0, 0, rerr
		}
	}
	if first == 0 || !done {
		return 0, 0, fmt.Errorf("stream incomplete (content %v, [DONE] %v)", first != 0, done)
	}
	return first, time.Since(from), nil
}

// result is one target's measurements in one mode.
type result struct {
	lat   []time.Duration // per successful request: first content for streams, else the whole answer
	total []time.Duration // per successful request: the whole answer
	ok    int
	errs  int
	first error // the first error, to show
	wall  time.Duration
	lag   []time.Duration // open loop: how late each request was dispatched
	gwCPU time.Duration   // gateway CPU per request, when known
}

func (r *result) add(first, total time.Duration, err error) {
	if err != nil {
		r.errs++
		if r.first == nil {
			r.first = err
		}
		return
	}
	r.ok++
	r.lat = append(r.lat, first)
	r.total = append(r.total, total)
}

// throughput is successful requests per second of wall time.
func (r *result) throughput() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.ok) / r.wall.Seconds()
}

// percentile is the nearest-rank q-quantile of ds (sorted in place).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.999999) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// serial sends n requests to each target one at a time, rotating which
// target goes first so drift on a shared machine hits all alike. Each
// target's wall time is the sum of its own requests' times.
func serial(ts []*target, n int, stream bool) []result {
	rs := make([]result, len(ts))
	for i := 0; i < n; i++ {
		for k := range ts {
			j := (i + k) % len(ts)
			start := time.Now()
			first, total, err := ts[j].do(stream, start)
			rs[j].wall += time.Since(start)
			rs[j].add(first, total, err)
		}
	}
	return rs
}

// openLoop starts requests at a fixed rate for dur, whether or not earlier
// ones have finished, and counts latency from each scheduled start: a
// target that falls behind shows it as queueing, not as a lower rate.
func openLoop(t *target, rate int, dur time.Duration, stream bool) result {
	n := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)
	type out struct {
		first, total time.Duration
		err          error
	}
	outs := make([]out, n)
	lag := make([]time.Duration, n)
	var wg sync.WaitGroup
	var last atomic.Int64 // when the last answer ended, ns after start
	sl := newSleeper()
	start := time.Now().Add(5 * time.Millisecond)
	for i := 0; i < n; i++ {
		sched := start.Add(time.Duration(i) * interval)
		sl.until(sched)
		lag[i] = time.Since(sched)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, tot, err := t.do(stream, sched)
			outs[i] = out{f, tot, err}
			end := int64(time.Since(start))
			for {
				l := last.Load()
				if end <= l || last.CompareAndSwap(l, end) {
					break
				}
			}
		}()
	}
	sl.close()
	wg.Wait()
	r := result{lag: lag, wall: time.Duration(last.Load())}
	for _, o := range outs {
		r.add(o.first, o.total, o.err)
	}
	return r
}

// openRounds runs the open loop (openLoop) for each target in rounds
// alternating windows, dur in all per target. Measured in one window each,
// the targets met different stretches of a busy shared machine, and their
// p99s compared those stretches; alternating short windows spreads the
// machine's stalls over all targets. (Sending to the targets at once on
// one schedule would do more, but doubles the load: a streamed answer
// costs the fake upstream ~0.3 ms of CPU, and at 2 × 1000/s the 2-core
// machine queued, not the gateway.)
func openRounds(ts []*target, rate int, dur time.Duration, rounds int, stream bool) []result {
	rounds = max(1, rounds)
	rs := make([]result, len(ts))
	for k := 0; k < rounds; k++ {
		for i := range ts {
			j := (i + k) % len(ts) // rotate which target goes first
			rs[j].merge(openLoop(ts[j], rate, dur/time.Duration(rounds), stream))
		}
	}
	return rs
}

// closedRounds measures each target's capacity (closedLoop) in rounds
// alternating windows, target after target, dur in all per target: a
// capacity measured in one window per target compared two stretches of a
// busy shared machine; alternating spreads its drift over all targets.
func closedRounds(ts []*target, conc int, dur time.Duration, rounds int, stream bool) []result {
	rounds = max(1, rounds)
	rs := make([]result, len(ts))
	for k := 0; k < rounds; k++ {
		for i := range ts {
			j := (i + k) % len(ts) // rotate which target goes first
			rs[j].merge(closedLoop(ts[j], conc, dur/time.Duration(rounds), stream))
		}
	}
	return rs
}

// closedLoop runs conc clients, each sending its next request when the
// last one is answered, for dur after a short warm-up; it measures
// capacity: the answers that end inside the window are counted.
func closedLoop(t *target, conc int, dur time.Duration, stream bool) result {
	warm := min(dur/5, 500*time.Millisecond)
	from := time.Now().Add(warm)
	end := from.Add(dur)
	rs := make([]result, conc)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				s := time.Now()
				if !s.Before(end) {
					return
				}
				first, total, err := t.do(stream, s)
				if e := time.Now(); e.Before(from) || e.After(end) {
					continue // answered outside the window
				}
				rs[w].add(first, total, err)
			}
		}()
	}
	wg.Wait()
	r := result{}
	for _, x := range rs {
		r.merge(x)
	}
	r.wall = dur
	return r
}

// merge adds x's requests to r; wall times add up (x measured after r).
func (r *result) merge(x result) {
	r.ok += x.ok
	r.errs += x.errs
	if r.first == nil {
		r.first = x.first
	}
	r.lat = append(r.lat, x.lat...)
	r.total = append(r.total, x.total...)
	r.lag = append(r.lag, x.lag...)
	r.wall += x.wall
}
