package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
)

// reply is one endpoint's fixed answer.
type reply struct {
	status int
	body   []byte
}

// loopback is the provider's side of every benchmark: an httptest.Server
// that answers each known endpoint with a fixed body and does nothing else,
// so that the only work that differs between the qpay client and the floor
// is the client's own. It counts the TCP connections it accepts.
type loopback struct {
	srv    *httptest.Server
	routes map[string]reply // "METHOD /path"
	conns  atomic.Int64     // connections accepted (http.StateNew)
	misses atomic.Int64     // requests for an endpoint with no reply

	// record keeps the last body received per route, for the smoke test
	// that checks the floor and qpay send the same requests. Benchmarks
	// leave it off.
	record bool
	mu     sync.Mutex
	bodies map[string][]byte
}

func newLoopback(routes map[string]reply, record bool) *loopback {
	l := &loopback{routes: routes, record: record, bodies: map[string][]byte{}}
	l.srv = httptest.NewUnstartedServer(http.HandlerFunc(l.serve))
	// httptest chains its own ConnState hook after this one.
	l.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			l.conns.Add(1)
		}
	}
	l.srv.Start()
	return l
}

func (l *loopback) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	if l.record {
		body, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		l.bodies[key] = body
		l.mu.Unlock()
	} else {
		// Reading the body to the end is what lets the connection be reused.
		_, _ = io.Copy(io.Discard, r.Body)
	}
	rep, ok := l.routes[key]
	if !ok {
		l.misses.Add(1)
		http.Error(w, `{"error":"no such endpoint in the benchmark server"}`, http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// Announced, as a buffered JSON API does; without it net/http chunks
	// any body over 2 KB.
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// URL is the server's base URL.
func (l *loopback) URL() string { return l.srv.URL }

// lastBody returns the body of the last request to key, when recording.
func (l *loopback) lastBody(key string) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.bodies[key])
}

// Close stops the server and closes every connection, idle ones included,
// so that the clients' connection goroutines end.
func (l *loopback) Close() {
	l.srv.CloseClientConnections()
	l.srv.Close()
}
