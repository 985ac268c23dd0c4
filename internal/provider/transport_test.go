package provider

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// TestClientNeverFollowsRedirects: a 307 to another host used to re-send
// the prompt there with api-key, x-api-key and x-goog-api-key (Go strips
// only Authorization). Now the redirect is a failed attempt of class
// bad_response, and the other host hears nothing.
func TestClientNeverFollowsRedirects(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var captured atomic.Int32
			capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { captured.Add(1) }))
			defer capture.Close()
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, capture.URL+"/steal", status)
			}))
			defer up.Close()

			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, up.URL+"/v1/chat/completions", strings.NewReader(`{"messages":[]}`))
			for _, h := range []string{"Authorization", "api-key", "x-api-key", "x-goog-api-key"} {
				req.Header.Set(h, "sk-redirect-test-key")
			}
			resp, err := NewHTTPClient(TransportOptions{}).Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("status %d answered as a response; want a failed attempt", resp.StatusCode)
			}
			pe := NetworkError(req.Context(), err)
			if pe.Class != ClassBadResponse || pe.Status != status || !strings.Contains(pe.Message, "redirects are not followed") {
				t.Errorf("error = %+v; want bad_response, status %d, saying redirects are not followed", pe, status)
			}
			if strings.Contains(pe.Error(), capture.URL) {
				t.Errorf("the message quotes the redirect's location: %q", pe.Error())
			}
			if n := captured.Load(); n != 0 {
				t.Errorf("the redirect target got %d requests", n)
			}
		})
	}
}

// TestDialChecksResolvedAddress: config validation sees only a host name;
// the dial sees what it resolved to. A name that resolves to the metadata
// service, or plain http that resolves off loopback, is refused before any
// connection is made.
func TestDialChecksResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	res := fakeResolver(map[string]netip.Addr{
		"upstream.test": netip.MustParseAddr("127.0.0.1"),
		"metadata.test": netip.MustParseAddr("169.254.169.254"),
		"ec2v6.test":    netip.MustParseAddr("fd00:ec2::254"),
		"remote.test":   netip.MustParseAddr("192.0.2.10"),
	})
	tests := []struct {
		name, url string
		policy    config.UpstreamPolicy
		wantErr   string // "" = served
	}{
		{name: "loopback name over http", url: "http://upstream.test:%d/"},
		{name: "name resolving to EC2 metadata", url: "https://metadata.test:%d/", wantErr: "link-local or metadata address (169.254.169.254)"},
		{name: "even when http is allowed", url: "http://metadata.test:%d/", policy: config.UpstreamPolicy{AllowHTTP: true},
			wantErr: "link-local or metadata address"},
		{name: "name resolving to EC2 metadata IPv6", url: "https://ec2v6.test:%d/", wantErr: "metadata address (fd00:ec2::254)"},
		{name: "plain http resolving off loopback", url: "http://remote.test:%d/", wantErr: "plain http to the non-loopback address 192.0.2.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewHTTPClient(TransportOptions{Policy: tt.policy, Resolver: res})
			u := strings.Replace(tt.url, "%d", strconv.Itoa(port), 1)
			ctx := context.Background()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			resp, err := c.Do(req)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("served; want refused with %q", tt.wantErr)
			}
			pe := NetworkError(ctx, err)
			if pe.Class != ClassNetwork || !strings.Contains(pe.Message, tt.wantErr) {
				t.Errorf("error = %q (%s); want class network, %q", pe.Message, pe.Class, tt.wantErr)
			}
		})
	}
}

// TestNetworkErrorNamesNoURL: Go's transport errors quote the URL (with
// its host and port); the message a caller sees says what failed only.
func TestNetworkErrorNamesNoURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	ctx := context.Background()
	target := "http://" + addr + "/v1/chat/completions?key=sk-in-query-0000"
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader("{}"))
	_, err = NewHTTPClient(TransportOptions{}).Do(req)
	if err == nil {
		t.Fatal("a closed port answered")
	}
	pe := NetworkError(ctx, err)
	if pe.Class != ClassNetwork || pe.Message != "cannot connect to the upstream: connection refused" {
		t.Errorf("error = %q (%s)", pe.Message, pe.Class)
	}
	for _, leak := range []string{addr, "http://", "/v1/chat", "sk-in-query"} {
		if strings.Contains(pe.Error(), leak) {
			t.Errorf("message %q shows %q", pe.Error(), leak)
		}
	}
}

func TestDescribeNetError(t *testing.T) {
	urlErr := func(inner error) error {
		return &url.Error{Op: "Post", URL: "https://10.1.2.3:8443/v1/chat/completions", Err: inner}
	}
	tests := []struct {
		err  error
		want string
	}{
		{urlErr(&net.DNSError{Err: "no such host", Name: "llm.internal.corp", IsNotFound: true}), "cannot resolve the upstream host name (no such host)"},
		{urlErr(io.ErrUnexpectedEOF), "the upstream closed the connection"},
		{urlErr(&net.OpError{Op: "read", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 8443},
			Err: errors.New("some new failure")}), "upstream connection failed: read: some new failure"},
		{urlErr(errors.New("proxy said no to http://proxy.corp:3128/x")), "upstream connection failed: proxy said no to [upstream]"},
	}
	for _, tt := range tests {
		if got := describeNetError(tt.err); got != tt.want {
			t.Errorf("describeNetError(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

// fakeResolver answers A and AAAA queries from answers, in memory: Go's
// resolver talks DNS over the returned conn (TCP framing, since a pipe is
// not a PacketConn), so no real DNS is involved.
func fakeResolver(answers map[string]netip.Addr) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		client, server := net.Pipe()
		go serveDNS(server, answers)
		return client, nil
	}}
}

func serveDNS(c net.Conn, answers map[string]netip.Addr) {
	defer c.Close()
	for {
		var n uint16
		if binary.Read(c, binary.BigEndian, &n) != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 12 {
			return
		}
		// The question: labels up to a zero byte, then type and class.
		i, name := 12, ""
		for i < len(q) && q[i] != 0 {
			l := int(q[i])
			name += string(q[i+1:i+1+l]) + "."
			i += 1 + l
		}
		qEnd := i + 5
		qtype := binary.BigEndian.Uint16(q[i+1 : i+3])
		var rdata []byte
		for host, ip := range answers {
			if strings.HasPrefix(name, host+".") {
				if (qtype == 1 && ip.Is4()) || (qtype == 28 && ip.Is6()) {
					rdata = ip.AsSlice()
				}
			}
		}
		resp := append([]byte{}, q[:2]...)          // id
		resp = append(resp, 0x81, 0x80, 0, 1, 0, 0) // response, recursion; 1 question
		if rdata != nil {
			resp[7] = 1 // one answer
		}
		resp = append(resp, 0, 0, 0, 0) // no authority, no additional
		resp = append(resp, q[12:qEnd]...)
		if rdata != nil {
			resp = append(resp, 0xc0, 12) // the question's name
			resp = binary.BigEndian.AppendUint16(resp, qtype)
			resp = append(resp, 0, 1, 0, 0, 0, 60) // class IN, TTL 60
			resp = binary.BigEndian.AppendUint16(resp, uint16(len(rdata)))
			resp = append(resp, rdata...)
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}
