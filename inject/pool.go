package inject

import "sync"

// Held tag bytes and the snippet with its nonce are assembled in one pooled
// buffer per response, taken only when needed. ReadFrom reads through a second
// pool of larger buffers, only while it still scans.
const (
	heldBufSize  = 4 << 10
	maxPooledBuf = 64 << 10 // larger buffers (a huge held tag) are left to the GC
	copyBufSize  = 32 << 10 // io.Copy's own buffer size
)

var (
	heldPool = sync.Pool{New: func() any { b := make([]byte, 0, heldBufSize); return &b }}
	copyPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}
)

func putBuf(pool *sync.Pool, b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		pool.Put(b)
	}
}
