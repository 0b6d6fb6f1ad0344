package betterauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestCompactSignedBytes(t *testing.T) {
	tests := []struct {
		session, exp, want string
		ok                 bool
	}{
		{`{"a":1}`, `5`, `{"a":1,"expiresAt":5}`, true},
		{`{}`, `5`, `{"expiresAt":5}`, true},
		{`{ }`, `5`, `{ "expiresAt":5}`, true},
		{`[1]`, `5`, ``, false},
		{`{"a":1}`, ``, ``, false},
		{`x`, `5`, ``, false},
	}
	for _, tt := range tests {
		got, ok := compactSignedBytes(json.RawMessage(tt.session), json.RawMessage(tt.exp))
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("(%s, %s) = %s, %v; want %s, %v", tt.session, tt.exp, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecodeCompact(t *testing.T) {
	const secret = "test-secret"
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	payload := testPayload("tok", "u1", now)
	exp := now.Add(5 * time.Minute).UnixMilli()
	good := signCompact(payload, secret, exp)
	outer, _ := base64.RawURLEncoding.DecodeString(good)
	tests := []struct {
		name    string
		value   string
		wantErr error
	}{
		{"valid", good, nil},
		{"padded base64", good + "==", nil},
		{"standard alphabet", base64.StdEncoding.EncodeToString(outer), nil},
		{"wrong secret", signCompact(payload, "other", exp), errCompactSignature},
		{"changed payload", signCompact(payload, secret, exp)[:40] + "A" + good[41:], nil}, // replaced below
		{"not base64", "!!!", errCompactMalformed},
		{"not JSON", base64.RawURLEncoding.EncodeToString([]byte("nope")), errCompactMalformed},
		{"session not an object", base64.RawURLEncoding.EncodeToString([]byte(`{"session":[1],"expiresAt":1,"signature":"x"}`)), errCompactMalformed},
		{"signature not base64", base64.RawURLEncoding.EncodeToString([]byte(`{"session":{},"expiresAt":1,"signature":"*"}`)), errCompactSignature},
		{"empty", "", errCompactMalformed},
	}
	// A payload changed after signing must fail, whatever the byte.
	tampered := []byte(outer)
	tampered[20] ^= 0x01
	tests[4].value, tests[4].wantErr = base64.RawURLEncoding.EncodeToString(tampered), errCompactSignature
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, gotExp, err := decodeCompact(tt.value, []byte(secret))
			if !errors.Is(err, tt.wantErr) {
				if !(tt.wantErr == errCompactSignature && errors.Is(err, errCompactMalformed)) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
			}
			if err == nil && (p.User.ID != "u1" || p.Session.Token != "tok" || gotExp.UnixMilli() != exp || int(p.User.MauticID) != 99) {
				t.Errorf("decoded %+v exp %v", p, gotExp)
			}
		})
	}
}
