package mautictest

import (
	"net/url"
	"testing"
)

func TestValidEmail(t *testing.T) {
	tests := map[string]bool{
		"someone@example.com": true, "some+tag@example.com": true, "a.b@sub.example.org": true,
		"o'brien@example.ie": true, "x@xn--bcher-kva.example": true,
		"not-an-email": false, "bad-email": false, "a@b": false, "@example.com": false, "a@": false,
		".a@example.com": false, "a.@example.com": false, "a..b@example.com": false,
		"a@-x.com": false, "a@x-.com": false, "a@x..com": false, "Jane <j@example.com>": false,
		"a b@example.com": false, "a@ex_ample.com": false,
	}
	for in, want := range tests {
		if got := validEmail(in); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCleanEmail(t *testing.T) {
	tests := map[string]string{
		" jane@example.com ":     "jane@example.com",
		"batchemail1@email.com,": "batchemail1@email.com",
		"jä ne@example.com":      "jne@example.com",
		"a+b@x.com":              "a+b@x.com",
		"(x)<y>@z.com":           "xy@z.com",
	}
	for in, want := range tests {
		if got := cleanEmail(in); got != want {
			t.Errorf("cleanEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDropped(t *testing.T) {
	tests := map[string]bool{"": true, "  ": true, "0": true, "0.4": true, "-0.9": true, "00": true,
		"1": false, "abc": false, "0abc": false, "Jane": false}
	for in, want := range tests {
		if got := dropped(in); got != want {
			t.Errorf("dropped(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestContactInputWrites(t *testing.T) {
	in := parseContactInput(params{"firstname": "A", "lastname": "", "points": "0", "email": " a@example.com ", "nope": "x",
		"tags": []any{"x", "-y"}, "ipAddress": "10.0.0.1", "lastActive": "2026-01-02T03:04:05+00:00", "city": []any{"a"}})
	post := in.writes(modePost)
	if len(post) != 2 || post["firstname"] != "A" || post["email"] != "a@example.com" {
		t.Errorf("POST writes = %v", post)
	}
	put := in.writes(modePut)
	if len(put) != len(contactFields) || put["lastname"] != "" || put["city"] != "" || put["points"] != "0" {
		t.Errorf("PUT writes = %v", put)
	}
	if len(in.tags) != 2 || in.ip != "10.0.0.1" || !in.hasLastActive {
		t.Errorf("specials = %+v", in)
	}
	in.overwrite = true
	if w := in.writes(modePatch); w["lastname"] != "" || len(w) != 4 {
		t.Errorf("overwriteWithBlank writes = %v", w)
	}
}

func TestCompareIndexKeys(t *testing.T) {
	tests := []struct {
		a, b string
		sign int
	}{{"2", "10", -1}, {"10", "2", 1}, {"1", "x", -1}, {"x", "1", 1}, {"a", "b", -1}, {"3", "3", 0}}
	for _, tt := range tests {
		got := compareIndexKeys(tt.a, tt.b)
		if (got < 0 && tt.sign >= 0) || (got > 0 && tt.sign <= 0) || (got == 0 && tt.sign != 0) {
			t.Errorf("compareIndexKeys(%q, %q) = %d", tt.a, tt.b, got)
		}
	}
}

func TestBatchBadInput(t *testing.T) {
	s := NewServer(t)
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCodes                string
	}{
		{"invalid json", "POST", "/api/contacts/batch/new", `[{`, 400, ""},
		{"not a list", "POST", "/api/contacts/batch/new", `"x"`, 400, ""},
		{"object of items", "POST", "/api/contacts/batch/new", `{"0":{"email":"o@example.com"},"1":"x"}`, 201, "[201 400]"},
		{"edit without id", "PATCH", "/api/contacts/batch/edit", `[{"email":"x@example.com"}]`, 200, "[400]"},
		{"edit bad email", "PATCH", "/api/contacts/batch/edit", `[{"id":1,"email":"nope"}]`, 200, "[400]"},
		{"edit over limit", "PATCH", "/api/contacts/batch/edit", "[" + repeatJSON(`{"id":1}`, 201) + "]", 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, tt.method, tt.path, tt.body)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantCodes != "" {
				if got := fmtAny(a.json(t)["statusCodes"]); got != tt.wantCodes {
					t.Errorf("statusCodes = %s, want %s", got, tt.wantCodes)
				}
			}
		})
	}
}

func TestPublicWritesIgnoreInvalid(t *testing.T) {
	s := NewServer(t)
	s.SetPubliclyUpdatable("preferred_locale", true)
	s.SetPubliclyUpdatable("firstname", true)
	form := url.Values{"preferred_locale": {"xx_YY"}, "firstname": {"Ann"}, "lastname": {"NotPublic"}}
	id := int(hit(t, s, form, "").json(t)["id"].(float64))
	c, _ := s.Contact(id)
	if c.Fields["preferred_locale"] != "" || c.Fields["firstname"] != "Ann" || c.Fields["lastname"] != "" || c.DateIdentified.IsZero() {
		t.Errorf("tracked fields = %v", c.Fields)
	}
}
