package inject

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// recorder is an http.ResponseWriter that keeps every call, so tests can
// check write sizes, the headers as they were when the status was sent, and
// informational responses.
type recorder struct {
	header        http.Header
	status        int
	sent          http.Header // header snapshot when the final status went out
	informational []int
	writes        [][]byte
	flushes       int
	statusCalls   int
	failWrites    bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		r.informational = append(r.informational, code)
		return
	}
	r.statusCalls++
	if r.status == 0 {
		r.status = code
		r.sent = r.header.Clone()
	}
}

var errBrokenPipe = errors.New("broken pipe")

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.failWrites {
		return 0, errBrokenPipe
	}
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recorder) Flush() {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.flushes++
}

func (r *recorder) body() []byte { return bytes.Join(r.writes, nil) }

func (r *recorder) writeSizes() []int {
	sizes := make([]int, len(r.writes))
	for i, w := range r.writes {
		sizes[i] = len(w)
	}
	return sizes
}

// testSnippet is the snippet every test injects.
func testSnippet(t testing.TB) *Snippet {
	t.Helper()
	s, err := NewSnippet(SnippetConfig{TrackingURL: "https://m.example.com", Attributes: map[string]string{"page_language": "en"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func htmlHeader() http.Header {
	return http.Header{"Content-Type": {"text/html; charset=utf-8"}}
}

func getRequest() *http.Request {
	return &http.Request{Method: http.MethodGet, Host: "www.example.com", Header: http.Header{}}
}

// feed runs body through a Writer in writes of the given sizes (the last
// size repeats; 0 means one write), then closes it.
func feed(t testing.TB, rec *recorder, req *http.Request, snip *Snippet, opts Options, body []byte, sizes ...int) *Writer {
	t.Helper()
	w := NewWriter(rec, req, snip, opts)
	for i := 0; len(body) > 0; i++ {
		n := len(body)
		if len(sizes) > 0 {
			n = sizes[min(i, len(sizes)-1)]
			if n <= 0 || n > len(body) {
				n = len(body)
			}
		}
		if k, err := w.Write(body[:n]); err != nil || k != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		body = body[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return w
}

// injectString runs in through a fresh Writer for a GET text/html response
// and returns the body sent.
func injectString(t testing.TB, snip *Snippet, opts Options, in string, sizes ...int) string {
	t.Helper()
	rec := newRecorder()
	rec.header = htmlHeader()
	feed(t, rec, getRequest(), snip, opts, []byte(in), sizes...)
	return string(rec.body())
}

// expand replaces "@@" in want with the snippet.
func expand(want string, snip *Snippet) string {
	return strings.Replace(want, "@@", snip.HTML(), 1)
}
