package inject

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serve runs handler behind a Writer in a real HTTP server, the way the Caddy
// module will: wrap, serve, Close.
func serve(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	snip := testSnippet(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iw := NewWriter(w, r, snip, Options{})
		defer iw.Close()
		handler(iw, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestServerTrailersSurvive(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "<head>")
		w.(http.Flusher).Flush()
		io.WriteString(w, "</head><body>x</body>")
		w.Header().Set("X-Checksum", "abc")
	})
	resp, body := get(t, srv.URL)
	if !bytes.Contains(body, []byte(Marker)) {
		t.Fatalf("not injected: %s", body)
	}
	if resp.Trailer.Get("X-Checksum") != "abc" {
		t.Fatalf("trailer lost: %v", resp.Trailer)
	}
}

func TestServerExactContentLength(t *testing.T) {
	in := bigPage(4200, 20<<10)
	modTime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "page.html", modTime, bytes.NewReader(in))
	})

	resp, body := get(t, srv.URL)
	if !bytes.Contains(body, []byte(Marker)) || len(body) != len(in)+len(testSnippet(t).HTML()) {
		t.Fatalf("body of %d bytes, injected %v", len(body), bytes.Contains(body, []byte(Marker)))
	}
	if resp.ContentLength != int64(len(body)) || resp.Header.Get("Accept-Ranges") != "" {
		t.Fatalf("Content-Length %d for %d bytes, Accept-Ranges %q", resp.ContentLength, len(body), resp.Header.Get("Accept-Ranges"))
	}

	// A range request gets the upstream's partial content untouched.
	resp, body = get(t, srv.URL, "Range", "bytes=0-9")
	if resp.StatusCode != http.StatusPartialContent || string(body) != string(in[:10]) {
		t.Fatalf("range: %d %q", resp.StatusCode, body)
	}
	// So does a conditional request, answered 304.
	resp, _ = get(t, srv.URL, "If-Modified-Since", modTime.Format(http.TimeFormat))
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional: %d", resp.StatusCode)
	}
}

func TestServerResponseController(t *testing.T) {
	flushed := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through Unwrap: %v", err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex through Unwrap: %v", err)
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<head></head><body>")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		select { // the client reads the head before the rest is written
		case <-flushed:
		case <-time.After(10 * time.Second):
			t.Error("the flushed head never reached the client")
		}
		io.WriteString(w, "</body>")
	})
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	first := make([]byte, len("<head>")+len(testSnippet(t).HTML())+len("</head><body>"))
	if _, err := io.ReadFull(br, first); err != nil {
		t.Fatalf("reading the flushed part: %v", err)
	}
	close(flushed)
	rest, _ := io.ReadAll(br)
	if !bytes.Contains(first, []byte(Marker)) || string(rest) != "</body>" {
		t.Fatalf("first %q, rest %q", first, rest)
	}
}

func TestServerHijackForWebSockets(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString(line)
		brw.Flush()
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	io.WriteString(conn, "ping\n")
	if line, _ := br.ReadString('\n'); line != "ping\n" {
		t.Fatalf("echo %q", line)
	}
}

func TestServerHeadMatchesGet(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Header().Set("Etag", `"v1"`)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet && r.URL.Path == "/page" {
			io.WriteString(w, page)
		}
	})
	resp, err := http.Head(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get, body := get(t, srv.URL+"/page")
	if get.Header.Get("Etag") != `W/"v1"` || get.ContentLength != int64(len(body)) {
		t.Fatalf("GET headers %v for %d bytes", get.Header, len(body))
	}
	if resp.Header.Get("Etag") != `W/"v1"` || resp.Header.Get("Content-Length") != get.Header.Get("Content-Length") {
		t.Fatalf("HEAD headers %v, GET's %v", resp.Header, get.Header)
	}
}
