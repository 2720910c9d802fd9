package sim

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
)

// InProcess is an http.RoundTripper that serves requests with h in the
// same process, as a Fake's adapter and shopper reach their simulator.
func InProcess(h http.Handler) http.RoundTripper { return inprocTransport{h} }

type inprocTransport struct{ h http.Handler }

// inprocWriter records an answer and whether the handler dropped the
// "connection".
type inprocWriter struct {
	*httptest.ResponseRecorder
	reset bool
}

// RoundTrip serves req with the handler; a connection the handler drops is
// a "connection reset" network error, as over TCP.
func (t inprocTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := &inprocWriter{ResponseRecorder: httptest.NewRecorder()}
	t.h.ServeHTTP(w, in)
	if req.Body != nil {
		_ = req.Body.Close() // a RoundTripper must close the request body
	}
	if w.reset {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	resp := w.Result()
	resp.Request = req
	return resp, nil
}
