package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// minChunks is how many content chunks a streamed answer needs before
// the spread of their arrival says anything.
const minChunks = 3

// streamedShare is the least part of the answer's duration (request to
// last chunk) its chunks must be spread over to count as streamed. A
// buffered answer (an integration in BUFFERED mode, a proxy that holds
// the body) delivers every chunk in one burst at the end: spread ≈ 0.
const streamedShare = 0.2

// streamVerdict judges a streamed answer: nil if it arrived as a stream.
func streamVerdict(t timing) error {
	var problems []string
	if t.Err != nil {
		problems = append(problems, "transport error: "+t.Err.Error())
	}
	if t.Status != 200 {
		problems = append(problems, fmt.Sprintf("status %d: %.200s", t.Status, t.Body))
	}
	if t.Status == 200 && !strings.HasPrefix(t.ContentType, "text/event-stream") {
		problems = append(problems, fmt.Sprintf("content-type %q, not text/event-stream", t.ContentType))
	}
	if t.Status == 200 && !t.Done {
		problems = append(problems, "no [DONE]: the stream was cut")
	}
	if len(t.Chunks) < minChunks {
		problems = append(problems, fmt.Sprintf("%d content chunks (need %d to judge; ask for a longer answer)", len(t.Chunks), minChunks))
	} else if spread, total := t.Chunks[len(t.Chunks)-1]-t.Chunks[0], t.Chunks[len(t.Chunks)-1]; float64(spread) < streamedShare*float64(total) {
		problems = append(problems, fmt.Sprintf("chunks arrived in one burst (%s apart over %s): buffered, not streamed", ms(spread), ms(total)))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "; "))
}

// gaps are the intervals between consecutive chunks.
type gaps struct{ p50, p95, max time.Duration }

func chunkGaps(chunks []time.Duration) gaps {
	if len(chunks) < 2 {
		return gaps{}
	}
	d := make([]time.Duration, 0, len(chunks)-1)
	for i := 1; i < len(chunks); i++ {
		d = append(d, chunks[i]-chunks[i-1])
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
	return gaps{p50: at(0.5), p95: at(0.95), max: d[len(d)-1]}
}

func (g gaps) String() string {
	return fmt.Sprintf("gap_p50=%s gap_p95=%s gap_max=%s", ms(g.p50), ms(g.p95), ms(g.max))
}

// disconnectVerdict judges the hang-up check: the stream had started
// (so the gateway was mid-answer when the caller left) and the gateway
// answered the next request.
func disconnectVerdict(t timing, stopAfter, nextStatus int, nextErr error) error {
	switch {
	case t.Status != 200:
		return fmt.Errorf("stream answered %d before the hang-up: %.200s", t.Status, t.Body)
	case len(t.Chunks) < stopAfter:
		return fmt.Errorf("stream ended after %d chunks, before the hang-up", len(t.Chunks))
	case nextErr != nil:
		return fmt.Errorf("request after the hang-up failed: %v", nextErr)
	case nextStatus != 200:
		return fmt.Errorf("request after the hang-up answered %d", nextStatus)
	}
	return nil
}
