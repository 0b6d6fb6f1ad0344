package mautic

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{`12`, 12, false},
		{`"12"`, 12, false},
		{`" 7 "`, 7, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`3.0`, 3, false},
		{`-4`, -4, false},
		{`3.5`, 0, true},
		{`"abc"`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var n flexInt
			err := json.Unmarshal([]byte(tt.in), &n)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && int(n) != tt.want {
				t.Fatalf("got %d, want %d", n, tt.want)
			}
		})
	}
}

func TestForEachEntryKeepsOrder(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // keys joined
		wantErr bool
	}{
		{"object keeps server order", `{"9":1,"2":2,"10":3}`, "9,2,10", false},
		{"array gives positions", `[1,2,3]`, "0,1,2", false},
		{"empty object", `{}`, "", false},
		{"empty array", `[]`, "", false},
		{"null", `null`, "", false},
		{"empty string", `""`, "", false},
		{"absent", ``, "", false},
		{"scalar", `5`, "", true},
		{"truncated", `{"1":`, "", true},
		{"trailing data", `{} []`, "", true},
		{"stray closing bracket", `{}]`, "", true},
		{"stray closing brace", `[1]}`, "", true},
		{"trailing space is fine", "{\"a\":1} \n", "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys []string
			err := forEachEntry([]byte(tt.in), func(k string, _ json.RawMessage) error {
				keys = append(keys, k)
				return nil
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got := strings.Join(keys, ","); err == nil && got != tt.want {
				t.Fatalf("keys %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeIndexed(t *testing.T) {
	for _, in := range []string{`[201,400]`, `{"0":201,"1":"400"}`} {
		m, err := decodeIndexed[flexInt]([]byte(in))
		if err != nil || m[0] != 201 || m[1] != 400 || len(m) != 2 {
			t.Errorf("%s: got %v, %v", in, m, err)
		}
	}
	if _, err := decodeIndexed[flexInt]([]byte(`{"x":1}`)); err == nil {
		t.Error("a non-index key was accepted")
	}
	if _, err := decodeIndexed[flexInt]([]byte(`{"-1":1}`)); err == nil {
		t.Error("a negative index was accepted")
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-25T22:38:38+00:00", time.Date(2026, 11, 25, 22, 38, 38, 0, time.UTC)},
		{"2026-11-25T23:38:38+01:00", time.Date(2026, 11, 25, 22, 38, 38, 0, time.UTC)},
		{"2026-11-25 22:39:24", time.Date(2026, 11, 25, 22, 39, 24, 0, time.UTC)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		got := parseTime(tt.in)
		if tt.want.IsZero() {
			if got != nil {
				t.Errorf("%q: got %v, want nil", tt.in, got)
			}
			continue
		}
		if got == nil || !got.Equal(tt.want) {
			t.Errorf("%q: got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDecodeContactListRecorded(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		ids       []int
		firstMail string
	}{
		{"01_contacts_list_empty", 0, nil, ""},
		{"11_search_minimal_where", 1, []int{2}, "some+tag@example.com"},
		{"27_contacts_list_after", 4, []int{2, 3, 4}, "some+tag@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, list, err := decodeContactList(recorded(t, tt.name))
			if err != nil {
				t.Fatal(err)
			}
			if total != tt.total || len(list) != len(tt.ids) {
				t.Fatalf("total %d, %d contacts; want %d, %d", total, len(list), tt.total, len(tt.ids))
			}
			for i, c := range list {
				if c.ID != tt.ids[i] {
					t.Errorf("contact %d id %d, want %d", i, c.ID, tt.ids[i])
				}
			}
			if len(list) > 0 && list[0].Email() != tt.firstMail {
				t.Errorf("email %q, want %q", list[0].Email(), tt.firstMail)
			}
		})
	}
	// Quirks: numeric total, array of contacts, [] when empty, order by key.
	quirks := []struct {
		body  string
		total int
		ids   []int
	}{
		{`{"total":2,"contacts":[{"id":5},{"id":"6"}]}`, 2, []int{5, 6}},
		{`{"total":"0","contacts":[]}`, 0, nil},
		{`{"total":"3","contacts":{"30":{"id":30},"4":{"id":4},"17":{"id":17}}}`, 3, []int{30, 4, 17}},
	}
	for _, q := range quirks {
		total, list, err := decodeContactList([]byte(q.body))
		if err != nil || total != q.total || len(list) != len(q.ids) {
			t.Fatalf("%s: total %d, %d contacts, err %v", q.body, total, len(list), err)
		}
		for i, c := range list {
			if c.ID != q.ids[i] {
				t.Errorf("%s: contact %d id %d, want %d", q.body, i, c.ID, q.ids[i])
			}
		}
	}
	for _, bad := range []string{`{"total":"x","contacts":{}}`, `{"total":1,"contacts":{"1":"nope"}}`, `{"total":1,"contacts":5}`, `<html>`} {
		if _, _, err := decodeContactList([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func FuzzDecodeContactList(f *testing.F) {
	f.Add(recorded(f, "27_contacts_list_after"))
	f.Add(recorded(f, "01_contacts_list_empty"))
	f.Add([]byte(`{"total":2,"contacts":[{"id":"5","tags":{"vip":{"tag":"vip"}},"fields":{"core":[]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		total, list, err := decodeContactList(body)
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		_ = total
		for _, c := range list {
			if c == nil {
				t.Fatal("nil contact without an error")
			}
			for k, v := range c.Fields {
				if v == "" {
					t.Fatalf("empty value kept for %q", k)
				}
			}
		}
	})
}

func FuzzContactUnmarshal(f *testing.F) {
	f.Add(recorded(f, "12_contact_get"))
	f.Add([]byte(`{"id":"1","fields":{"core":{"email":{"id":"6","alias":"email","value":"a@b.c"}}},"tags":["x"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var c Contact
		if err := json.Unmarshal(body, &c); err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		_ = c.IsAnonymous()
	})
}
