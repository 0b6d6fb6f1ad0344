package inject

import (
	"net/http"
	"sync"
	"testing"
)

func TestPutBuf(t *testing.T) {
	var pool sync.Pool

	small := make([]byte, 5, 10)
	putBuf(&pool, &small)
	if len(small) != 0 {
		t.Fatalf("a pooled buffer keeps %d bytes", len(small))
	}

	huge := make([]byte, 5, maxPooledBuf+1)
	putBuf(&pool, &huge)
	if len(huge) != 5 {
		t.Fatal("an oversized buffer went to the pool")
	}
}

func TestOneAllocationPerResponse(t *testing.T) {
	// Held bytes and a nonce need the pooled buffer; a response that used it
	// gives it back, so the Writer itself stays the only allocation.
	snip := testSnippet(t)
	d := &discardWriter{h: http.Header{}}
	req := getRequest()
	body := []byte(page)
	csp := []string{"script-src 'nonce-abc' 'strict-dynamic'"}
	run := func() {
		clear(d.h)
		d.h["Content-Type"] = htmlType
		d.h["Content-Security-Policy"] = csp
		w := NewWriter(d, req, snip, Options{})
		for i := range body {
			w.Write(body[i : i+1])
		}
		w.Close()
		if w.Outcome() != Injected {
			t.Fatalf("outcome %v", w.Outcome())
		}
	}
	run()
	// The race detector makes sync.Pool drop a quarter of what is put back,
	// which adds at most a fraction of an allocation on average.
	if n := testing.AllocsPerRun(100, run); n > 1 {
		t.Fatalf("%v allocations per response, want 1", n)
	}
}
