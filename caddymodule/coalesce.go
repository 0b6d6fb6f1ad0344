package caddymodule

import (
	"io"
	"net/http"
	"strings"
	"sync"
)

// coalesceSize is how much of an HTML body is gathered before its first
// write goes out: as much as net/http buffers anyway, so nothing reaches
// the client later than it would have. A Flush sends the gathered bytes
// early, once there are more than flushAfter: encode's default
// minimum_length, so that the first write it sees can still be compressed.
const (
	coalesceSize = 4 << 10
	flushAfter   = 512
)

// coalescer sits between the injector and the writer below it (Caddy's
// encode, typically). The injector splits the write that carries the
// insertion point in three, the first often a few dozen bytes; encode
// decides whether to compress from the first write's size (its
// minimum_length), so it would leave every injected page uncompressed.
// The coalescer gathers the start of an HTML body until coalesceSize bytes,
// a Flush after more than flushAfter bytes, or the end, and sends it as one
// write; then it passes writes through. (reverse_proxy flushes after every
// chunk of a streamed response, so a Flush alone cannot release it.) Other
// responses pass through from the first write.
type coalescer struct {
	http.ResponseWriter
	buffers *sync.Pool // of *[]byte
	buf     []byte
	through bool
}

func newCoalescer(w http.ResponseWriter, buffers *sync.Pool) *coalescer {
	return &coalescer{ResponseWriter: w, buffers: buffers}
}

// newBufferPool recycles the coalescers' buffers.
func newBufferPool() *sync.Pool {
	return &sync.Pool{New: func() any { b := make([]byte, 0, 2*coalesceSize); return &b }}
}

// Write gathers or passes p on.
func (c *coalescer) Write(p []byte) (int, error) {
	if c.through {
		return c.ResponseWriter.Write(p)
	}
	if c.buf == nil {
		if len(p) >= coalesceSize || !strings.HasPrefix(c.Header().Get("Content-Type"), "text/html") {
			c.through = true
			return c.ResponseWriter.Write(p)
		}
		c.buf = (*c.buffers.Get().(*[]byte))[:0]
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= coalesceSize {
		if err := c.release(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// release sends what was gathered and passes later writes through.
func (c *coalescer) release() error {
	c.through = true
	if len(c.buf) == 0 {
		return nil
	}
	buf := c.buf
	c.buf = nil
	_, err := c.ResponseWriter.Write(buf)
	if cap(buf) <= 4*coalesceSize {
		buf = buf[:0]
		c.buffers.Put(&buf)
	}
	return err
}

// ReadFrom gathers the start of src, then hands the rest to the writer
// below, so that sendfile still serves files.
func (c *coalescer) ReadFrom(src io.Reader) (int64, error) {
	var n int64
	if !c.through {
		buf := make([]byte, 32<<10)
		for !c.through {
			m, err := src.Read(buf)
			if m > 0 {
				if _, werr := c.Write(buf[:m]); werr != nil {
					return n, werr
				}
				n += int64(m)
			}
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return n, err
			}
		}
	}
	m, err := io.Copy(c.ResponseWriter, src)
	return n + m, err
}

// FlushError sends what was gathered, once it is more than flushAfter
// bytes, and flushes the writer below.
func (c *coalescer) FlushError() error {
	if !c.through && len(c.buf) <= flushAfter {
		return nil // encode, below, would not flush before the first write either
	}
	if err := c.release(); err != nil {
		return err
	}
	return http.NewResponseController(c.ResponseWriter).Flush()
}

// Flush is FlushError for http.Flusher.
func (c *coalescer) Flush() { _ = c.FlushError() }

// Close sends what is still gathered; call it when the response is done.
func (c *coalescer) Close() error { return c.release() }

// Unwrap returns the writer below, for http.ResponseController.
func (c *coalescer) Unwrap() http.ResponseWriter { return c.ResponseWriter }
