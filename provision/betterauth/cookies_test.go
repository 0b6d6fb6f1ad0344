package betterauth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestReadAuthCookies(t *testing.T) {
	fams := cookieFamilies("better-auth", SecureAuto)
	tests := []struct {
		name     string
		lines    []string
		token    string
		data     string
		secure   bool
		chunkErr error
	}{
		{"none", nil, "", "", false, nil},
		{"plain pair", []string{"better-auth.session_token=T; better-auth.session_data=D"}, "T", "D", false, nil},
		{"no spaces, other cookies", []string{"a=1;better-auth.session_token=T;b=2;better-auth.session_data=D"}, "T", "D", false, nil},
		{"two header lines", []string{"better-auth.session_token=T", "better-auth.session_data=D"}, "T", "D", false, nil},
		{"first value wins", []string{"better-auth.session_token=T1; better-auth.session_token=T2"}, "T1", "", false, nil},
		{"quoted value", []string{`better-auth.session_token="T"`}, "T", "", false, nil},
		{"data without token", []string{"better-auth.session_data=D"}, "", "", false, nil},
		{"two families, two sessions: neither", []string{"better-auth.session_token=P; __Secure-better-auth.session_token=S; __Secure-better-auth.session_data=SD; better-auth.session_data=PD"}, "", "", false, nil},
		{"two families, one session: secure", []string{"better-auth.session_token=S; __Secure-better-auth.session_token=S; __Secure-better-auth.session_data=SD; better-auth.session_data=PD"}, "S", "SD", true, nil},
		{"no mixing families", []string{"__Secure-better-auth.session_token=S; better-auth.session_data=PD"}, "S", "", true, nil},
		{"chunks joined", []string{"better-auth.session_token=T; better-auth.session_data.1=BB; better-auth.session_data.0=AA"}, "T", "AABB", false, nil},
		{"whole value beats chunks", []string{"better-auth.session_token=T; better-auth.session_data.0=AA; better-auth.session_data=W"}, "T", "W", false, nil},
		{"chunk gap", []string{"better-auth.session_token=T; better-auth.session_data.0=AA; better-auth.session_data.2=CC"}, "T", "", false, errChunkIndex},
		{"non-numeric suffix ignored", []string{"better-auth.session_token=T; better-auth.session_data.x=AA; better-auth.session_dataX=1"}, "T", "", false, nil},
		{"prefix lookalike ignored", []string{"xbetter-auth.session_token=T"}, "", "", false, nil},
		{"empty pairs", []string{";;  ; =x; better-auth.session_token=T;"}, "T", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Cookie": tt.lines}
			c := readAuthCookies(h, fams)
			if c.token != tt.token || c.data != tt.data || c.secure != tt.secure || !errors.Is(c.chunkErr, tt.chunkErr) {
				t.Errorf("got %+v, want token %q data %q secure %v err %v", c, tt.token, tt.data, tt.secure, tt.chunkErr)
			}
		})
	}
}

func TestJoinChunksLimits(t *testing.T) {
	var many []chunk
	for i := range maxChunks + 1 {
		many = append(many, chunk{i, "x"})
	}
	if _, err := joinChunks(many); !errors.Is(err, errChunkCount) {
		t.Errorf("101 chunks: %v, want errChunkCount", err)
	}
	if got, err := joinChunks(many[:maxChunks]); err != nil || got != strings.Repeat("x", maxChunks) {
		t.Errorf("100 chunks: %q, %v", got, err)
	}
	if _, err := joinChunks([]chunk{{0, "a"}, {1, ""}}); !errors.Is(err, errChunkIndex) {
		t.Errorf("empty chunk: %v", err)
	}
	// The scanner itself stops collecting past the limit.
	var b strings.Builder
	b.WriteString("better-auth.session_token=T")
	for i := range 300 {
		b.WriteString("; better-auth.session_data." + strings.Repeat("9", 1+i%3) + "=x")
	}
	c := readAuthCookies(http.Header{"Cookie": {b.String()}}, cookieFamilies("better-auth", SecureNever))
	if c.chunkErr == nil {
		t.Error("300 bogus chunks were accepted")
	}
}

func TestBearerToken(t *testing.T) {
	tests := map[string]string{
		"Bearer abc.def.ghi": "abc.def.ghi",
		"bearer  x ":         "x",
		"Basic dXNlcg==":     "",
		"Bearer":             "",
		"":                   "",
	}
	for in, want := range tests {
		h := http.Header{}
		if in != "" {
			h.Set("Authorization", in)
		}
		if got := bearerToken(h); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestReadAuthCookiesDoesNotAllocate(t *testing.T) {
	h := http.Header{"Cookie": {"a=1; better-auth.session_token=T; better-auth.session_data=D; PARAGLIDE_LOCALE=de"}}
	fams := cookieFamilies("better-auth", SecureAuto)
	if n := testing.AllocsPerRun(100, func() { readAuthCookies(h, fams) }); n != 0 {
		t.Errorf("readAuthCookies allocates %v times per call, want 0", n)
	}
}
