package caddymodule

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// writeLog records the writes that reach it.
type writeLog struct {
	*httptest.ResponseRecorder
	writes  []int
	flushes int
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.ResponseRecorder.Write(p)
}

func (w *writeLog) Flush() { w.flushes++ }

func TestCoalescer(t *testing.T) {
	tests := []struct {
		name   string
		ctype  string
		steps  []string // "w<n>" writes n bytes, "f" flushes
		writes []int
	}{
		{"html gathered until the end", "text/html", []string{"w20", "w500", "w300"}, []int{820}},
		{"html released at the size", "text/html", []string{"w3000", "w2000", "w10"}, []int{5000, 10}},
		{"flush ignored while small", "text/html", []string{"w20", "f", "w600", "f", "w5"}, []int{620, 5}},
		{"other types pass through", "application/json", []string{"w20", "w500"}, []int{20, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			under := &writeLog{ResponseRecorder: httptest.NewRecorder()}
			under.Header().Set("Content-Type", tt.ctype)
			c := newCoalescer(under, newBufferPool())
			for _, s := range tt.steps {
				if s == "f" {
					c.Flush()
					continue
				}
				n := 0
				for _, d := range s[1:] {
					n = n*10 + int(d-'0')
				}
				if _, err := c.Write(bytes.Repeat([]byte("x"), n)); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if !equalInts(under.writes, tt.writes) {
				t.Errorf("writes %v, want %v", under.writes, tt.writes)
			}
		})
	}
}

func TestCoalescerReadFrom(t *testing.T) {
	under := &writeLog{ResponseRecorder: httptest.NewRecorder()}
	under.Header().Set("Content-Type", "text/html")
	c := newCoalescer(under, newBufferPool())
	body := strings.Repeat("<p>x</p>", 2000)
	n, err := c.ReadFrom(strings.NewReader(body))
	if err != nil || n != int64(len(body)) {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	_ = c.Close()
	if under.Body.String() != body {
		t.Error("body changed")
	}
	if len(under.writes) == 0 || under.writes[0] < coalesceSize {
		t.Errorf("first write %v, want at least %d bytes", under.writes, coalesceSize)
	}
	if http.NewResponseController(c).Flush() != nil {
		t.Error("flush through the controller failed")
	}
}

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
