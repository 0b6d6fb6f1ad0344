package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func TestWireGetFollowsMerge(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/api/contacts/7" {
			reply(w, 200, recorded(t, "12_contact_get")) // Mautic answers the survivor, id 1
			return
		}
		reply(w, 404, notFound)
	})
	c := f.client(t)
	got, err := c.Contacts.Get(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 1 || got.MergedFrom != 7 {
		t.Fatalf("id %d merged from %d, want 1 from 7", got.ID, got.MergedFrom)
	}
	got, err = c.Contacts.Get(context.Background(), 1)
	if err == nil || !IsNotFound(err) || got != nil {
		t.Fatalf("Get(1) = %v, %v; want a 404", got, err)
	}
	if _, err := c.Contacts.Get(context.Background(), 0); err == nil {
		t.Fatal("id 0 accepted")
	}
}

func TestWireUpsertPatchDelete(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.Method + " " + r.URL.Path {
		case "POST /api/contacts/new":
			if n == 0 {
				reply(w, 201, recorded(t, "02_contact_create_json"), "Location", "/api/contacts/1")
			} else {
				reply(w, 200, recorded(t, "03b_contact_create_duplicate_email"))
			}
		case "PATCH /api/contacts/1/edit":
			reply(w, 200, recorded(t, "13_contact_patch_edit"))
		case "DELETE /api/contacts/1/delete":
			reply(w, 200, recorded(t, "25_contact_delete"))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			reply(w, 404, notFound)
		}
	})
	c := f.client(t)
	ctx := context.Background()
	fields := Fields{"email": "someone@example.com", "firstname": "Some", "city": "", "tags": []string{"lab"}}
	got, created, err := c.Contacts.Upsert(ctx, fields)
	if err != nil || !created || got.ID != 1 {
		t.Fatalf("first Upsert = %v, %v, %v", got, created, err)
	}
	got, created, err = c.Contacts.Upsert(ctx, fields)
	if err != nil || created || got.ID != 1 {
		t.Fatalf("second Upsert = %v, %v, %v", got, created, err)
	}
	p, err := c.Contacts.Patch(ctx, 1, Fields{"lastname": "Patched", "city": "Berlin", "state": ""})
	if err != nil || p.Fields["lastname"] != "Patched" {
		t.Fatalf("Patch = %v, %v", p, err)
	}
	if err := c.Contacts.Delete(ctx, 1); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	var body map[string]any
	json.Unmarshal(reqs[0].Body, &body)
	if _, ok := body["city"]; ok || body["email"] != "someone@example.com" || reqs[0].CType != "application/json" {
		t.Errorf("upsert body %s", reqs[0].Body)
	}
	json.Unmarshal(reqs[2].Body, &body)
	if string(reqs[2].Body) != `{"city":"Berlin","lastname":"Patched"}` {
		t.Errorf("patch body %s", reqs[2].Body)
	}
	for _, r := range reqs {
		if r.Method == http.MethodPut {
			t.Fatal("PUT sent")
		}
	}
	if _, err := c.Contacts.Patch(ctx, 1, Fields{"city": ""}); err == nil {
		t.Error("Patch with nothing to send was accepted")
	}
	if _, _, err := c.Contacts.Upsert(ctx, Fields{"id": 3, "email": "a@b.co"}); err == nil {
		t.Error("Upsert with an id was accepted")
	}
	if f.count() != 4 {
		t.Errorf("%d requests, want 4", f.count())
	}
}

func TestWireErrorsFromRecordings(t *testing.T) {
	tests := []struct {
		name   string
		status int
		file   string
		check  func(error) bool
	}{
		{"404", 404, "17_contact_get_404", IsNotFound},
		{"400 bad email", 400, "19_contact_create_bad_email", IsValidation},
		{"401 bad credentials", 401, "21_bad_credentials_401", IsUnauthorized},
		{"422 duplicate", 422, "", IsDuplicate},
		{"403 basic disabled", 403, "", IsUnauthorized},
		{"429", 429, "70_ratelimit_call_6", IsRateLimited},
		{"500", 500, "", IsUnavailable},
	}
	bodies := map[int][]byte{
		422: []byte(`{"errors":[{"code":422,"message":"email: This field must be unique.","details":{"email":["This field must be unique."]}}]}`),
		403: []byte(`{"errors":[{"message":"Basic auth is disabled","code":403,"type":"access_denied"}]}`),
		500: server503,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := bodies[tt.status]
			if tt.file != "" {
				body = recorded(t, tt.file)
			}
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, tt.status, body) })
			c := f.client(t, func(cfg *Config) { cfg.Retry.MaxAttempts = 1 })
			_, err := c.Contacts.Patch(context.Background(), 3, Fields{"email": "taken@example.com"})
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Method != "PATCH" || e.Path != "/contacts/3/edit" || len(e.Errors) != 1 {
				t.Fatalf("err = %#v", err)
			}
			if !tt.check(err) {
				t.Fatalf("helper does not recognise %v", err)
			}
		})
	}
}
