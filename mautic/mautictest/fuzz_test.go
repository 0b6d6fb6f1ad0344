package mautictest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// serveDirect runs one request through the simulator's handler in process.
func serveDirect(s *Server, method, target, ctype, body string) *httptest.ResponseRecorder {
	path, query, _ := strings.Cut(target, "?")
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.URL.RawQuery = query // raw, as a client may send it
	r.SetBasicAuth("admin", "mautic")
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	s.serveHTTP(w, r)
	return w
}

func FuzzNewContactBody(f *testing.F) {
	for _, b := range []string{`{"email":"a@example.com","tags":"x,-y"}`, `{"points":"0.4"}`, `[1]`, `{"email":["x"]}`,
		`{"preferred_locale":"de_DE","timezone":"Europe/Berlin","lastActive":"2026-01-01"}`, `{"firstname":"\u00e9"}`} {
		f.Add(b, "application/json")
	}
	f.Add("email=a%40b.com&tags[]=x", "application/x-www-form-urlencoded")
	s := NewServer(f)
	f.Fuzz(func(t *testing.T, body, ctype string) {
		w := serveDirect(s, "POST", "/api/contacts/new", ctype, body)
		switch w.Code {
		case 200, 201, 400:
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("invalid JSON answer %q", w.Body.Bytes())
		}
	})
}

func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"search=email:a", "where[0][col]=email&where[0][expr]=in&where[0][val]=a,b",
		"where[0][expr]=orX&where[0][val][0][col]=id&where[0][val][0][expr]=gt&where[0][val][0][val]=1",
		"orderBy=last_active,id&orderByDir=desc&start=1&limit=2&minimal=1", "where=x", "search=%22a"} {
		f.Add(q)
	}
	s := NewServer(f)
	s.AddContact(map[string]string{"email": "a@example.com", "firstname": "A"})
	s.AddContact(map[string]string{"city": "Oslo"})
	f.Fuzz(func(t *testing.T, q string) {
		w := serveDirect(s, "GET", "/api/contacts?"+q, "", "")
		if w.Code != 200 && w.Code != 500 {
			t.Fatalf("status %d for %q", w.Code, q)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("invalid JSON answer %q", w.Body.Bytes())
		}
	})
}
