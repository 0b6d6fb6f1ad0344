package mautic

import (
	"context"
	"net/http"
	"testing"
)

func TestWireContactField(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("start") == "0" {
			reply(w, 200, recorded(t, "28_contact_fields_list")) // 3 of 28
			return
		}
		reply(w, 200, []byte(`{"total":28,"fields":[{"id":6,"alias":"email","isUniqueIdentifer":true,"isPubliclyUpdatable":true,"isPublished":true}]}`))
	})
	c := f.client(t)
	title, err := c.ContactField(context.Background(), "title")
	if err != nil || title.ID != 1 || title.IsPubliclyUpdatable || title.Type != "lookup" || f.count() != 1 {
		t.Fatalf("title = %+v, %v", title, err)
	}
	email, err := c.ContactField(context.Background(), "email")
	if err != nil || email.ID != 6 || !email.IsUniqueIdentifier || !email.IsPubliclyUpdatable {
		t.Fatalf("email = %+v, %v", email, err)
	}
	_, err = c.ContactField(context.Background(), "nope")
	if !IsNotFound(err) {
		t.Fatalf("unknown alias: %v", err)
	}
}
