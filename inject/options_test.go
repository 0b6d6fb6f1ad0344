package inject

import (
	"strings"
	"testing"
)

func TestPlacementNames(t *testing.T) {
	for _, p := range []Placement{BeforeHeadEnd, AfterHeadStart, BeforeBodyEnd} {
		got, err := ParsePlacement(p.String())
		if err != nil || got != p {
			t.Errorf("%v: ParsePlacement(%q) = %v, %v", uint8(p), p.String(), got, err)
		}
	}
	for _, bad := range []string{"", "head", "BEFORE_HEAD_END", "Placement(7)"} {
		if _, err := ParsePlacement(bad); err == nil || !strings.Contains(err.Error(), "before_head_end") {
			t.Errorf("ParsePlacement(%q) error %v should name the choices", bad, err)
		}
	}
	if s := Placement(7).String(); s != "Placement(7)" {
		t.Errorf("unknown placement prints as %q", s)
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		opts Options
		ok   bool
		la   int64
	}{
		{opts: Options{}, ok: true, la: DefaultLookAhead},
		{opts: Options{Placement: BeforeBodyEnd, LookAhead: 1}, ok: true, la: 1},
		{opts: Options{LookAhead: -1}},
		{opts: Options{Placement: 3}},
	}
	for _, tc := range cases {
		err := tc.opts.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v", tc.opts, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "inject: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
		if tc.ok && tc.opts.lookAhead() != tc.la {
			t.Errorf("%+v: look-ahead %d, want %d", tc.opts, tc.opts.lookAhead(), tc.la)
		}
	}
}
