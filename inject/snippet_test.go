package inject

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewSnippetRenders(t *testing.T) {
	cases := []struct {
		url, wantSrc string
		attrs        map[string]string
	}{
		{url: "https://m.example.com", wantSrc: "https://m.example.com/mtc.js"},
		{url: "https://M.Example.com/", wantSrc: "https://m.example.com/mtc.js"},
		{url: "HTTP://m.example.com:80/mautic//", wantSrc: "http://m.example.com/mautic/mtc.js"},
		{url: "https://m.example.com:8443/a b", wantSrc: "https://m.example.com:8443/a%20b/mtc.js"},
		{url: "http://[::1]:8080", wantSrc: "http://[::1]:8080/mtc.js"},
		{url: "https://m.example.com", wantSrc: "https://m.example.com/mtc.js", attrs: map[string]string{"page_language": "de", "a": "1"}},
		{url: "/mtc-proxy", wantSrc: "/mtc-proxy/mtc.js"},
		{url: "/a/b/", wantSrc: "/a/b/mtc.js"},
		{url: "/", wantSrc: "/mtc.js"},
		{url: "/p", wantSrc: "/p/mtc.js", attrs: map[string]string{"page_language": `'"</script><!--<script>\u2028`}},
	}
	for _, tc := range cases {
		s, err := NewSnippet(SnippetConfig{TrackingURL: tc.url, Attributes: tc.attrs})
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if s.ScriptURL() != tc.wantSrc {
			t.Errorf("%s: script URL %s, want %s", tc.url, s.ScriptURL(), tc.wantSrc)
		}
		js := scriptText(t, s.HTML())
		if !strings.Contains(js, `"`+tc.wantSrc+`"`) || !strings.Contains(js, Marker) {
			t.Errorf("%s: loader lacks its URL or marker: %s", tc.url, js)
		}
		if got := pageviewAttributes(t, js); !equalMaps(got, tc.attrs) {
			t.Errorf("%s: pageview attributes %v, want %v", tc.url, got, tc.attrs)
		}
	}
}

// TestSnippetEscaping feeds values that try to end the script or the string
// early, and checks that the rendered snippet is one script element whose
// attributes decode back to the very values given.
func TestSnippetEscaping(t *testing.T) {
	hostile := map[string]string{
		"page_title":     `</script><script>alert(1)</script>`,
		"quote":          `"); alert(1); ("`,
		"single":         `'); alert(1); ('`,
		"comment":        `<!-- <script>`,
		"line separator": "a\u2028b\u2029c",
		"backslash":      `\"\\`,
		"</SCRIPT":       "x",
		"ampersand":      "&lt;&amp;",
	}
	s, err := NewSnippet(SnippetConfig{TrackingURL: "https://m.example.com/</script>", Attributes: hostile})
	if err != nil {
		t.Fatal(err)
	}
	tags := refTokenize([]byte(s.HTML())).tags
	if len(tags) != 2 || tags[0].name != "script" || tags[0].endTag || tags[1].name != "script" || !tags[1].endTag || tags[1].end != len(s.HTML()) {
		t.Fatalf("snippet is not one script element: %+v\n%s", tags, s.HTML())
	}
	js := scriptText(t, s.HTML())
	for _, bad := range []string{"<", ">", "\u2028", "\u2029"} {
		if strings.Contains(js, bad) {
			t.Errorf("script text contains %q unescaped", bad)
		}
	}
	if got := pageviewAttributes(t, js); !equalMaps(got, hostile) {
		t.Fatalf("attributes do not round-trip:\n got %q\nwant %q", got, hostile)
	}
}

func TestNewSnippetRejects(t *testing.T) {
	cases := map[string]SnippetConfig{
		"empty URL":          {},
		"relative URL":       {TrackingURL: "mautic/x"},
		"no scheme":          {TrackingURL: "m.example.com"},
		"javascript URL":     {TrackingURL: "javascript:alert(1)"},
		"ftp URL":            {TrackingURL: "ftp://m.example.com"},
		"opaque https":       {TrackingURL: "https:m.example.com"},
		"query":              {TrackingURL: "https://m.example.com/?a=1"},
		"empty query":        {TrackingURL: "https://m.example.com/?"},
		"fragment":           {TrackingURL: "https://m.example.com/#x"},
		"bad port":           {TrackingURL: "https://m.example.com:99999"},
		"unparsable":         {TrackingURL: "https://m.example.com/%zz"},
		"invalid UTF-8 URL":  {TrackingURL: "https://m.example.com/\xff"},
		"empty attribute":    {TrackingURL: "https://m.example.com", Attributes: map[string]string{"": "x"}},
		"invalid UTF-8 attr": {TrackingURL: "https://m.example.com", Attributes: map[string]string{"k": "\xff"}},
	}
	for name, cfg := range cases {
		s, err := NewSnippet(cfg)
		if err == nil || s != nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "inject: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

func TestNewSnippetKeepsCredentialsOutOfErrors(t *testing.T) {
	for _, u := range []string{"https://user:s3cr3t@m.example.com", "https://user:s3cr3t@m.example.com/%zz", "ftp://user:s3cr3t@m.example.com"} {
		_, err := NewSnippet(SnippetConfig{TrackingURL: u})
		if err == nil {
			t.Fatalf("%s accepted", u)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

func TestSnippetNonceAndSize(t *testing.T) {
	s := testSnippet(t)
	for _, nonce := range []string{"", "abc", "r4nd0m+/=="} {
		got := string(s.appendHTML([]byte("pre"), nonce))
		want := "pre" + s.HTML()
		if nonce != "" {
			want = "pre" + strings.Replace(s.HTML(), "<script>", `<script nonce="`+nonce+`">`, 1)
		}
		if got != want {
			t.Errorf("nonce %q:\n got %s\nwant %s", nonce, got, want)
		}
		if s.size(nonce) != len(want)-len("pre") {
			t.Errorf("nonce %q: size %d, rendered %d", nonce, s.size(nonce), len(want)-3)
		}
	}
	buf := make([]byte, 0, 2048)
	if n := testing.AllocsPerRun(100, func() { buf = s.appendHTML(buf[:0], "abc") }); n != 0 {
		t.Errorf("splicing a nonce allocates %v times", n)
	}
}

func TestCSPHashIsTheScriptText(t *testing.T) {
	s := testSnippet(t)
	sum := sha256.Sum256([]byte(scriptText(t, s.HTML())))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; s.CSPHash() != want {
		t.Fatalf("CSPHash %s, want %s", s.CSPHash(), want)
	}
}

func TestMarkerFirstByteIsUnique(t *testing.T) {
	// markerFinder depends on it.
	if strings.IndexByte(Marker[1:], Marker[0]) >= 0 {
		t.Fatalf("Marker %q repeats its first byte", Marker)
	}
}

func scriptText(t *testing.T, html string) string {
	t.Helper()
	js, ok := strings.CutPrefix(html, "<script>")
	js, ok2 := strings.CutSuffix(js, "</script>")
	if !ok || !ok2 {
		t.Fatalf("not a script element: %s", html)
	}
	return js
}

// pageviewAttributes decodes the object passed to mt("send","pageview",…).
func pageviewAttributes(t *testing.T, js string) map[string]string {
	t.Helper()
	_, call, ok := strings.Cut(js, `mt("send","pageview"`)
	if !ok {
		t.Fatalf("no pageview call in %s", js)
	}
	call = strings.TrimSuffix(call, ");")
	if call == "" {
		return nil
	}
	var attrs map[string]string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(call, ",")), &attrs); err != nil {
		t.Fatalf("attributes %s: %v", call, err)
	}
	return attrs
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestNewSnippetRootPathRejectsScriptCharacters(t *testing.T) {
	for _, p := range []string{"/a'b", `/a"b`, "/a<b", "/a b", "/a\\b", "//host/x", "/a?b", "/a#b"} {
		if _, err := NewSnippet(SnippetConfig{TrackingURL: p}); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
}
