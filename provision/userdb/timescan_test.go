package userdb

import (
	"strings"
	"testing"
	"time"
)

func TestAnyTimeScan(t *testing.T) {
	want := time.Date(2026, 12, 2, 22, 47, 22, 554e6, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		src  any
		want time.Time
	}{
		{"time.Time in another zone", want.In(berlin), want},
		{"Better Auth ISO text", "2026-12-02T22:47:22.554Z", want},
		{"ISO bytes", []byte("2026-12-02T22:47:22.554Z"), want},
		{"ISO with offset", "2026-12-02T23:47:22.554+01:00", want},
		{"SQL text, no zone = UTC", "2026-12-02 22:47:22.554", want},
		{"SQL text with zone", "2026-12-02 23:47:22.554+01:00", want},
		{"Prisma integer milliseconds", int64(1796251642554), want},
		{"integer seconds", int64(1796251642), want.Truncate(time.Second)},
		{"float milliseconds", float64(1796251642554), want},
		{"numeric text milliseconds", "1796251642554", want},
		{"date only", "2026-12-02", time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		var a anyTime
		if err := a.Scan(tt.src); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !a.t.Equal(tt.want) || a.t.Location() != time.UTC {
			t.Errorf("%s: got %v, want %v (UTC)", tt.name, a.t, tt.want)
		}
	}
}

func TestAnyTimeScanErrors(t *testing.T) {
	for _, src := range []any{nil, "next tuesday", "", true, []byte("2026-13-45")} {
		var a anyTime
		err := a.Scan(src)
		if err == nil || !strings.HasPrefix(err.Error(), "userdb: ") {
			t.Errorf("Scan(%#v) = %v, want a userdb error", src, err)
		}
	}
}

// FuzzParseDBTime: any text either parses to a UTC time or gives a userdb
// error; a time formatted as Better Auth stores it comes back unchanged.
func FuzzParseDBTime(f *testing.F) {
	f.Add("2026-12-02T22:47:22.554Z", int64(0))
	f.Add("2026-12-02 22:47:22", int64(1796251642554))
	f.Add("1796251642554", int64(-1))
	f.Add("", int64(253402300799000))
	f.Fuzz(func(t *testing.T, s string, ms int64) {
		got, err := parseDBTime(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "userdb: ") {
				t.Fatalf("error without prefix: %v", err)
			}
		} else if got.Location() != time.UTC {
			t.Fatalf("parseDBTime(%q) is not UTC: %v", s, got)
		}
		// Round trip of Better Auth's own format, years 0000–9999.
		if ms < -62167219200000 || ms > 253402300799999 {
			return
		}
		want := time.UnixMilli(ms).UTC()
		back, err := parseDBTime(want.Format("2006-01-02T15:04:05.000Z"))
		if err != nil || !back.Equal(want) {
			t.Fatalf("round trip of %v: %v, %v", want, back, err)
		}
	})
}
