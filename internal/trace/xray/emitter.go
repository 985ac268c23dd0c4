package xray

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultDaemonAddr is where the X-Ray daemon listens unless
// AWS_XRAY_DAEMON_ADDRESS says otherwise (Lambda always sets it).
const DefaultDaemonAddr = "127.0.0.1:2000"

// packetHeader starts every UDP packet the daemon accepts; one segment
// document follows it.
const packetHeader = `{"format": "json", "version": 1}` + "\n"

// maxPacket is the largest UDP payload over IPv4 (65,535 less the IP and
// UDP headers); the daemon reads up to 64 KiB. A larger document is sent
// in pieces (segment.go).
const maxPacket = 65507

// daemonAddr is the daemon's UDP address: explicit, else
// AWS_XRAY_DAEMON_ADDRESS ("host:port", or "tcp:host:port udp:host:port"
// when the daemon's TCP proxy for sampling rules listens elsewhere), else
// DefaultDaemonAddr.
func daemonAddr(explicit string) (string, error) {
	raw := explicit
	if raw == "" {
		raw = strings.TrimSpace(os.Getenv("AWS_XRAY_DAEMON_ADDRESS"))
	}
	if raw == "" {
		return DefaultDaemonAddr, nil
	}
	v := raw
	if fields := strings.Fields(v); len(fields) == 2 {
		v = ""
		for _, f := range fields {
			if a, ok := strings.CutPrefix(f, "udp:"); ok {
				v = a
			}
		}
	}
	if _, _, err := net.SplitHostPort(v); err != nil || v == "" {
		return "", fmt.Errorf("xray: daemon address %q: want host:port or \"tcp:host:port udp:host:port\"", raw)
	}
	return v, nil
}

// emitter sends segment documents to the daemon by UDP. A send never
// blocks on the daemon and never fails a request: a daemon that is not
// there (or a document it cannot take) is logged, rate-limited.
type emitter struct {
	addr *net.UDPAddr // resolved once, in New: no lookup on a request's path
	log  *slog.Logger

	mu   sync.Mutex
	conn *net.UDPConn

	failures atomic.Int64
}

// warnEvery: a failing daemon is logged on the first failure, then on
// every warnEvery-th, so it cannot flood the log.
const warnEvery = 100

var packetPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// send writes one packet: the header line and doc.
func (e *emitter) send(doc []byte) {
	bp := packetPool.Get().(*[]byte)
	pkt := append(append((*bp)[:0], packetHeader...), doc...)
	e.mu.Lock()
	if e.conn == nil {
		c, err := net.DialUDP("udp", nil, e.addr)
		if err != nil {
			e.mu.Unlock()
			e.failed(err)
			return
		}
		e.conn = c
	}
	_, err := e.conn.Write(pkt)
	if len(pkt) > maxPacket {
		err = fmt.Errorf("a %d-byte packet: over UDP's limit", len(pkt)) // pack keeps this from happening
	}
	e.mu.Unlock()
	if cap(pkt) <= maxPacket {
		*bp = pkt[:0]
		packetPool.Put(bp)
	}
	if err != nil {
		e.failed(err)
	}
}

func (e *emitter) failed(err error) {
	if n := e.failures.Add(1); n == 1 || n%warnEvery == 0 {
		e.log.Warn("xray: cannot send a segment to the daemon", "addr", e.addr, "err", err, "occurrences", n)
	}
}
