package mautic

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFieldsPayload(t *testing.T) {
	tests := []struct {
		name string
		in   Fields
		want string
	}{
		{"drops empty strings and nil", Fields{"email": "a@b.co", "city": "", "state": nil}, `{"email":"a@b.co"}`},
		{"keeps zero numbers (Mautic drops them itself)", Fields{"points": 0}, `{"points":0}`},
		{"Blank clears with overwriteWithBlank", Fields{"city": Blank, "email": "a@b.co"}, `{"city":"","email":"a@b.co","overwriteWithBlank":true}`},
		{"pointer to Blank", Fields{"city": &Blank}, `{"city":"","overwriteWithBlank":true}`},
		{"keeps tags and other types", Fields{"tags": []string{"a", "-b"}, "doNotEmail": false}, `{"doNotEmail":false,"tags":["a","-b"]}`},
		{"all empty", Fields{"city": ""}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in.payload())
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("payload %s, want %s", b, tt.want)
			}
		})
	}
	orig := Fields{"city": ""}
	orig.payload()
	if _, ok := orig["city"]; !ok {
		t.Fatal("payload modified the caller's map")
	}
}

func TestCheckFields(t *testing.T) {
	tests := []struct {
		name    string
		in      Fields
		allowID bool
		wantErr string
	}{
		{"ok", Fields{"email": "a@b.co"}, false, ""},
		{"id not allowed", Fields{"id": 3}, false, `"id"`},
		{"id allowed in batch patch", Fields{"id": 3}, true, ""},
		{"empty alias", Fields{"": "x"}, false, "empty alias"},
		{"not JSON", Fields{"x": make(chan int)}, false, "cannot be sent as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFields(tt.in, tt.allowID)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "mautic: ") {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
