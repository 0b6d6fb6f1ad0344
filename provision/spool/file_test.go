package spool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 25, 22, 39, 49, 0, time.UTC)
	tests := []struct {
		name string
		body []byte
		meta Meta
	}{
		{"json body", []byte(`{"mautic.lead_post_delete":[{"id":10}]}`), Meta{ReceivedAt: at}},
		{"headers", []byte("x"), Meta{ReceivedAt: at, Header: map[string]string{"X-Origin-Base-URL": "http://127.0.0.1:8080"}}},
		{"body with newlines and magic", []byte(magic + "\n{}\n" + magic), Meta{ReceivedAt: at}},
		{"binary", []byte{0, 1, 2, '\n', 255}, Meta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := encodeFile(tt.body, tt.meta)
			if err != nil {
				t.Fatal(err)
			}
			e, err := decodeFile(Digest(tt.body), data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if string(e.Body) != string(tt.body) || !e.Meta.ReceivedAt.Equal(tt.meta.ReceivedAt) || len(e.Meta.Header) != len(tt.meta.Header) {
				t.Errorf("round trip: got %q %+v, want %q %+v", e.Body, e.Meta, tt.body, tt.meta)
			}
			for k, v := range tt.meta.Header {
				if e.Meta.Header[k] != v {
					t.Errorf("header %s = %q, want %q", k, e.Meta.Header[k], v)
				}
			}
		})
	}
}

func TestDecodeFileRejectsDamage(t *testing.T) {
	body := []byte(`{"a":1}`)
	good, err := encodeFile(body, Meta{ReceivedAt: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   string
		data []byte
	}{
		{"empty", Digest(body), nil},
		{"other format", Digest(body), []byte("hello\n{}\n" + string(body))},
		{"no metadata line", Digest(body), []byte(magic + `{"received_at":"x"`)},
		{"bad metadata", Digest(body), []byte(magic + "{nope}\n" + string(body))},
		{"truncated body", Digest(body), good[:len(good)-1]},
		{"edited body", Digest(body), append(append([]byte(nil), good[:len(good)-2]...), '2', '}')},
		{"wrong name", Digest([]byte("other")), good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeFile(tt.id, tt.data)
			if !errors.Is(err, errCorrupt) {
				t.Errorf("decodeFile = %v, want errCorrupt", err)
			}
		})
	}
}

func TestWriteDurably(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeDurably(tmp, dir, "f", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := writeDurably(tmp, dir, "f", []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "f"))
	if err != nil || string(got) != "two" {
		t.Errorf("file = %q, %v; want two", got, err)
	}
	if left := files(t, dir, "tmp"); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := writeDurably(filepath.Join(dir, "missing"), dir, "g", nil); err == nil || !strings.HasPrefix(err.Error(), "spool: ") {
		t.Errorf("write into a missing folder: %v, want a spool error", err)
	}
}

func TestIsDigest(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{Digest([]byte("x")), true},
		{strings.ToUpper(Digest([]byte("x"))), false},
		{Digest([]byte("x"))[:63], false},
		{Digest([]byte("x")) + "0", false},
		{"", false},
		{strings.Repeat("g", 64), false},
	}
	for _, tt := range tests {
		if got := isDigest(tt.in); got != tt.want {
			t.Errorf("isDigest(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
