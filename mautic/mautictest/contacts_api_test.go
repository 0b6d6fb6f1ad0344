package mautictest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestCreateContact(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		ctype      string
		wantStatus int
		wantBody   string // exact, for errors
		check      func(t *testing.T, c map[string]any)
	}{
		{name: "json", body: `{"firstname":"Ann","email":"ann@example.com","tags":["a","b"],"ipAddress":"10.0.0.1"}`,
			wantStatus: 201, check: func(t *testing.T, c map[string]any) {
				if allField(c, "email") != "ann@example.com" || len(c["tags"].([]any)) != 2 || len(c["ipAddresses"].([]any)) != 1 {
					t.Errorf("contact = %v", c)
				}
				if c["dateIdentified"] == nil || c["utmtags"] != nil {
					t.Errorf("a new identified contact: dateIdentified %v utmtags %v", c["dateIdentified"], c["utmtags"])
				}
			}},
		{name: "form", body: "firstname=Form&email=form%40example.com&tags=x,y", ctype: "application/x-www-form-urlencoded",
			wantStatus: 201, check: func(t *testing.T, c map[string]any) {
				if allField(c, "email") != "form@example.com" || len(c["tags"].([]any)) != 2 {
					t.Errorf("contact = %v", c)
				}
			}},
		{name: "email cleaned", body: `{"email":" bat ch@email.com, "}`, wantStatus: 201, check: func(t *testing.T, c map[string]any) {
			if allField(c, "email") != "batch@email.com" {
				t.Errorf("email = %v", allField(c, "email"))
			}
		}},
		{name: "bad email", body: `{"firstname":"Bad","email":"not-an-email"}`, wantStatus: 400,
			wantBody: `{"errors":[{"code":400,"message":"email: not-an-email is invalid.","details":{"email":["not-an-email is invalid."]}}]}`},
		{name: "bad locale", body: `{"email":"l@example.com","preferred_locale":"xx_YY"}`, wantStatus: 400,
			wantBody: `{"errors":[{"code":400,"message":"preferred_locale: This value is not valid.","details":{"preferred_locale":["This value is not valid."]}}]}`},
		{name: "locales accepted", body: `{"email":"l@example.com","preferred_locale":"de_DE"}`, wantStatus: 201, check: func(t *testing.T, c map[string]any) {
			if allField(c, "preferred_locale") != "de_DE" {
				t.Errorf("preferred_locale = %v", allField(c, "preferred_locale"))
			}
		}},
		{name: "bad timezone", body: `{"email":"tz@example.com","timezone":"Mars/Olympus"}`, wantStatus: 400,
			wantBody: `{"errors":[{"code":400,"message":"timezone: This value is not valid.","details":{"timezone":["This value is not valid."]}}]}`},
		{name: "two errors", body: `{"email":"x","timezone":"Nowhere"}`, wantStatus: 400,
			wantBody: `{"errors":[{"code":400,"message":"email: x is invalid., timezone: This value is not valid.","details":{"email":["x is invalid."],"timezone":["This value is not valid."]}}]}`},
		{name: "too long", body: `{"firstname":"` + strings.Repeat("a", 192) + `"}`, wantStatus: 400},
		{name: "bad points", body: `{"points":"many"}`, wantStatus: 400},
		{name: "invalid json", body: `{"firstname":`, wantStatus: 400,
			wantBody: `{"errors":[{"message":"Looks like I encountered an error (error #400). If I do it again, please report me to the system administrator!","code":400,"type":null}]}`},
		{name: "list body", body: `[{"email":"a@example.com"}]`, wantStatus: 400},
		{name: "unknown alias ignored", body: `{"email":"u@example.com","shoe_size":"44","locale":"de"}`, wantStatus: 201,
			check: func(t *testing.T, c map[string]any) {
				if _, ok := c["fields"].(map[string]any)["all"].(map[string]any)["shoe_size"]; ok {
					t.Error("unknown alias stored")
				}
			}},
		{name: "zero dropped", body: `{"email":"z@example.com","points":"0","firstname":"0"}`, wantStatus: 201,
			check: func(t *testing.T, c map[string]any) {
				if allField(c, "firstname") != nil {
					t.Errorf("firstname = %v, want dropped", allField(c, "firstname"))
				}
			}},
		{name: "points set", body: `{"email":"p@example.com","points":"7"}`, wantStatus: 201, check: func(t *testing.T, c map[string]any) {
			if c["points"] != float64(7) || allField(c, "points") != float64(7) {
				t.Errorf("points = %v / %v", c["points"], allField(c, "points"))
			}
		}},
		{name: "lastActive", body: `{"email":"la@example.com","lastActive":"2026-01-02 03:04:05"}`, wantStatus: 201,
			check: func(t *testing.T, c map[string]any) {
				if c["lastActive"] != "2026-01-02T03:04:05+00:00" {
					t.Errorf("lastActive = %v", c["lastActive"])
				}
			}},
		{name: "anonymous", body: `{"city":"Paris"}`, wantStatus: 201, check: func(t *testing.T, c map[string]any) {
			if c["dateIdentified"] != nil {
				t.Errorf("an anonymous contact has dateIdentified %v", c["dateIdentified"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			ctype := tt.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			a := call(t, s, "POST", "/api/contacts/new", tt.body, "Content-Type", ctype)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantBody != "" && string(a.body) != tt.wantBody {
				t.Errorf("body %s\nwant %s", a.body, tt.wantBody)
			}
			if a.status == 201 {
				c := contactOf(t, a)
				if got := a.header.Get("Location"); got != fmt.Sprintf("/api/contacts/%d", idOf(t, c)) {
					t.Errorf("Location = %q", got)
				}
			}
			if a.status >= 400 && len(s.Contacts()) != 0 {
				t.Errorf("a rejected create stored %d contacts", len(s.Contacts()))
			}
			if tt.check != nil {
				tt.check(t, contactOf(t, a))
			}
			if a.header.Get("Mautic-Version") != "5.1.0" && a.status != 400 {
				t.Errorf("Mautic-Version = %q", a.header.Get("Mautic-Version"))
			}
		})
	}
}

func TestCreateDedupesByEmail(t *testing.T) {
	s := NewServer(t)
	first := call(t, s, "POST", "/api/contacts/new", `{"firstname":"Some","lastname":"One","email":"someone@example.com"}`)
	if first.status != 201 {
		t.Fatalf("first create: %d", first.status)
	}
	id := idOf(t, contactOf(t, first))
	again := call(t, s, "POST", "/api/contacts/new", `{"firstname":"Dup","lastname":"","email":"SOMEONE@example.com"}`)
	if again.status != 200 || again.header.Get("Location") != "" {
		t.Fatalf("second create: %d, Location %q; want 200 without Location", again.status, again.header.Get("Location"))
	}
	c := contactOf(t, again)
	if idOf(t, c) != id || allField(c, "firstname") != "Dup" || allField(c, "lastname") != "One" {
		t.Errorf("updated contact = id %v firstname %v lastname %v; empty values must not overwrite",
			c["id"], allField(c, "firstname"), allField(c, "lastname"))
	}
	if c["modifiedByUser"] != adminName || c["dateModified"] == nil {
		t.Errorf("an update sets modifiedBy and dateModified: %v %v", c["modifiedByUser"], c["dateModified"])
	}
	if n := len(s.ContactsByEmail("someone@example.com")); n != 1 {
		t.Errorf("%d contacts with the email, want 1", n)
	}
	blank := call(t, s, "POST", "/api/contacts/new", `{"email":"someone@example.com","lastname":"","overwriteWithBlank":true}`)
	if v := allField(contactOf(t, blank), "lastname"); v != "" {
		t.Errorf("overwriteWithBlank: lastname = %v, want \"\"", v)
	}
	if got, _ := s.Contact(id); got.Fields["lastname"] != "" {
		t.Errorf("stored lastname = %q", got.Fields["lastname"])
	}
}

func TestTags(t *testing.T) {
	s := NewServer(t)
	a := call(t, s, "POST", "/api/contacts/new", `{"email":"t@example.com","tags":"vip,newsletter"}`)
	id := idOf(t, contactOf(t, a))
	call(t, s, "PATCH", fmt.Sprintf("/api/contacts/%d/edit", id), `{"tags":["-vip","beta"]}`)
	c, _ := s.Contact(id)
	if strings.Join(c.Tags, ",") != "beta,newsletter" {
		t.Errorf("tags = %v", c.Tags)
	}
}

func TestGetContact(t *testing.T) {
	s := NewServer(t)
	id := s.AddContact(map[string]string{"email": "g@example.com", "firstname": "G"})
	a := call(t, s, "GET", fmt.Sprintf("/api/contacts/%d", id), "")
	c := contactOf(t, a)
	fields := c["fields"].(map[string]any)
	email := fields["core"].(map[string]any)["email"].(map[string]any)
	if email["id"] != "6" || email["value"] != "g@example.com" || email["is_fixed"] != "1" {
		t.Errorf("loaded field entry = %v", email)
	}
	if allField(c, "id") != fmt.Sprint(id) || c["utmtags"] == nil {
		t.Errorf("all.id = %v, utmtags = %v", allField(c, "id"), c["utmtags"])
	}
	for _, g := range []string{"personal", "professional"} {
		if l, ok := fields[g].([]any); !ok || len(l) != 0 {
			t.Errorf("group %s = %v, want []", g, fields[g])
		}
	}
	miss := call(t, s, "GET", "/api/contacts/999999", "")
	if miss.status != 404 || string(miss.body) != `{"errors":[{"code":404,"message":"Item was not found.","details":[]}]}` {
		t.Errorf("missing contact: %d %s", miss.status, miss.body)
	}
}

func TestPatchContact(t *testing.T) {
	s := NewServer(t)
	a := s.AddContact(map[string]string{"email": "a@example.com", "firstname": "A", "city": "Berlin"})
	b := s.AddContact(map[string]string{"email": "b@example.com"})
	tests := []struct {
		name, path, body string
		wantStatus       int
		wantBody         string
	}{
		{"partial", fmt.Sprintf("/api/contacts/%d/edit", a), `{"lastname":"Patched","city":""}`, 200, ""},
		{"unknown id", "/api/contacts/999998/edit", `{"firstname":"Ghost"}`, 404,
			`{"errors":[{"code":404,"message":"Item was not found.","details":[]}]}`},
		{"email owned by another", fmt.Sprintf("/api/contacts/%d/edit", b), `{"email":"A@example.com"}`, 422,
			`{"errors":[{"code":422,"message":"email: This field must be unique.","details":{"email":["This field must be unique."]}}]}`},
		{"own email in other case", fmt.Sprintf("/api/contacts/%d/edit", a), `{"email":"A@EXAMPLE.com"}`, 200, ""},
		{"bad email", fmt.Sprintf("/api/contacts/%d/edit", a), `{"email":"nope"}`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, s, "PATCH", tt.path, tt.body)
			if got.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", got.status, tt.wantStatus, got.body)
			}
			if tt.wantBody != "" && string(got.body) != tt.wantBody {
				t.Errorf("body %s\nwant %s", got.body, tt.wantBody)
			}
		})
	}
	c, _ := s.Contact(a)
	if c.Fields["lastname"] != "Patched" || c.Fields["city"] != "Berlin" || c.Fields["firstname"] != "A" || c.Fields["email"] != "A@EXAMPLE.com" {
		t.Errorf("after PATCH: %v", c.Fields)
	}
	if other, _ := s.Contact(b); other.Fields["email"] != "b@example.com" {
		t.Errorf("a rejected PATCH changed the contact: %v", other.Fields)
	}
}

func TestPutContact(t *testing.T) {
	s := NewServer(t)
	id := s.AddContact(map[string]string{"email": "p@example.com", "firstname": "P", "city": "Rome", "points": "42"})
	other := s.AddContact(map[string]string{"email": "taken@example.com"})

	a := call(t, s, "PUT", fmt.Sprintf("/api/contacts/%d/edit", id), `{"firstname":"Replaced"}`)
	if a.status != 200 {
		t.Fatalf("PUT existing: %d %s", a.status, a.body)
	}
	c := contactOf(t, a)
	if allField(c, "city") != "" || allField(c, "email") != "" || allField(c, "points") != float64(0) || allField(c, "attribution") != float64(0) {
		t.Errorf("PUT must blank unsent fields: city %v email %v points %v", allField(c, "city"), allField(c, "email"), allField(c, "points"))
	}
	if got, _ := s.Contact(id); got.Fields["email"] != "" || got.Points != 0 || got.Fields["firstname"] != "Replaced" {
		t.Errorf("stored after PUT: %+v", got)
	}
	if !strings.Contains(string(a.body), `"attribution":0.0`) {
		t.Error("a blanked number field with a scale answers 0.0")
	}

	created := call(t, s, "PUT", "/api/contacts/999999/edit", `{"firstname":"Ghost","email":"ghost@example.com"}`)
	if created.status != 201 {
		t.Fatalf("PUT unknown id: %d", created.status)
	}
	newID := idOf(t, contactOf(t, created))
	if newID == 999999 || created.header.Get("Location") != fmt.Sprintf("/api/contacts/%d", newID) {
		t.Errorf("PUT unknown id made id %d, Location %q", newID, created.header.Get("Location"))
	}

	conflict := call(t, s, "PUT", "/api/contacts/888888/edit", `{"email":"taken@example.com"}`)
	if conflict.status != 422 {
		t.Errorf("PUT unknown id with a taken email: %d, want 422", conflict.status)
	}
	if n := len(s.ContactsByEmail("taken@example.com")); n != 1 || other == 0 {
		t.Errorf("%d contacts own the email", n)
	}
}

func TestDeleteContact(t *testing.T) {
	s := NewServer(t)
	id := s.AddContact(map[string]string{"email": "d@example.com"})
	path := fmt.Sprintf("/api/contacts/%d/delete", id)
	a := call(t, s, "DELETE", path, "")
	c := contactOf(t, a)
	if a.status != 200 || c["id"] != nil || allField(c, "id") != nil || allField(c, "email") != "d@example.com" {
		t.Errorf("delete: %d id %v all.id %v", a.status, c["id"], allField(c, "id"))
	}
	if again := call(t, s, "DELETE", path, ""); again.status != 404 {
		t.Errorf("second delete: %d", again.status)
	}
	if _, ok := s.Contact(id); ok {
		t.Error("contact still stored")
	}
}

func TestBatchNew(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		codes     string
		contacts  string // "list" or "object"
		errorsAre string // "", "list" or "object"
	}{
		{"last item fails", `[{"email":"b1@example.com"},{"email":"bad-email"}]`, "[201,400]", "list", "object"},
		{"first item fails", `[{"email":"bad-email"},{"email":"b2@example.com"}]`, "[400,201]", "object", "list"},
		{"all fail", `[{"email":"x"},{"email":"y"}]`, "[400,400]", "list", "list"},
		{"same email twice", `[{"email":"Twice@example.com","firstname":"A"},{"email":"twice@example.com","firstname":"B"}]`, "[201,200]", "list", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			a := call(t, s, "POST", "/api/contacts/batch/new", tt.body)
			if a.status != 201 {
				t.Fatalf("status %d", a.status)
			}
			m := a.json(t)
			if got := fmt.Sprint(m["statusCodes"]); got != strings.NewReplacer(",", " ").Replace(tt.codes) {
				t.Errorf("statusCodes = %v, want %s", got, tt.codes)
			}
			if kind := jsonKind(m["contacts"]); kind != tt.contacts {
				t.Errorf("contacts is a %s, want %s: %s", kind, tt.contacts, a.body)
			}
			if kind := jsonKind(m["errors"]); kind != tt.errorsAre && !(tt.errorsAre == "" && m["errors"] == nil) {
				t.Errorf("errors is a %s, want %s", kind, tt.errorsAre)
			}
		})
	}
	s := NewServer(t)
	call(t, s, "POST", "/api/contacts/batch/new", `[{"email":"Twice@example.com","firstname":"A"},{"email":"twice@example.com","firstname":"B"}]`)
	got := s.ContactsByEmail("twice@example.com")
	if len(got) != 1 || got[0].Fields["firstname"] != "B" || got[0].Fields["email"] != "twice@example.com" {
		t.Errorf("same email twice: %+v; want one contact with the later values", got)
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any:
		return "object"
	case nil:
		return ""
	}
	return "scalar"
}

func TestBatchLimit(t *testing.T) {
	s := NewServer(t)
	items := strings.TrimSuffix(strings.Repeat(`{"city":"x"},`, 201), ",")
	a := call(t, s, "POST", "/api/contacts/batch/new", "["+items+"]")
	if a.status != http.StatusInternalServerError || !strings.Contains(string(a.body), `"code":500`) {
		t.Errorf("201 items: %d %s", a.status, a.body)
	}
	if len(s.Contacts()) != 0 {
		t.Error("an over-limit batch stored contacts")
	}
	items = strings.TrimSuffix(strings.Repeat(`{"city":"x"},`, 200), ",")
	if a := call(t, s, "POST", "/api/contacts/batch/new", "["+items+"]"); a.status != 201 || len(s.Contacts()) != 200 {
		t.Errorf("200 items: %d, %d stored", a.status, len(s.Contacts()))
	}
}

func TestBatchEdit(t *testing.T) {
	s := NewServer(t)
	a := s.AddContact(map[string]string{"email": "a@example.com"})
	b := s.AddContact(map[string]string{"email": "b@example.com"})
	body := fmt.Sprintf(`[{"id":%d,"email":"a2@example.com","preferred_locale":"de_DE"},{"id":%d,"email":"a2@example.com"},{"id":999,"firstname":"x"}]`, a, b)
	res := call(t, s, "PATCH", "/api/contacts/batch/edit", body)
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	m := res.json(t)
	if fmt.Sprint(m["statusCodes"]) != "[200 422 404]" {
		t.Errorf("statusCodes = %v", m["statusCodes"])
	}
	errs := m["errors"].(map[string]any)
	if e := errs["2"].(map[string]any); e["type"] != "api" || e["code"] != float64(404) {
		t.Errorf("404 item = %v", e)
	}
	if e := errs["1"].(map[string]any); e["message"] != "email: This field must be unique." {
		t.Errorf("422 item = %v", e)
	}
	contacts := m["contacts"].([]any)
	if len(contacts) != 2 {
		t.Fatalf("contacts = %d, want the 200 and the 422 item", len(contacts))
	}
	if _, hasAll := contacts[1].(map[string]any)["fields"].(map[string]any)["all"]; hasAll {
		t.Error("a 422 item carries no fields.all")
	}
	if c, _ := s.Contact(a); c.Fields["email"] != "a2@example.com" || c.Fields["preferred_locale"] != "de_DE" {
		t.Errorf("item 0 not applied: %v", c.Fields)
	}
	if c, _ := s.Contact(b); c.Fields["email"] != "b@example.com" {
		t.Errorf("a 422 item changed the contact: %v", c.Fields)
	}

	put := call(t, s, "PUT", "/api/contacts/batch/edit", `[{"id":777,"firstname":"New"}]`)
	if fmt.Sprint(put.json(t)["statusCodes"]) != "[201]" {
		t.Errorf("PUT batch with unknown id: %s", put.body)
	}
}

func TestBatchDelete(t *testing.T) {
	s := NewServer(t)
	a := s.AddContact(map[string]string{"email": "a@example.com"})
	res := call(t, s, "DELETE", fmt.Sprintf("/api/contacts/batch/delete?ids=%d,999", a), "")
	m := res.json(t)
	contacts := m["contacts"].([]any)
	if res.status != 200 || len(contacts) != 1 || contacts[0].(map[string]any)["id"] != float64(a) || m["errors"] == nil {
		t.Errorf("batch delete: %d %s", res.status, res.body)
	}
	if len(s.Contacts()) != 0 {
		t.Error("contact not deleted")
	}
}

func TestMergedIDFollowsWinner(t *testing.T) {
	s := NewServer(t)
	winner := s.AddContact(map[string]string{"email": "w@example.com", "firstname": "W"})
	loser := s.AddContact(map[string]string{"email": "l@example.com", "city": "Oslo"})
	if err := s.Merge(winner, loser); err != nil {
		t.Fatal(err)
	}
	c := contactOf(t, call(t, s, "GET", fmt.Sprintf("/api/contacts/%d", loser), ""))
	if idOf(t, c) != winner || allField(c, "city") != "Oslo" {
		t.Errorf("GET loser = id %v city %v, want the winner with the loser's city", c["id"], allField(c, "city"))
	}
	if a := call(t, s, "PATCH", fmt.Sprintf("/api/contacts/%d/edit", loser), `{"lastname":"Via"}`); idOf(t, contactOf(t, a)) != winner {
		t.Error("PATCH of a merged-away id must edit the winner")
	}
	call(t, s, "DELETE", fmt.Sprintf("/api/contacts/%d/delete", winner), "")
	if a := call(t, s, "GET", fmt.Sprintf("/api/contacts/%d", loser), ""); a.status != 404 {
		t.Errorf("GET loser after the winner's delete: %d", a.status)
	}
}
