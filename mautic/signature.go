package mautic

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// WebhookSignatureHeader is the header Mautic signs webhooks in.
const WebhookSignatureHeader = "Webhook-Signature"

// VerifySignature reports whether header (the Webhook-Signature value) is
// base64(HMAC-SHA256(body, secret)), as Mautic signs, comparing in constant
// time. body must be the raw bytes received. An empty secret or header
// never verifies.
func VerifySignature(body []byte, header, secret string) bool {
	if secret == "" {
		return false
	}
	got, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, webhookMAC(body, secret))
}

// WellFormedSignature reports whether header can be a Webhook-Signature at
// all: base64 of 32 bytes. One that is not never verifies, whatever the
// body, so a receiver can refuse it before reading the body.
func WellFormedSignature(header string) bool {
	got, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(header))
	return err == nil && len(got) == sha256.Size
}

// SignWebhook returns the Webhook-Signature Mautic would send for body:
// for tests of webhook receivers.
func SignWebhook(body []byte, secret string) string {
	return base64.StdEncoding.EncodeToString(webhookMAC(body, secret))
}

func webhookMAC(body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
