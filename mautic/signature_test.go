package mautic

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestVerifySignatureRealCaptures(t *testing.T) {
	for _, h := range capturedHooks(t) {
		t.Run(h.name, func(t *testing.T) {
			if !VerifySignature(h.body, h.signature, labWebhookSecret) {
				t.Fatal("a real Mautic signature did not verify")
			}
			if got := SignWebhook(h.body, labWebhookSecret); got != h.signature {
				t.Fatalf("SignWebhook = %q, Mautic sent %q", got, h.signature)
			}
			// Every flipped byte, at a few positions, must break it.
			for _, pos := range []int{0, len(h.body) / 2, len(h.body) - 1} {
				b := bytes.Clone(h.body)
				b[pos] ^= 0x01
				if VerifySignature(b, h.signature, labWebhookSecret) {
					t.Fatalf("body with byte %d flipped verified", pos)
				}
			}
			if VerifySignature(h.body, h.signature, "wrong-secret") {
				t.Fatal("verified with the wrong secret")
			}
		})
	}
}

func TestVerifySignatureRejects(t *testing.T) {
	body := []byte(`{"mautic.lead_post_save_update":[]}`)
	good := SignWebhook(body, "s3cret")
	tests := []struct {
		name           string
		header, secret string
		want           bool
	}{
		{"good", good, "s3cret", true},
		{"surrounding spaces", "  " + good + " ", "s3cret", true},
		{"empty secret", SignWebhook(body, ""), "", false},
		{"empty header", "", "s3cret", false},
		{"not base64", "%%%%", "s3cret", false},
		{"hex instead of base64", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "s3cret", false},
		{"truncated", good[:20], "s3cret", false},
		{"url-safe alphabet", "-_" + good[2:], "s3cret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySignature(body, tt.header, tt.secret); got != tt.want {
				t.Fatalf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	for _, h := range capturedHooks(f) {
		f.Add(h.body, h.signature, labWebhookSecret)
	}
	f.Add([]byte("{}"), "", "")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		ok := VerifySignature(body, header, secret)
		if ok && (secret == "" || header == "") {
			t.Fatal("verified without a secret or header")
		}
		if secret == "" {
			return
		}
		sig := SignWebhook(body, secret)
		if !VerifySignature(body, sig, secret) {
			t.Fatal("own signature did not verify")
		}
		if ok {
			got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
			want, _ := base64.StdEncoding.DecodeString(sig)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("header %q verified but does not carry the MAC %q", header, sig)
			}
		}
		if len(body) > 0 {
			b := bytes.Clone(body)
			b[len(b)-1] ^= 0x80
			if VerifySignature(b, sig, secret) {
				t.Fatal("changed body verified")
			}
		}
	})
}
