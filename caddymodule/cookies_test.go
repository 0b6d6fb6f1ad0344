package caddymodule

import (
	"net/http"
	"strings"
	"testing"
)

// trackingCookiesReference is what trackingCookies did before it read the
// header itself: Request.Cookies, the last of a name kept.
func trackingCookiesReference(lines []string) (mtcID, paraglide string) {
	r := &http.Request{Header: http.Header{"Cookie": lines}}
	for _, c := range r.Cookies() {
		switch c.Name {
		case mtcIDCookie:
			mtcID = c.Value
		case paraglideCookie:
			paraglide = c.Value
		}
	}
	return mtcID, paraglide
}

func TestTrackingCookiesLikeNetHTTP(t *testing.T) {
	tests := [][]string{
		nil,
		{"mtc_id=42; PARAGLIDE_LOCALE=de"},
		{"better-auth.session_token=abc.def%3D; mtc_id=42", "PARAGLIDE_LOCALE=fr"},
		{`mtc_id="42"; PARAGLIDE_LOCALE="de"`},
		{"mtc_id=1; mtc_id=2"},
		{"mtc_id=4\\2; PARAGLIDE_LOCALE=d\"e"},
		{"  mtc_id =  7 ;PARAGLIDE_LOCALE\t=en\t"},
		{"mtc_id"},
		{"mtc_id=; PARAGLIDE_LOCALE="},
		{"MTC_ID=5; paraglide_locale=de"},
		{"mtc_id=5\x00"},
		{strings.Repeat("a=1;", 3000) + "mtc_id=5"},
	}
	for _, lines := range tests {
		m, p := trackingCookieValues(lines)
		wm, wp := trackingCookiesReference(lines)
		if m != wm || p != wp {
			t.Errorf("%q: got mtc_id %q, PARAGLIDE_LOCALE %q; net/http reads %q, %q", lines, m, p, wm, wp)
		}
	}
}

func TestTrackingCookiesDoNotAllocate(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://shop.example/", nil)
	r.Header.Set("Cookie", "better-auth.session_token=abc.def%3D; better-auth.session_data="+strings.Repeat("eyJzZXNzaW9uIjp7", 80)+"; mtc_id=4242; PARAGLIDE_LOCALE=de")
	if n := testing.AllocsPerRun(100, func() {
		if m, p := trackingCookies(r); m != "4242" || p != "de" {
			t.Fatalf("read %q, %q", m, p)
		}
	}); n != 0 {
		t.Errorf("reading mtc_id and PARAGLIDE_LOCALE allocates %v times per request, want 0", n)
	}
}

func FuzzTrackingCookies(f *testing.F) {
	f.Add("mtc_id=42; PARAGLIDE_LOCALE=de", "")
	f.Add(`mtc_id="42"; x=1`, "PARAGLIDE_LOCALE=fr; mtc_id=3")
	f.Add(" mtc_id = 4 2 ;;", "PARAGLIDE_LOCALE=\"\"")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, lines := range [][]string{{a}, {a, b}} {
			m, p := trackingCookieValues(lines)
			wm, wp := trackingCookiesReference(lines)
			if m != wm || p != wp {
				t.Fatalf("%q: got %q, %q; net/http reads %q, %q", lines, m, p, wm, wp)
			}
		}
	})
}
