package caddymodule

import (
	"strings"
	"testing"
)

func TestRewriteScript(t *testing.T) {
	origins := []string{"mautic.example.com", "127.0.0.1:8080/mautic"}
	const to = "site.example/mtc-proxy"
	tests := []struct{ name, in, want string }{
		{"mautic 5 endpoints",
			`m.pageTrackingUrl = (l.protocol == 'https:' ? 'https:' : 'https:') + '//mautic.example.com/mtc/event';`,
			`m.pageTrackingUrl = (l.protocol == 'https:' ? 'https:' : 'http:') + '//site.example/mtc-proxy/mtc/event';`},
		{"simulator base", `var base = '//mautic.example.com';`, `var base = '//site.example/mtc-proxy';`},
		{"origin with a path", `'//127.0.0.1:8080/mautic/mtracking.gif'`, `'//site.example/mtc-proxy/mtracking.gif'`},
		{"longer host left alone", `'//mautic.example.com.evil.test/x'`, `'//mautic.example.com.evil.test/x'`},
		{"other port left alone", `'//127.0.0.1:80801/mautic/x'`, `'//127.0.0.1:80801/mautic/x'`},
		{"several", `'//mautic.example.com/a','//mautic.example.com/b'`, `'//site.example/mtc-proxy/a','//site.example/mtc-proxy/b'`},
		{"nothing to do", `console.log("hi")`, `console.log("hi")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(rewriteScript([]byte(tt.in), origins, to)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func FuzzRewriteScript(f *testing.F) {
	f.Add("'//mautic.example.com/mtc/event'", "mautic.example.com")
	f.Add("//a//a//a", "a")
	f.Fuzz(func(t *testing.T, body, origin string) {
		if origin == "" {
			return
		}
		out := string(rewriteScript([]byte(body), []string{origin}, "site/p"))
		// Every whole-host occurrence is gone; nothing else grows or shrinks
		// but by the replacements.
		if !strings.Contains(body, "//"+origin) && out != strings.ReplaceAll(body, `'https:' : 'https:'`, `'https:' : 'http:'`) {
			t.Fatalf("changed a script without the origin: %q -> %q", body, out)
		}
	})
}
