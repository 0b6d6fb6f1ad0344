package inject

import (
	"errors"
	"fmt"
)

// DefaultLookAhead is how many body bytes a writer scans for the insertion
// point when Options.LookAhead is zero.
const DefaultLookAhead = 64 << 10

// Placement says where in the page the snippet goes.
type Placement uint8

const (
	// BeforeHeadEnd puts the snippet right before the first </head> end tag.
	// It is the default.
	BeforeHeadEnd Placement = iota
	// AfterHeadStart puts the snippet right after the first <head> start tag.
	AfterHeadStart
	// BeforeBodyEnd puts the snippet right before the first </body> end tag.
	BeforeBodyEnd
)

var placementNames = [...]string{
	BeforeHeadEnd:  "before_head_end",
	AfterHeadStart: "after_head_start",
	BeforeBodyEnd:  "before_body_end",
}

// String returns the placement's configuration name, e.g. "before_head_end".
func (p Placement) String() string {
	if int(p) < len(placementNames) {
		return placementNames[p]
	}
	return fmt.Sprintf("Placement(%d)", uint8(p))
}

// ParsePlacement reads a placement's configuration name, as String writes it.
func ParsePlacement(name string) (Placement, error) {
	for p, n := range placementNames {
		if n == name {
			return Placement(p), nil
		}
	}
	return 0, fmt.Errorf("inject: unknown placement %q: use before_head_end, after_head_start or before_body_end", name)
}

// Options tune a Writer. The zero value is ready to use.
type Options struct {
	// Placement is where the snippet goes; BeforeHeadEnd by default.
	//
	// With BeforeHeadEnd and AfterHeadStart, a page that opens <body> before
	// any usable head tag gets the snippet right before its <body> tag.
	Placement Placement

	// LookAhead is how many bytes from the start of the body may be scanned
	// for the insertion point; the whole insertion tag must end within it.
	// When it is exhausted the response passes through unchanged. It also
	// bounds the memory a response can hold back. Zero means
	// DefaultLookAhead.
	LookAhead int

	// OnCSPBlocked, if set, is called with the offending policy when a
	// response's Content-Security-Policy, from a header or from a <meta> tag
	// before the insertion point, would block the snippet and offers no
	// nonce to lift the block. Such responses pass through unchanged. It is
	// called once per such response, so deduplicate before logging.
	OnCSPBlocked func(policy string)
}

// Validate reports whether the options are usable. NewWriter given invalid
// options passes every response through unchanged, so call Validate when the
// configuration is loaded.
func (o Options) Validate() error {
	if int(o.Placement) >= len(placementNames) {
		return fmt.Errorf("inject: unknown placement %d: use BeforeHeadEnd, AfterHeadStart or BeforeBodyEnd", o.Placement)
	}
	if o.LookAhead < 0 {
		return errors.New("inject: look-ahead is negative: use 0 for the default of 64 KiB, or a positive number of bytes")
	}
	return nil
}

// lookAhead returns the effective look-ahead in bytes.
func (o Options) lookAhead() int64 {
	if o.LookAhead == 0 {
		return DefaultLookAhead
	}
	return int64(o.LookAhead)
}
