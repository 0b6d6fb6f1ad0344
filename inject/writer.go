package inject

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
)

// Outcome tells what a Writer did with a response.
type Outcome uint8

const (
	// Undecided: the writer has not seen enough of the response yet.
	Undecided Outcome = iota
	// Injected: the snippet is in the body.
	Injected
	// Skipped: not an injectable response (method, status, content type,
	// encoding, Cache-Control: no-transform, or a HEAD request).
	Skipped
	// CSPBlocked: the response's Content-Security-Policy, in a header or in
	// a <meta> tag before the insertion point, would block the snippet and
	// offers no nonce; Options.OnCSPBlocked was called.
	CSPBlocked
	// AlreadyPresent: the body holds Marker before the insertion point.
	AlreadyPresent
	// NoInsertionPoint: no insertion point within the look-ahead, or the
	// body ended before one.
	NoInsertionPoint
)

var outcomeNames = [...]string{"undecided", "injected", "skipped", "csp_blocked", "already_present", "no_insertion_point"}

// String returns the outcome's name, e.g. "injected", for logs and metrics.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

type phase uint8

const (
	phaseInit     phase = iota // no status yet
	phasePending               // injectable GET: status held until the first body bytes
	phaseScan                  // status sent, looking for the insertion point
	phasePass                  // every write goes straight through
	phaseHijacked              // the connection belongs to the handler
	phaseClosed
)

var errClosed = errors.New("inject: write after Close: the handler must finish writing before the writer is closed")

// Writer is an http.ResponseWriter that injects a Snippet into the response
// passing through it. It also implements http.Flusher, http.Hijacker,
// io.ReaderFrom and Unwrap, so http.ResponseController keeps working.
// Like any ResponseWriter it is not safe for concurrent use.
type Writer struct {
	rw       http.ResponseWriter
	req      *http.Request
	snip     *Snippet
	opts     Options
	disabled bool // invalid options, no snippet or no request
	phase    phase
	result   Outcome
	status   int
	nonce    string
	sc       scanner
	marker   markerFinder
	held     *[]byte // pooled; holds a candidate tag's bytes, then the snippet
	err      error   // first error of the underlying writer
}

// NewWriter wraps w for the response to r. Call Close when the handler has
// returned, to send what the writer still holds. With a nil snippet or
// invalid options the writer passes everything through unchanged.
func NewWriter(w http.ResponseWriter, r *http.Request, s *Snippet, opts Options) *Writer {
	iw := &Writer{rw: w, req: r, snip: s, opts: opts}
	iw.disabled = s == nil || r == nil || opts.Validate() != nil
	iw.sc.want = targetsFor(opts.Placement)
	return iw
}

// Outcome reports what the writer did with the response so far.
func (w *Writer) Outcome() Outcome { return w.result }

// Header returns the underlying writer's header map: trailers set on it
// after the body still reach the client.
func (w *Writer) Header() http.Header { return w.rw.Header() }

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.rw }

// WriteHeader decides from the status and headers whether the response can
// take the snippet. Informational statuses pass through at once; the final
// status of an injectable GET response is held until the first body bytes,
// so that a short body still gets an exact Content-Length.
func (w *Writer) WriteHeader(code int) {
	if w.phase != phaseInit {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.rw.WriteHeader(code)
		return
	}
	w.status = code
	h := w.rw.Header()
	if !w.injectable(h) {
		if code == http.StatusNotModified && !w.disabled {
			weakenNotModified(h, w.req)
		}
		w.pass(Skipped)
		return
	}
	v := evaluateCSP(h, nil, w.snip, w.req)
	if v.blocked != "" {
		if w.opts.OnCSPBlocked != nil {
			w.opts.OnCSPBlocked(v.blocked)
		}
		w.pass(CSPBlocked)
		return
	}
	if w.req.Method == http.MethodHead {
		// As GET would send them when the insertion point is in its first
		// write, as it is for a page served whole: a known length grows by
		// the snippet, an unknown one stays unknown.
		prepareInjected(h, w.snip.size(v.nonce))
		w.pass(Skipped)
		return
	}
	w.nonce = v.nonce
	w.phase = phasePending
}

// injectable reports whether the response is one the snippet may go into,
// HEAD included.
func (w *Writer) injectable(h http.Header) bool {
	if w.disabled {
		return false
	}
	switch w.req.Method {
	case http.MethodGet, http.MethodHead, "":
	default:
		return false
	}
	switch c := w.status; {
	case c < 200 || c > 299, c == http.StatusNoContent, c == http.StatusResetContent, c == http.StatusPartialContent:
		return false
	}
	return isHTML(h) && isIdentity(h) && !hasToken(h["Cache-Control"], "no-transform")
}

// pass sends the status and stops looking at the response.
func (w *Writer) pass(o Outcome) {
	w.result = o
	w.phase = phasePass
	w.rw.WriteHeader(w.status)
}

// Write passes p on, injecting the snippet when p completes the insertion
// point.
func (w *Writer) Write(p []byte) (int, error) {
	if w.phase == phasePass {
		return w.rw.Write(p)
	}
	return w.writeSlow(p)
}

func (w *Writer) writeSlow(p []byte) (int, error) {
	switch w.phase {
	case phaseInit:
		w.WriteHeader(http.StatusOK)
		if w.phase == phasePass {
			return w.rw.Write(p)
		}
	case phaseHijacked:
		return 0, http.ErrHijacked
	case phaseClosed:
		return 0, errClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	return w.scanWrite(p)
}

// scanWrite looks for the insertion point in p, within the look-ahead, and
// acts on what it finds.
func (w *Writer) scanWrite(p []byte) (int, error) {
	base := w.sc.off
	limit := int64(len(p))
	if rest := w.opts.lookAhead() - base; rest < limit {
		limit = rest
	}
	end, ev := w.sc.scan(p[:limit])
	switch {
	case w.marker.find(p[:end]):
		return w.giveUp(p, AlreadyPresent)
	case (ev == evBefore || ev == evAfter) && w.metaBlocks():
		return w.giveUp(p, CSPBlocked)
	case ev == evBefore:
		return w.inject(p, base, w.sc.tagStart)
	case ev == evAfter:
		return w.inject(p, base, base+int64(end))
	case ev == evStop, base+limit >= w.opts.lookAhead():
		return w.giveUp(p, NoInsertionPoint)
	}
	return w.hold(p, base)
}

// metaBlocks evaluates the policies of the CSP metas before the insertion
// point together with the header's. When they admit the snippet it sets the
// nonce to use; otherwise it reports the policy that blocks.
func (w *Writer) metaBlocks() bool {
	meta := w.sc.mc.policies
	if len(meta) == 0 {
		return false
	}
	v := evaluateCSP(w.rw.Header(), meta, w.snip, w.req)
	if v.blocked != "" {
		if w.opts.OnCSPBlocked != nil {
			w.opts.OnCSPBlocked(v.blocked)
		}
		return true
	}
	w.nonce = v.nonce
	return false
}

// inject sends p with the snippet at stream offset at; held bytes, if any,
// precede p.
func (w *Writer) inject(p []byte, base, at int64) (int, error) {
	if w.phase == phasePending {
		prepareInjected(w.rw.Header(), w.snip.size(w.nonce))
		w.rw.WriteHeader(w.status)
	}
	w.phase, w.result = phasePass, Injected
	defer w.release()
	if at < base {
		// The insertion tag began in the held bytes, which start at it.
		if err := w.writeSnippet(true); err != nil {
			return 0, err
		}
		return w.send(p)
	}
	if err := w.sendHeld(); err != nil {
		return 0, err
	}
	k := int(at - base)
	n, err := w.send(p[:k])
	if err != nil {
		return n, err
	}
	if err := w.writeSnippet(false); err != nil {
		return k, err
	}
	m, err := w.send(p[k:])
	return k + m, err
}

// hold sends what cannot be part of the insertion point and keeps the bytes
// of a tag that still can.
func (w *Writer) hold(p []byte, base int64) (int, error) {
	if w.phase == phasePending {
		h := w.rw.Header()
		if cl := contentLength(h); cl >= 0 && base+int64(len(p)) >= cl {
			return w.giveUp(p, NoInsertionPoint) // the whole body, and no place
		}
		prepareStreaming(h)
		w.rw.WriteHeader(w.status)
		w.phase = phaseScan
	}
	if !w.sc.holding() {
		if err := w.sendHeld(); err != nil {
			return 0, err
		}
		return w.send(p)
	}
	start := w.sc.tagStart
	if start < base { // the candidate from earlier writes goes on
		w.keep(p)
		return len(p), nil
	}
	if err := w.sendHeld(); err != nil {
		return 0, err
	}
	k := int(start - base)
	n, err := w.send(p[:k])
	if err != nil {
		return n, err
	}
	w.keep(p[k:])
	return len(p), nil
}

// giveUp sends everything unchanged from now on.
func (w *Writer) giveUp(p []byte, o Outcome) (int, error) {
	if w.phase == phasePending {
		w.rw.WriteHeader(w.status) // nothing was changed: headers stay true
	}
	w.phase, w.result = phasePass, o
	defer w.release()
	if err := w.sendHeld(); err != nil {
		return 0, err
	}
	return w.send(p)
}

// send writes p unless it is empty, and remembers a failure.
func (w *Writer) send(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := w.rw.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// keep appends p to the held bytes.
func (w *Writer) keep(p []byte) {
	if w.held == nil {
		w.held = heldPool.Get().(*[]byte)
	}
	*w.held = append(*w.held, p...)
}

// sendHeld writes the held bytes on their own, and forgets them.
func (w *Writer) sendHeld() error {
	if w.held == nil || len(*w.held) == 0 {
		return nil
	}
	_, err := w.send(*w.held)
	*w.held = (*w.held)[:0]
	return err
}

// writeSnippet writes the snippet, followed by the held bytes if withHeld.
// Without a nonce or held bytes it writes the rendered snippet as it is;
// otherwise it assembles one write in the pooled buffer.
func (w *Writer) writeSnippet(withHeld bool) error {
	if w.nonce == "" && !withHeld {
		_, err := w.send(w.snip.html)
		return err
	}
	if w.held == nil {
		w.held = heldPool.Get().(*[]byte)
	}
	held := *w.held
	if !withHeld {
		held = held[:0]
	}
	out := w.snip.appendHTML(held[len(held):], w.nonce)
	out = append(out, held...)
	_, err := w.send(out)
	*w.held = (*w.held)[:0]
	return err
}

// release returns the pooled buffers.
func (w *Writer) release() {
	if w.held != nil {
		putBuf(&heldPool, w.held)
		w.held = nil
	}
	w.sc.mc.release()
}

// Flush sends the status if it is still held and flushes the underlying
// writer. A tag that may be the insertion point stays held: it is incomplete,
// so a browser could not act on it yet either.
func (w *Writer) Flush() { _ = w.FlushError() }

// FlushError is Flush that reports the underlying writer's error, for
// http.ResponseController.
func (w *Writer) FlushError() error {
	switch w.phase {
	case phaseInit:
		w.WriteHeader(http.StatusOK) // as net/http does on a flush
	case phaseHijacked:
		return http.ErrHijacked
	case phaseClosed:
		return errClosed
	}
	if w.phase == phasePending {
		prepareStreaming(w.rw.Header())
		w.rw.WriteHeader(w.status)
		w.phase = phaseScan
	}
	switch f := w.rw.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	return http.NewResponseController(w.rw).Flush()
}

// Hijack hands the connection to the handler, e.g. for a WebSocket passing
// through; the writer is done with the response.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.phase = phaseHijacked
		w.release()
	}
	return conn, brw, err
}

// ReadFrom copies src into the response. While the writer still scans, it
// reads through a pooled buffer; once it passes through, the rest goes to the
// underlying writer's ReadFrom, so sendfile still serves static files.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	if w.phase == phaseInit {
		w.WriteHeader(http.StatusOK)
	}
	var n int64
	if w.phase == phasePending || w.phase == phaseScan {
		bp := copyPool.Get().(*[]byte)
		defer putBuf(&copyPool, bp)
		buf := (*bp)[:cap(*bp)]
		for w.phase == phasePending || w.phase == phaseScan {
			m, rerr := src.Read(buf)
			if m > 0 {
				k, werr := w.Write(buf[:m])
				n += int64(k)
				if werr != nil {
					return n, werr
				}
			}
			if rerr == io.EOF {
				return n, nil
			}
			if rerr != nil {
				return n, rerr
			}
		}
	}
	switch w.phase {
	case phaseHijacked:
		return n, http.ErrHijacked
	case phaseClosed:
		return n, errClosed
	}
	m, err := io.Copy(w.rw, src)
	return n + m, err
}

// Close sends what the writer still holds: the status of a response whose
// body never came, or the start of a tag that the body ended in. It must be
// called once the handler has returned; later writes fail.
func (w *Writer) Close() error {
	var err error
	switch w.phase {
	case phasePending:
		w.rw.WriteHeader(w.status) // empty body: headers untouched
		w.result = NoInsertionPoint
	case phaseScan:
		w.result = NoInsertionPoint
		if w.err == nil {
			err = w.sendHeld()
		}
	case phaseHijacked:
		return nil
	}
	w.release()
	w.phase = phaseClosed
	return err
}

var (
	_ http.ResponseWriter = (*Writer)(nil)
	_ http.Flusher        = (*Writer)(nil)
	_ http.Hijacker       = (*Writer)(nil)
	_ io.ReaderFrom       = (*Writer)(nil)
)
