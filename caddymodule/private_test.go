package caddymodule

import (
	"net/http"
	"reflect"
	"testing"
)

func TestMakePrivate(t *testing.T) {
	tests := []struct {
		name     string
		in, want http.Header
	}{
		{"none", http.Header{}, http.Header{"Cache-Control": {"private"}, "Vary": {"Cookie"}}},
		{"public", http.Header{"Cache-Control": {"public, max-age=600"}},
			http.Header{"Cache-Control": {"private, max-age=600"}, "Vary": {"Cookie"}}},
		{"shared-only directives", http.Header{"Cache-Control": {"s-maxage=60, PUBLIC", "proxy-revalidate, no-cache"}},
			http.Header{"Cache-Control": {"private, no-cache"}, "Vary": {"Cookie"}}},
		{"qualified private", http.Header{"Cache-Control": {`private="Set-Cookie", max-age=5`}},
			http.Header{"Cache-Control": {"private, max-age=5"}, "Vary": {"Cookie"}}},
		{"no-store stays", http.Header{"Cache-Control": {"no-store"}, "Vary": {"cookie, Accept"}},
			http.Header{"Cache-Control": {"no-store"}, "Vary": {"cookie, Accept"}}},
		{"vary star", http.Header{"Cache-Control": {"private"}, "Vary": {"*"}},
			http.Header{"Cache-Control": {"private"}, "Vary": {"*"}}},
		{"cdn headers", http.Header{"Cdn-Cache-Control": {"max-age=60"}, "Surrogate-Control": {"max-age=60"}},
			http.Header{"Cache-Control": {"private"}, "Vary": {"Cookie"}}},
	}
	for _, tt := range tests {
		makePrivate(tt.in)
		if !reflect.DeepEqual(tt.in, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.in, tt.want)
		}
	}
}
