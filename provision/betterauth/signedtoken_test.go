package betterauth

import (
	"errors"
	"testing"
)

func TestVerifySignedToken(t *testing.T) {
	const secret = "qOThRN3iyL1cY2PkIbbSrMPYrOtZrKgwqVqUd52iLZ0="
	const sample = "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm.tlSTVfef5rQX6mW6bN8rPifgwL3P%2Ba5a2wnDdueTpd8%3D"
	tests := []struct {
		name    string
		raw     string
		key     []byte
		token   string
		wantErr error
	}{
		{"captured cookie", sample, []byte(secret), "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm", nil},
		{"unescaped form", "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm.tlSTVfef5rQX6mW6bN8rPifgwL3P+a5a2wnDdueTpd8=", []byte(secret), "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm", nil},
		{"no key: parsed only", sample, nil, "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm", nil},
		{"wrong secret", sample, []byte("other"), "", errTokenSignature},
		{"other token, same signature", "Xe5yNGl1EmQ7pImARWYWiHKxCX4BfMqm.tlSTVfef5rQX6mW6bN8rPifgwL3P%2Ba5a2wnDdueTpd8%3D", []byte(secret), "", errTokenSignature},
		{"no dot", "We5yNGl1EmQ7pImARWYWiHKxCX4BfMqm", []byte(secret), "", errTokenMalformed},
		{"empty token", ".tlSTVfef5rQX6mW6bN8rPifgwL3P%2Ba5a2wnDdueTpd8%3D", []byte(secret), "", errTokenMalformed},
		{"short signature", "abc.tlSTVfef5rQX6mW6bN8rPifgwL3P", []byte(secret), "", errTokenMalformed},
		{"no padding", "abc.tlSTVfef5rQX6mW6bN8rPifgwL3P%2Ba5a2wnDdueTpd8A", []byte(secret), "", errTokenMalformed},
		{"bad escape", "abc.%ZZ", []byte(secret), "", errTokenMalformed},
		{"not base64", "abc.tlSTVfef5rQX6mW6bN8rPifgwL3P*a5a2wnDdueTpd8=", []byte(secret), "", errTokenMalformed},
		{"dot inside token", "a.b.tlSTVfef5rQX6mW6bN8rPifgwL3P%2Ba5a2wnDdueTpd8%3D", []byte(secret), "", errTokenSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := verifySignedToken(tt.raw, tt.key)
			if !errors.Is(err, tt.wantErr) || tok != tt.token {
				t.Errorf("got %q, %v; want %q, %v", tok, err, tt.token, tt.wantErr)
			}
		})
	}
}
