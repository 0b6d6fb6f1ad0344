package inject

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const page = "<html><head><title>t</title></head><body>x</body></html>"

func TestWriterHeadersAndOutcome(t *testing.T) {
	snip := testSnippet(t)
	withPage := func(h http.Header) http.Header {
		h.Set("Content-Length", strconv.Itoa(len(page)))
		h.Set("Etag", `"abc"`)
		h.Set("Accept-Ranges", "bytes")
		h.Set("Vary", "Accept-Encoding")
		return h
	}
	html := func(extra ...string) http.Header {
		h := withPage(htmlHeader())
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	// "=in" stands for the length of what the handler wrote, "=out" for the
	// length of what it wrote plus the snippet.
	untouched := map[string]string{"Content-Length": "=in", "Etag": `"abc"`, "Accept-Ranges": "bytes", "Vary": "Accept-Encoding"}
	streamed := map[string]string{"Content-Length": "", "Etag": `W/"abc"`, "Accept-Ranges": "", "Vary": "Accept-Encoding"}
	recomputed := map[string]string{"Content-Length": "=out", "Etag": `W/"abc"`, "Accept-Ranges": "", "Vary": "Accept-Encoding"}

	cases := []struct {
		name    string
		method  string
		status  int
		header  http.Header
		writes  []string
		want    map[string]string // "" means absent
		outcome Outcome
	}{
		{name: "first write holds the insertion point: exact length", header: html(), writes: []string{page}, want: recomputed, outcome: Injected},
		{name: "insertion point in a later write: length dropped", header: html(), writes: []string{page[:20], page[20:]}, want: streamed, outcome: Injected},
		{name: "created", status: http.StatusCreated, header: html(), writes: []string{page}, want: recomputed, outcome: Injected},
		{name: "identity encoding", header: html("Content-Encoding", "identity"), writes: []string{page}, want: recomputed, outcome: Injected},
		{name: "charset in upper case", header: html("Content-Type", "TEXT/HTML;Charset=ISO-8859-1"), writes: []string{page}, want: recomputed, outcome: Injected},
		{name: "whole body without insertion point", header: withPage(htmlHeader()), writes: []string{"<p>no place for a snippet</p>"},
			want: untouched, outcome: NoInsertionPoint},
		{name: "marker before the insertion point", header: html(), writes: []string{strings.Replace(page, "<title>t", "<title>MauticTrackingObject", 1)},
			want: untouched, outcome: AlreadyPresent},
		{name: "weak etag stays", header: html("Etag", `W/"abc"`), writes: []string{page}, want: map[string]string{"Etag": `W/"abc"`}, outcome: Injected},
		{name: "not html", header: withPage(http.Header{"Content-Type": {"application/json"}}), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "no content type", header: withPage(http.Header{}), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "xhtml is not text/html", header: html("Content-Type", "application/xhtml+xml"), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "gzip", header: html("Content-Encoding", "gzip"), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "identity then gzip", header: html("Content-Encoding", "identity, br"), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "no-transform", header: html("Cache-Control", "public, No-Transform"), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "no content", status: http.StatusNoContent, header: html(), want: untouched, outcome: Skipped},
		{name: "partial content", status: http.StatusPartialContent, header: html(), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "not modified", status: http.StatusNotModified, header: html(), want: untouched, outcome: Skipped},
		{name: "not found", status: http.StatusNotFound, header: html(), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "server error", status: http.StatusInternalServerError, header: html(), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "post", method: http.MethodPost, header: html(), writes: []string{page}, want: untouched, outcome: Skipped},
		{name: "head gets the headers get would send", method: http.MethodHead, status: http.StatusOK, header: html(),
			want: map[string]string{"Content-Length": strconv.Itoa(len(page) + len(snip.HTML())), "Etag": `W/"abc"`, "Accept-Ranges": ""}, outcome: Skipped},
		{name: "head of unknown length stays so", method: http.MethodHead, status: http.StatusOK, header: html("Content-Length", "x"), want: streamed, outcome: Skipped},
		{name: "empty body keeps headers", status: http.StatusOK, header: html(), want: untouched, outcome: NoInsertionPoint},
		{name: "head with a blocking csp stays untouched", method: http.MethodHead, status: http.StatusOK,
			header: html("Content-Security-Policy", "default-src 'self'"), want: untouched, outcome: CSPBlocked},
		{name: "csp without nonce blocks", header: html("Content-Security-Policy", "default-src 'self'"), writes: []string{page}, want: untouched, outcome: CSPBlocked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			rec.header = tc.header
			req := getRequest()
			if tc.method != "" {
				req.Method = tc.method
			}
			w := NewWriter(rec, req, snip, Options{})
			if tc.status != 0 {
				w.WriteHeader(tc.status)
			}
			in := strings.Join(tc.writes, "")
			if len(tc.writes) > 0 {
				rec.header.Set("Content-Length", strconv.Itoa(len(in)))
			}
			inLen := rec.header.Get("Content-Length")
			for _, s := range tc.writes {
				if _, err := io.WriteString(w, s); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			wantStatus := tc.status
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if rec.status != wantStatus || rec.statusCalls != 1 {
				t.Fatalf("status %d sent %d times, want %d once", rec.status, rec.statusCalls, wantStatus)
			}
			for k, v := range tc.want {
				switch v {
				case "=in":
					v = inLen
				case "=out":
					v = strconv.Itoa(len(in) + len(snip.HTML()))
				}
				if got := rec.sent.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if w.Outcome() != tc.outcome {
				t.Errorf("outcome %v, want %v", w.Outcome(), tc.outcome)
			}
			wantBody := in
			if tc.outcome == Injected {
				wantBody = strings.Replace(in, "</head>", snip.HTML()+"</head>", 1)
			}
			if got := string(rec.body()); got != wantBody {
				t.Errorf("body %q, want %q", got, wantBody)
			}
			if cl := rec.sent.Get("Content-Length"); cl != "" && len(tc.writes) > 0 && cl != strconv.Itoa(len(wantBody)) {
				t.Errorf("Content-Length %s for a body of %d bytes", cl, len(wantBody))
			}
		})
	}
}

func TestNotModifiedKeepsTheClientsWeakETag(t *testing.T) {
	snip := testSnippet(t)
	cases := []struct{ inm, etag, want string }{
		{inm: `W/"abc"`, etag: `"abc"`, want: `W/"abc"`},
		{inm: `"x", W/"abc"`, etag: `"abc"`, want: `W/"abc"`},
		{inm: `"abc"`, etag: `"abc"`, want: `"abc"`}, // the client holds the strong tag
		{inm: `W/"other"`, etag: `"abc"`, want: `"abc"`},
		{inm: `W/"abc"`, etag: `W/"abc"`, want: `W/"abc"`},
	}
	for _, tc := range cases {
		rec := newRecorder()
		rec.header.Set("Etag", tc.etag)
		req := getRequest()
		req.Header.Set("If-None-Match", tc.inm)
		w := NewWriter(rec, req, snip, Options{})
		w.WriteHeader(http.StatusNotModified)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if got := rec.sent.Get("Etag"); got != tc.want {
			t.Errorf("If-None-Match %s, ETag %s: sent %s, want %s", tc.inm, tc.etag, got, tc.want)
		}
	}
}

func TestInformationalStatusPassesAtOnce(t *testing.T) {
	snip := testSnippet(t)
	rec := newRecorder()
	rec.header = htmlHeader()
	w := NewWriter(rec, getRequest(), snip, Options{})
	w.WriteHeader(http.StatusEarlyHints)
	if len(rec.informational) != 1 || rec.status != 0 {
		t.Fatalf("103 not forwarded at once: %v, status %d", rec.informational, rec.status)
	}
	w.WriteHeader(http.StatusOK)
	w.WriteHeader(http.StatusTeapot) // superfluous, ignored
	if _, err := io.WriteString(w, page); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if rec.status != http.StatusOK || w.Outcome() != Injected {
		t.Fatalf("status %d, outcome %v", rec.status, w.Outcome())
	}
}

func TestNoWriteHeaderNoWrite(t *testing.T) {
	// A handler that sends nothing leaves the status to its caller (Caddy's
	// error handling), so Close must not send one.
	rec := newRecorder()
	rec.header = htmlHeader()
	w := NewWriter(rec, getRequest(), testSnippet(t), Options{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if rec.statusCalls != 0 || len(rec.writes) != 0 {
		t.Fatalf("Close sent status %d and %d writes", rec.status, len(rec.writes))
	}
}

// bigPage is a page of n bytes whose </head> starts at headEnd.
func bigPage(headEnd, n int) []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><html><head>")
	for b.Len() < headEnd-40 {
		b.WriteString(`<link rel="modulepreload" href="/_app/x.js">`)
	}
	for b.Len() < headEnd {
		b.WriteByte(' ')
	}
	b.WriteString("</head><body>")
	for b.Len() < n-len("</body></html>") {
		b.WriteString(`<div class="card"><p>text</p></div>`)
	}
	b.WriteString("</body></html>")
	return b.Bytes()
}

func TestWriteSizesArePreserved(t *testing.T) {
	snip := testSnippet(t)
	in := bigPage(4200, 20<<10)
	head := bytes.Index(in, []byte("</head>"))
	rec := newRecorder()
	rec.header = htmlHeader()
	feed(t, rec, getRequest(), snip, Options{}, in, 4096)

	var want []int
	for off := 0; off < len(in); off += 4096 {
		n := min(4096, len(in)-off)
		if off <= head && head < off+n {
			want = append(want, head-off, len(snip.HTML()), off+n-head)
			continue
		}
		want = append(want, n)
	}
	if got := rec.writeSizes(); !equalInts(got, want) {
		t.Fatalf("write sizes %v, want %v", got, want)
	}
}

func TestOneByteWritesStayOneByte(t *testing.T) {
	snip := testSnippet(t)
	rec := newRecorder()
	rec.header = htmlHeader()
	feed(t, rec, getRequest(), snip, Options{}, []byte(page), 1)
	var big [][]byte
	for _, w := range rec.writes {
		if len(w) != 1 {
			big = append(big, w)
		}
	}
	// The one write that is not a byte carries the snippet and the held
	// start of the end tag it goes before.
	if len(big) != 1 || string(big[0]) != snip.HTML()+"</head" {
		t.Fatalf("writes other than one byte: %q", big)
	}
}

func TestFlush(t *testing.T) {
	snip := testSnippet(t)

	t.Run("flush sends the held status with streaming headers", func(t *testing.T) {
		rec := newRecorder()
		rec.header = htmlHeader()
		rec.header.Set("Content-Length", strconv.Itoa(len(page)))
		w := NewWriter(rec, getRequest(), snip, Options{})
		w.WriteHeader(http.StatusOK)
		if rec.status != 0 {
			t.Fatal("status sent before the body")
		}
		w.Flush()
		if rec.status != http.StatusOK || rec.flushes != 1 || rec.sent.Get("Content-Length") != "" {
			t.Fatalf("after Flush: status %d, flushes %d, Content-Length %q", rec.status, rec.flushes, rec.sent.Get("Content-Length"))
		}
		io.WriteString(w, page)
		w.Close()
		if w.Outcome() != Injected {
			t.Fatalf("outcome %v", w.Outcome())
		}
	})

	t.Run("flush without status sends 200 like net/http", func(t *testing.T) {
		rec := newRecorder()
		rec.header = htmlHeader()
		w := NewWriter(rec, getRequest(), snip, Options{})
		if err := w.FlushError(); err != nil {
			t.Fatal(err)
		}
		if rec.status != http.StatusOK || rec.flushes != 1 {
			t.Fatalf("status %d, flushes %d", rec.status, rec.flushes)
		}
	})

	t.Run("a held partial tag stays held across a flush", func(t *testing.T) {
		rec := newRecorder()
		rec.header = htmlHeader()
		w := NewWriter(rec, getRequest(), snip, Options{})
		io.WriteString(w, "<head><title>t</title></he")
		w.Flush()
		if got := string(rec.body()); got != "<head><title>t</title>" {
			t.Fatalf("sent before the tag completed: %q", got)
		}
		io.WriteString(w, "ad><body>")
		w.Close()
		if want := "<head><title>t</title>" + snip.HTML() + "</head><body>"; string(rec.body()) != want {
			t.Fatalf("body %q, want %q", rec.body(), want)
		}
	})
}

func TestCloseSendsHeldBytes(t *testing.T) {
	snip := testSnippet(t)
	for _, in := range []string{"<head></hea", "<head><", "<head></head", "<head></head a='>"} {
		rec := newRecorder()
		rec.header = htmlHeader()
		feed(t, rec, getRequest(), snip, Options{}, []byte(in), 3)
		if string(rec.body()) != in {
			t.Errorf("body %q, want %q", rec.body(), in)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	rec := newRecorder()
	rec.header = htmlHeader()
	w := NewWriter(rec, getRequest(), testSnippet(t), Options{})
	io.WriteString(w, "<head>")
	w.Close()
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := io.WriteString(w, "</head>"); !errors.Is(err, errClosed) {
		t.Fatalf("Write after Close: %v, want errClosed", err)
	}
}

func TestUnderlyingWriteErrorIsReturnedAndSticks(t *testing.T) {
	rec := newRecorder()
	rec.header = htmlHeader()
	rec.failWrites = true
	w := NewWriter(rec, getRequest(), testSnippet(t), Options{})
	if _, err := io.WriteString(w, "<head><title>"); !errors.Is(err, errBrokenPipe) {
		t.Fatalf("first Write: %v", err)
	}
	if _, err := io.WriteString(w, "</head>"); !errors.Is(err, errBrokenPipe) {
		t.Fatalf("second Write: %v", err)
	}
}

func TestDisabledWriterPassesThrough(t *testing.T) {
	snip := testSnippet(t)
	cases := map[string]func(*recorder) *Writer{
		"nil snippet":        func(r *recorder) *Writer { return NewWriter(r, getRequest(), nil, Options{}) },
		"negative lookahead": func(r *recorder) *Writer { return NewWriter(r, getRequest(), snip, Options{LookAhead: -1}) },
		"unknown placement":  func(r *recorder) *Writer { return NewWriter(r, getRequest(), snip, Options{Placement: 9}) },
		"nil request":        func(r *recorder) *Writer { return NewWriter(r, nil, snip, Options{}) },
	}
	for name, newWriter := range cases {
		rec := newRecorder()
		rec.header = htmlHeader()
		w := newWriter(rec)
		io.WriteString(w, page)
		w.Close()
		if string(rec.body()) != page || w.Outcome() != Skipped {
			t.Errorf("%s: body %q, outcome %v", name, rec.body(), w.Outcome())
		}
	}
}

func TestCSPNonceIsSpliced(t *testing.T) {
	snip := testSnippet(t)
	rec := newRecorder()
	rec.header = htmlHeader()
	rec.header.Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-r4nd0m+/=' 'strict-dynamic'")
	rec.header.Set("Content-Length", strconv.Itoa(len(page)))
	feed(t, rec, getRequest(), snip, Options{}, []byte(page))
	tagged := strings.Replace(snip.HTML(), "<script>", `<script nonce="r4nd0m+/=">`, 1)
	if want := strings.Replace(page, "</head>", tagged+"</head>", 1); string(rec.body()) != want {
		t.Fatalf("body %q\nwant %q", rec.body(), want)
	}
	if cl := rec.sent.Get("Content-Length"); cl != strconv.Itoa(rec.body2len()) {
		t.Fatalf("Content-Length %s, body %d", cl, rec.body2len())
	}
}

func (r *recorder) body2len() int { return len(r.body()) }

func TestCSPBlockedCallback(t *testing.T) {
	var reported []string
	rec := newRecorder()
	rec.header = htmlHeader()
	rec.header.Set("Content-Security-Policy", "img-src *, script-src 'self'")
	w := feed(t, rec, getRequest(), testSnippet(t), Options{OnCSPBlocked: func(p string) { reported = append(reported, p) }}, []byte(page))
	if w.Outcome() != CSPBlocked || string(rec.body()) != page {
		t.Fatalf("outcome %v, body %q", w.Outcome(), rec.body())
	}
	if len(reported) != 1 || reported[0] != "script-src 'self'" {
		t.Fatalf("reported %q", reported)
	}
}

// readFromRecorder counts how the writer hands bytes down.
type readFromRecorder struct {
	*recorder
	readFroms int
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.readFroms++
	b, err := io.ReadAll(src)
	r.recorder.Write(b)
	return int64(len(b)), err
}

func TestReadFrom(t *testing.T) {
	snip := testSnippet(t)
	in := bigPage(4200, 100<<10)
	want := bytes.Replace(in, []byte("</head>"), []byte(snip.HTML()+"</head>"), 1)

	t.Run("html scans then delegates", func(t *testing.T) {
		rec := &readFromRecorder{recorder: newRecorder()}
		rec.header = htmlHeader()
		w := NewWriter(rec, getRequest(), snip, Options{})
		n, err := io.Copy(w, onlyReader{bytes.NewReader(in)})
		if err != nil || n != int64(len(in)) {
			t.Fatalf("io.Copy = %d, %v", n, err)
		}
		w.Close()
		if !bytes.Equal(rec.body(), want) {
			t.Fatal("body differs")
		}
		if rec.readFroms != 1 {
			t.Fatalf("underlying ReadFrom used %d times, want once for the rest", rec.readFroms)
		}
	})

	t.Run("not html delegates at once", func(t *testing.T) {
		rec := &readFromRecorder{recorder: newRecorder()}
		rec.header.Set("Content-Type", "image/png")
		w := NewWriter(rec, getRequest(), snip, Options{})
		if _, err := io.Copy(w, onlyReader{bytes.NewReader(in)}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if rec.readFroms != 1 || len(rec.writes) != 1 || !bytes.Equal(rec.body(), in) {
			t.Fatalf("ReadFrom calls %d, writes %d", rec.readFroms, len(rec.writes))
		}
	})

	t.Run("underlying without ReadFrom", func(t *testing.T) {
		rec := newRecorder()
		rec.header = htmlHeader()
		w := NewWriter(rec, getRequest(), snip, Options{})
		if _, err := w.ReadFrom(onlyReader{bytes.NewReader(in)}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if !bytes.Equal(rec.body(), want) {
			t.Fatal("body differs")
		}
	})

	t.Run("read error", func(t *testing.T) {
		rec := newRecorder()
		rec.header = htmlHeader()
		w := NewWriter(rec, getRequest(), snip, Options{})
		boom := errors.New("boom")
		if _, err := w.ReadFrom(io.MultiReader(strings.NewReader("<head>"), errReader{boom})); !errors.Is(err, boom) {
			t.Fatalf("ReadFrom error %v, want boom", err)
		}
	})
}

// onlyReader hides any WriterTo of the wrapped reader.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Injected: "injected", CSPBlocked: "csp_blocked", NoInsertionPoint: "no_insertion_point", Outcome(99): "unknown"} {
		if o.String() != want {
			t.Errorf("%d: %q, want %q", o, o.String(), want)
		}
	}
}
