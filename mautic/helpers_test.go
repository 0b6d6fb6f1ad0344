package mautic

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorded returns a response body captured from a real Mautic 5.1
// (testdata/recorded, copied from shared/mautic/recordings).
func recorded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// capturedHook is one webhook request a real Mautic 5.1 sent.
type capturedHook struct {
	name      string
	body      []byte
	signature string
}

// capturedHooks reads the real webhook captures in the repository's
// testdata/shared: exact request bytes.
func capturedHooks(t testing.TB) []capturedHook {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "shared", "mautic", "recordings", "webhooks", "*.raw"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no webhook captures: %v", err)
	}
	var out []capturedHook
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("%s: no header/body separator", f)
		}
		h := capturedHook{name: filepath.Base(f), body: body}
		for _, line := range strings.Split(string(head), "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Webhook-Signature") {
				h.signature = strings.TrimSpace(v)
			}
		}
		if h.signature == "" {
			t.Fatalf("%s: no Webhook-Signature", f)
		}
		out = append(out, h)
	}
	return out
}

const labWebhookSecret = "lab-webhook-secret"
