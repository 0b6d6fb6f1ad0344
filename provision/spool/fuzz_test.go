package spool

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecodeFile checks that any file content either decodes to a body that
// matches its name or is reported damaged, and never panics.
func FuzzDecodeFile(f *testing.F) {
	good, _ := encodeFile([]byte(`{"mautic.lead_post_delete":[]}`), Meta{ReceivedAt: time.Unix(5, 0)})
	f.Add(good, true)
	f.Add([]byte(magic+"{}\n"), false)
	f.Add([]byte(magic), false)
	f.Add([]byte("garbage"), false)
	f.Fuzz(func(t *testing.T, data []byte, useRealID bool) {
		id := Digest([]byte("other"))
		if i := bytes.IndexByte(data, '\n'); useRealID && i >= 0 {
			if j := bytes.IndexByte(data[i+1:], '\n'); j >= 0 {
				id = Digest(data[i+1+j+1:])
			}
		}
		e, err := decodeFile(id, data)
		if err != nil {
			return
		}
		if Digest(e.Body) != id {
			t.Fatalf("decoded a body that does not match its name")
		}
		again, err := encodeFile(e.Body, e.Meta)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeFile(id, again); err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
	})
}
