package provision

import (
	"strconv"
	"testing"
)

func TestParseMtcID(t *testing.T) {
	tests := []struct {
		raw  string
		want int
		ok   bool
	}{
		{"1", 1, true},
		{"178", 178, true},
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false}, // past Mautic's 32-bit ids
		{"9999999999", 0, false},
		{"12345678901", 0, false},
		{"", 0, false},
		{"0", 0, false},
		{"012", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"5;", 0, false},
		{"1e3", 0, false},
		{"0x1f", 0, false},
		{"١٢", 0, false}, // Arabic-Indic digits
		{"12abc", 0, false},
		{"null", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseMtcID(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseMtcID(%q) = %d, %v; want %d, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseMtcID(f *testing.F) {
	for _, s := range []string{"1", "178", "2147483647", "2147483648", "", "0", "012", "-1", "+1", " 1", "1x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, ok := ParseMtcID(raw)
		if !ok {
			if id != 0 {
				t.Fatalf("ParseMtcID(%q) = %d with ok false", raw, id)
			}
			return
		}
		// An accepted value is exactly the canonical spelling of a valid id.
		if id <= 0 || id > 1<<31-1 || strconv.Itoa(id) != raw {
			t.Fatalf("ParseMtcID(%q) = %d, not its canonical id", raw, id)
		}
	})
}
