package caddymodule

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestIsIdentifying(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"email", true}, {"Email", true}, {" email", true}, {"email[]", true}, {"email[x]", true},
		{"e.mail", false}, {"email_", false}, {"emails", false}, {"page_url", false}, {"mautic_device_id", false},
	}
	for _, tt := range tests {
		if got := defaultIdentifiers.match(tt.key); got != tt.want {
			t.Errorf("match(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestReadHit(t *testing.T) {
	tests := []struct {
		name, method, ctype, body, query string
		wantErr                          bool
		wantBody, wantQuery              string
		device                           string
	}{
		{name: "form", method: "POST", ctype: "application/x-www-form-urlencoded",
			body: "page_url=%2F&email=victim%40example.com&Email=x&mautic_device_id=d1", wantBody: "mautic_device_id=d1&page_url=%2F", device: "d1"},
		{name: "json", method: "POST", ctype: "application/json",
			body: `{"page_url":"/","email":"victim@example.com","mautic_device_id":"d2"}`, wantBody: `{"mautic_device_id":"d2","page_url":"/"}`, device: "d2"},
		{name: "empty json", method: "POST", ctype: "application/json", body: "", wantBody: "{}"},
		{name: "bad json", method: "POST", ctype: "application/json", body: "[1,2]", wantErr: true},
		{name: "too large", method: "POST", ctype: "application/x-www-form-urlencoded", body: strings.Repeat("a", maxHitBody+1), wantErr: true},
		{name: "pixel query", method: "GET", query: "page_url=%2F&email%5B%5D=v%40x&x=%zz", wantQuery: "page_url=%2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://site/mtc-proxy/mtc/event?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			hit, err := readHit(r, defaultIdentifiers)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.method == http.MethodPost {
				if got := string(hit.encodeBody()); got != tt.wantBody {
					t.Errorf("body %s, want %s", got, tt.wantBody)
				}
			} else if got := hit.query.Encode(); got != tt.wantQuery {
				t.Errorf("query %s, want %s", got, tt.wantQuery)
			}
			if hit.device() != tt.device {
				t.Errorf("device %q, want %q", hit.device(), tt.device)
			}
			hit.set("email", "user@example.com")
			if hit.param("email") != "user@example.com" {
				t.Error("set email did not stick")
			}
		})
	}
}

// FuzzReadHit checks that no identifying field survives the reading of a
// hit, whatever its body and Referer: not as a parameter, and not in the
// query of a URL among its values, read the way PHP reads them (phpNames,
// written apart from the code under test).
func FuzzReadHit(f *testing.F) {
	f.Add("email=a%40b&page_url=x", false, "")
	f.Add(`{"email":"a@b"," email":"c"}`, true, "")
	f.Add("email%5B0%5D=a&%20email=b", false, "")
	f.Add("page_url=http%3A%2F%2Fs%2F%3Fa%3D1%26EMAIL%3Dv", false, "http://s/?x=1&e%6dail=v#y")
	f.Add(`{"page_url":"http://s/?email%00=v"}`, true, "http://s/?%zz&email=v")
	ids := newIdentifiers([]string{"phone"})
	f.Fuzz(func(t *testing.T, body string, asJSON bool, referer string) {
		r := httptest.NewRequest(http.MethodPost, "http://site/mtc/event", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if asJSON {
			r.Header.Set("Content-Type", "application/json")
		}
		hit, err := readHit(r, ids)
		if err != nil {
			return
		}
		sent := string(hit.encodeBody())
		var names []string
		if asJSON {
			var m map[string]any
			_ = json.Unmarshal([]byte(sent), &m)
			for k, v := range m {
				names = append(names, k)
				if s, ok := v.(string); ok {
					names = append(names, queryNames(s)...)
				}
			}
		} else {
			names = phpNames(sent)
			for _, p := range strings.Split(sent, "&") {
				_, v, _ := strings.Cut(p, "=")
				if dv, err := url.QueryUnescape(v); err == nil {
					names = append(names, queryNames(dv)...)
				}
			}
		}
		names = append(names, queryNames(ids.cleanURL(referer))...)
		for _, n := range names {
			if n == "email" || n == "phone" {
				t.Fatalf("identifying name %q reaches Mautic: body %q, referer %q", n, sent, ids.cleanURL(referer))
			}
		}
	})
}

// phpNames are the parameter names PHP reads from a query, lower-cased:
// cut at NUL, leading spaces dropped, the array base, "." and " " as "_".
func phpNames(q string) []string {
	var out []string
	for _, pair := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == '#' }) {
		name, _, _ := strings.Cut(pair, "=")
		var b []byte
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c == '%' && i+2 < len(name) {
				if n, err := strconv.ParseUint(name[i+1:i+3], 16, 8); err == nil {
					b = append(b, byte(n))
					i += 2
					continue
				}
			}
			if c == '+' {
				c = ' '
			}
			b = append(b, c)
		}
		n := string(b)
		if i := strings.IndexByte(n, 0); i >= 0 {
			n = n[:i]
		}
		n = strings.TrimLeft(n, " ")
		if i := strings.IndexByte(n, '['); i >= 0 {
			n = n[:i]
		}
		n = strings.Map(func(r rune) rune {
			if r == '.' || r == ' ' {
				return '_'
			}
			return r
		}, n)
		out = append(out, strings.ToLower(n))
	}
	return out
}

// queryNames are the PHP names in the query (and fragment) of a URL.
func queryNames(u string) []string {
	_, q, ok := strings.Cut(u, "?")
	if !ok {
		return nil
	}
	return phpNames(q)
}

func TestCleanURL(t *testing.T) {
	ids := newIdentifiers([]string{"Phone"})
	tests := []struct{ in, want string }{
		{"http://s/p", "http://s/p"},
		{"http://s/p?a=1&b=2#f", "http://s/p?a=1&b=2#f"},
		{"http://s/p?EMAIL=v", "http://s/p?"},
		{"http://s/p?a=1&email=v&b=%zz", "http://s/p?a=1&b=%zz"},
		{"http://s/p?email=v&a=1", "http://s/p?a=1"},
		{"http://s/p?e%6Dail=v&phone=1&x=2", "http://s/p?x=2"},
		{"http://s/p?a=1#email=v", "http://s/p?a=1"},
		{"http://s/p?email%00x=v&lead[email]=v&%20email=v&e+mail=v", "http://s/p?e+mail=v"},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		if got := ids.cleanURL(tt.in); got != tt.want {
			t.Errorf("cleanURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadHitCleansURLValues(t *testing.T) {
	form := "page_title=t&page_url=" + url.QueryEscape("http://s/p?utm_source=x&email=v") + "&email%00x=v"
	r := httptest.NewRequest(http.MethodPost, "http://site/mtc/event", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hit, err := readHit(r, defaultIdentifiers)
	if err != nil {
		t.Fatal(err)
	}
	if got := hit.param("page_url"); got != "http://s/p?utm_source=x" {
		t.Errorf("page_url = %q", got)
	}
	if _, ok := hit.query["email\x00x"]; ok {
		t.Error("a name cut at NUL survived")
	}
	r = httptest.NewRequest(http.MethodPost, "http://site/mtc/event", strings.NewReader(`{"page_url":"http://s/?EMAIL=v&a=1"}`))
	r.Header.Set("Content-Type", "application/json")
	if hit, err = readHit(r, defaultIdentifiers); err != nil || hit.param("page_url") != "http://s/?a=1" {
		t.Errorf("JSON page_url = %q, %v", hit.param("page_url"), err)
	}
}
