package mautictest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// recording is one exchange captured from a real Mautic 5.1
// (shared/mautic/recordings/NN_*.http).
type recording struct {
	name          string
	method        string
	target        string // path and raw query, as sent
	reqHeader     []headerLine
	reqBody       []byte
	status        int
	respHeader    http.Header
	respBody      []byte // de-chunked
	bodyOmitted   bool   // "[body omitted: ...]"
	bodyTruncated bool   // the recorder cut the body short
}

type headerLine struct{ key, value string }

const (
	reqMarker  = "### REQUEST"
	respMarker = "### RESPONSE"
)

// recordingsDir finds the recordings: $MAUTIC_RECORDINGS, else the copy in
// the repository's testdata/shared.
func recordingsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("MAUTIC_RECORDINGS")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "shared", "mautic", "recordings")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("recordings not found at %s (set MAUTIC_RECORDINGS to shared/mautic/recordings): %v", dir, err)
	}
	return dir
}

// parseRecording reads one .http file: the request as sent, the response as
// received with its chunk framing removed.
func parseRecording(name string, data []byte) (recording, error) {
	rec := recording{name: name}
	ri := bytes.Index(data, []byte(reqMarker))
	si := bytes.Index(data, []byte(respMarker))
	if ri < 0 || si < ri {
		return rec, errors.New("no request/response markers")
	}
	req := afterLine(data[ri:si])
	resp := afterLine(data[si:])
	head, body, ok := splitHead(req)
	if !ok {
		return rec, errors.New("request has no header end")
	}
	lines := headLines(head)
	if len(lines) == 0 {
		return rec, errors.New("empty request")
	}
	parts := strings.Fields(lines[0])
	if len(parts) != 3 {
		return rec, fmt.Errorf("bad request line %q", lines[0])
	}
	rec.method, rec.target = parts[0], parts[1]
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return rec, fmt.Errorf("bad request header %q", l)
		}
		rec.reqHeader = append(rec.reqHeader, headerLine{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	rec.reqBody = bytes.TrimRight(body, "\r\n")

	head, body, ok = splitHead(resp)
	if !ok {
		return rec, errors.New("response has no header end")
	}
	lines = headLines(head)
	if len(lines) == 0 {
		return rec, errors.New("empty response")
	}
	parts = strings.SplitN(lines[0], " ", 3)
	if len(parts) < 2 {
		return rec, fmt.Errorf("bad status line %q", lines[0])
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil {
		return rec, fmt.Errorf("bad status %q", parts[1])
	}
	rec.status = status
	rec.respHeader = make(http.Header)
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return rec, fmt.Errorf("bad response header %q", l)
		}
		rec.respHeader.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
	}
	body = bytes.TrimRight(body, "\r\n")
	switch {
	case bytes.HasPrefix(body, []byte("[body omitted")):
		rec.bodyOmitted = true
	case strings.EqualFold(rec.respHeader.Get("Transfer-Encoding"), "chunked"):
		rec.respBody, rec.bodyTruncated = dechunk(body)
	default:
		rec.respBody = body
	}
	return rec, nil
}

// afterLine drops the marker line.
func afterLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return nil
}

// splitHead splits at the first blank line, CRLF or LF.
func splitHead(b []byte) (head, body []byte, ok bool) {
	crlf := bytes.Index(b, []byte("\r\n\r\n"))
	lf := bytes.Index(b, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return b[:crlf], b[crlf+4:], true
	case lf >= 0:
		return b[:lf], b[lf+2:], true
	}
	return nil, nil, false
}

func headLines(head []byte) []string {
	var out []string
	for _, l := range strings.Split(string(head), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// dechunk removes chunked framing; truncated is true when the recorder cut
// the body inside a chunk.
func dechunk(b []byte) (body []byte, truncated bool) {
	var out []byte
	for {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			// The last line of a file has lost its newline: "0" ends the body.
			return out, strings.TrimSpace(string(b)) != "0"
		}
		size, err := strconv.ParseUint(strings.TrimSpace(string(b[:nl])), 16, 32)
		if err != nil {
			return out, true
		}
		b = b[nl+1:]
		if size == 0 {
			return out, false
		}
		if uint64(len(b)) < size {
			return append(out, b...), true
		}
		out = append(out, b[:size]...)
		b = bytes.TrimLeft(b[size:], "\r\n")
	}
}

// loadRecordings reads every .http file in name order.
func loadRecordings(t testing.TB) []recording {
	t.Helper()
	dir := recordingsDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.http"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .http recordings in %s: %v", dir, err)
	}
	var out []recording
	for _, f := range files { // Glob sorts by name
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := parseRecording(filepath.Base(f), data)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		out = append(out, rec)
	}
	return out
}

// rawWebhook is one captured webhook request (recordings/webhooks/*.raw).
type rawWebhook struct {
	name   string
	header http.Header
	body   []byte
}

func loadWebhookCaptures(t testing.TB) []rawWebhook {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(recordingsDir(t), "webhooks", "*.raw"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no webhook captures: %v", err)
	}
	var out []rawWebhook
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, ok := splitHead(data)
		if !ok {
			t.Fatalf("%s: no header end", f)
		}
		h := make(http.Header)
		for _, l := range headLines(head)[1:] {
			k, v, _ := strings.Cut(l, ":")
			h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)), strings.TrimSpace(v))
		}
		if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n <= len(body) {
			body = body[:n]
		}
		out = append(out, rawWebhook{name: filepath.Base(f), header: h, body: body})
	}
	return out
}

func TestParseRecording(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantErr   bool
		status    int
		body      string
		truncated bool
		omitted   bool
	}{
		{name: "chunked", in: "### REQUEST x\nGET /api/contacts HTTP/1.1\nHost: h\n\n\n### RESPONSE x\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
			status: 200, body: "abcde"},
		{name: "truncated", in: "### REQUEST x\nGET / HTTP/1.1\n\n\n### RESPONSE x\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\nabc\n... [truncated]\n",
			status: 200, body: "abc\n... [truncated]", truncated: true},
		{name: "omitted", in: "### REQUEST x\nGET /mtc.js HTTP/1.1\n\n\n### RESPONSE x\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n[body omitted: script]\n",
			status: 200, omitted: true},
		{name: "plain body", in: "### REQUEST x\nPOST /x HTTP/1.1\nContent-Length: 999\n\na=1\n\n### RESPONSE x\nHTTP/1.1 204 No Content\r\n\r\n",
			status: 204},
		{name: "no markers", in: "GET / HTTP/1.1\n\n", wantErr: true},
		{name: "bad status", in: "### REQUEST x\nGET / HTTP/1.1\n\n\n### RESPONSE x\nHTTP/1.1 abc OK\r\n\r\n", wantErr: true},
		{name: "bad request line", in: "### REQUEST x\nGET\n\n\n### RESPONSE x\nHTTP/1.1 200 OK\r\n\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := parseRecording(tt.name, []byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if rec.status != tt.status || string(rec.respBody) != tt.body || rec.bodyTruncated != tt.truncated || rec.bodyOmitted != tt.omitted {
				t.Errorf("got status %d body %q truncated %v omitted %v", rec.status, rec.respBody, rec.bodyTruncated, rec.bodyOmitted)
			}
		})
	}
}

func TestRecordingsParse(t *testing.T) {
	recs := loadRecordings(t)
	if len(recs) < 60 {
		t.Fatalf("parsed %d recordings, want the full set (60+)", len(recs))
	}
	for _, r := range recs {
		if r.status == 0 || r.method == "" {
			t.Errorf("%s: incomplete parse", r.name)
		}
	}
}

func FuzzParseRecording(f *testing.F) {
	f.Add([]byte("### REQUEST x\nGET / HTTP/1.1\n\n\n### RESPONSE x\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("### REQUEST\n### RESPONSE\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := parseRecording("fuzz", data)
		if err == nil && rec.method == "" {
			t.Fatal("parsed a recording without a method")
		}
	})
}
