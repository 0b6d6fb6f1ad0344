package mautic

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestContactDecodeRecorded(t *testing.T) {
	var get struct{ Contact Contact }
	if err := json.Unmarshal(recorded(t, "12_contact_get"), &get); err != nil {
		t.Fatal(err)
	}
	c := get.Contact
	if c.ID != 1 || c.Email() != "someone@example.com" || c.Fields["firstname"] != "Dup" || c.Fields["lastname"] != "One" {
		t.Errorf("decoded %+v", c)
	}
	if _, ok := c.Fields["id"]; ok {
		t.Error(`fields.all "id" leaked into Fields`)
	}
	if _, ok := c.Fields["city"]; ok {
		t.Error("a null field is present")
	}
	if !slices.Equal(c.Tags, []string{"lab"}) {
		t.Errorf("tags %v", c.Tags)
	}
	if c.DateIdentified == nil || !c.DateIdentified.Equal(time.Date(2026, 11, 25, 22, 38, 38, 0, time.UTC)) {
		t.Errorf("dateIdentified %v", c.DateIdentified)
	}
	if c.LastActive != nil || c.IsAnonymous() {
		t.Errorf("lastActive %v, anonymous %v", c.LastActive, c.IsAnonymous())
	}

	var anon struct{ Contact Contact }
	if err := json.Unmarshal(recorded(t, "47_contact_after_tracking"), &anon); err != nil {
		t.Fatal(err)
	}
	a := anon.Contact
	if a.ID != 6 || !a.IsAnonymous() || a.DateIdentified != nil || a.LastActive == nil || a.Fields["timezone"] != "Europe/Paris" {
		t.Errorf("anonymous contact decoded as %+v", a)
	}

	var del struct{ Contact Contact }
	if err := json.Unmarshal(recorded(t, "25_contact_delete"), &del); err != nil {
		t.Fatal(err)
	}
	if del.Contact.ID != 0 || del.Contact.Email() == "" {
		t.Errorf("deleted contact: id %d (Mautic sends null), email %q", del.Contact.ID, del.Contact.Email())
	}
}

func TestContactFieldsWithoutAll(t *testing.T) {
	// Batch answers carry int field ids and object properties; webhooks
	// carry no "all". Both must flatten from the groups.
	body := `{"id":"9","points":"3","fields":{
		"core":{"email":{"id":6,"alias":"email","value":"x@y.z","properties":{"a":1}},
		        "points":{"id":"9","alias":"points","value":0},
		        "title":{"id":1,"alias":"title","value":null}},
		"social":{"twitter":{"id":"28","alias":"twitter","value":"@x"}},
		"personal":[],"professional":[]},
		"tags":{"vip":{"id":2,"tag":"vip"},"new":{"id":3,"tag":"new"}},
		"owner":{"id":"4","username":"u"},
		"lastActive":"2026-11-25 22:39:17"}`
	var c Contact
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"email": "x@y.z", "points": "0", "twitter": "@x"}
	if len(c.Fields) != len(want) {
		t.Errorf("fields %v, want %v", c.Fields, want)
	}
	for k, v := range want {
		if c.Fields[k] != v {
			t.Errorf("Fields[%q] = %q, want %q", k, c.Fields[k], v)
		}
	}
	if c.ID != 9 || c.Points != 3 || c.OwnerID != 4 || !slices.Equal(c.Tags, []string{"vip", "new"}) || c.LastActive == nil {
		t.Errorf("decoded %+v", c)
	}
}

func TestContactDecodeErrors(t *testing.T) {
	for _, body := range []string{`[]`, `"x"`, `{"id":"abc"}`, `{"fields":"x"}`, `{"fields":{"core":{"email":5}}}`, `{"tags":[5]}`, `{"id":1`} {
		var c Contact
		if err := json.Unmarshal([]byte(body), &c); err == nil {
			t.Errorf("%s: no error", body)
		} else if !strings.HasPrefix(err.Error(), "mautic: ") && !strings.Contains(err.Error(), "JSON") {
			t.Errorf("%s: error %q does not name the package", body, err)
		}
	}
}

func TestContactIsAnonymous(t *testing.T) {
	tests := []struct {
		fields map[string]string
		want   bool
	}{
		{nil, true},
		{map[string]string{"timezone": "Europe/Paris", "points": "5", "city": "Berlin"}, true},
		{map[string]string{"email": "a@b.co"}, false},
		{map[string]string{"firstname": "A"}, false},
		{map[string]string{"lastname": "B"}, false},
		{map[string]string{"company": "C"}, false},
		{map[string]string{"twitter": "@c"}, false},
	}
	for _, tt := range tests {
		c := Contact{Fields: tt.fields}
		if got := c.IsAnonymous(); got != tt.want {
			t.Errorf("%v: IsAnonymous = %v, want %v", tt.fields, got, tt.want)
		}
	}
}
