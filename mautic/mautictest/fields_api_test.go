package mautictest

import (
	"testing"
)

func TestFieldsAPI(t *testing.T) {
	s := NewServer(t)
	list := call(t, s, "GET", "/api/fields/contact?limit=3", "")
	w, err := parseLenient(string(list.body))
	if err != nil {
		t.Fatal(err)
	}
	m := list.json(t)
	fields := m["fields"].(map[string]any)
	if m["total"] != float64(28) || len(fields) != 3 || w.kids[1].keys[0] != "1" {
		t.Errorf("list = total %v, %d fields", m["total"], len(fields))
	}
	if all := call(t, s, "GET", "/api/fields/contact", "").json(t)["fields"].(map[string]any); len(all) != 28 {
		t.Errorf("default limit lists %d fields", len(all))
	}
	email := call(t, s, "GET", "/api/fields/contact/6", "").json(t)["field"].(map[string]any)
	if email["alias"] != "email" || email["isUniqueIdentifier"] != true || email["isPubliclyUpdatable"] != false {
		t.Errorf("email field = %v", email)
	}
	if a := call(t, s, "GET", "/api/fields/contact/99", ""); a.status != 404 {
		t.Errorf("unknown field: %d", a.status)
	}
	if a := call(t, s, "PATCH", "/api/fields/contact/99/edit", `{}`); a.status != 404 {
		t.Errorf("edit unknown field: %d", a.status)
	}
	s.SetPubliclyUpdatable("email", true)
	if f := call(t, s, "GET", "/api/fields/contact/6", "").json(t)["field"].(map[string]any); f["isPubliclyUpdatable"] != true {
		t.Error("SetPubliclyUpdatable not shown by the API")
	}
	off := call(t, s, "PATCH", "/api/fields/contact/6/edit", `{"isPubliclyUpdatable":false}`)
	if off.json(t)["field"].(map[string]any)["isPubliclyUpdatable"] != false {
		t.Errorf("PATCH false: %s", off.body)
	}
}
