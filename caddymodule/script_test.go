package caddymodule

import (
	"bytes"
	"strings"
	"testing"
)

func TestScriptRewriter(t *testing.T) {
	origins := []string{"mautic.example.com", "127.0.0.1:8080/mautic"}
	tests := []struct{ name, in, want string }{
		{"mautic 5 endpoints",
			`m.pageTrackingCORSUrl = (l.protocol == 'https:' ? 'https:' : 'https:') + '//mautic.example.com/mtc/event';`,
			`m.pageTrackingCORSUrl = '/mtc-proxy/mtc/event';`},
		{"pixel and contact id",
			`m.pageTrackingUrl = (l.protocol == 'https:' ? 'https:' : 'http:') + '//mautic.example.com/mtracking.gif';m.contactIdUrl = (l.protocol == 'https:' ? 'https:' : 'http:') + '//mautic.example.com/mtc';`,
			`m.pageTrackingUrl = '/mtc-proxy/mtracking.gif';m.contactIdUrl = '/mtc-proxy/mtc';`},
		{"absolute URL", `"https://Mautic.Example.com/mtc/event"`, `"/mtc-proxy/mtc/event"`},
		{"origin with a path", `'//127.0.0.1:8080/mautic/mtracking.gif'`, `'/mtc-proxy/mtracking.gif'`},
		{"dynamic content stays with Mautic", `var url = 'https://mautic.example.com/dwc/slotNamePlaceholder';`, `var url = 'https://mautic.example.com/dwc/slotNamePlaceholder';`},
		{"forms stay with Mautic", `'https://mautic.example.com/form/submit/ajax'+'//mautic.example.com/media/js/mautic-form.js'`, `'https://mautic.example.com/form/submit/ajax'+'//mautic.example.com/media/js/mautic-form.js'`},
		{"a longer route stays", `'//mautic.example.com/mtc/eventual'`, `'//mautic.example.com/mtc/eventual'`},
		{"longer host left alone", `'//mautic.example.com.evil.test/mtc/event'`, `'//mautic.example.com.evil.test/mtc/event'`},
		{"other port left alone", `'//127.0.0.1:80801/mautic/mtc'`, `'//127.0.0.1:80801/mautic/mtc'`},
		{"at the end", `//mautic.example.com/mtc`, `/mtc-proxy/mtc`},
		{"nothing to do", `console.log("hi")`, `console.log("hi")`},
	}
	r := newScriptRewriter(origins, "/mtc-proxy")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(r.rewrite([]byte(tt.in))); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	abs := newScriptRewriter(origins, "https://www.example.com/mtc-proxy")
	in := `m.x = (l.protocol == 'https:' ? 'https:' : 'http:') + '//mautic.example.com/mtc/event';`
	if got := string(abs.rewrite([]byte(in))); got != `m.x = 'https://www.example.com/mtc-proxy/mtc/event';` {
		t.Errorf("public origin: %s", got)
	}
}

func FuzzScriptRewriter(f *testing.F) {
	f.Add("'//mautic.example.com/mtc/event'", "mautic.example.com")
	f.Add("//a//a/mtc//a/mtc.js", "a")
	f.Fuzz(func(t *testing.T, body, origin string) {
		if origin == "" {
			return
		}
		if strings.ContainsAny(origin, "/'") || strings.Contains("/zz-p", origin) {
			return
		}
		out := string(newScriptRewriter([]string{origin}, "/zz-p").rewrite([]byte(body)))
		// A script that does not name the origin is left as it is, and no
		// tracking URL of the origin survives.
		if !strings.Contains(strings.ToLower(body), "//"+strings.ToLower(origin)) && out != body {
			t.Fatalf("changed a script without the origin: %q -> %q", body, out)
		}
		for _, route := range []string{"/mtc/event'", "/mtracking.gif'", "/mtc'"} {
			if bytes.Contains(bytes.ToLower([]byte(out)), []byte(strings.ToLower("//"+origin+route))) &&
				!strings.Contains(body, "///") {
				t.Fatalf("a tracking URL survived: %q -> %q", body, out)
			}
		}
	})
}
