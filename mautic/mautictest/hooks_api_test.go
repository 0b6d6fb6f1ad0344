package mautictest

import (
	"strings"
	"testing"
)

func TestHooksAPI(t *testing.T) {
	s := NewServer(t)
	rx := newCaptureServer(t)
	tests := []struct {
		name, body string
		want       int
	}{
		{"valid", `{"name":"lab hook","webhookUrl":"` + rx.URL + `/hook","secret":"sek","triggers":["mautic.lead_post_save_new"]}`, 201},
		{"no name", `{"webhookUrl":"http://x.example/hook"}`, 400},
		{"bad url", `{"name":"x","webhookUrl":"ftp://x"}`, 400},
		{"bad trigger", `{"name":"x","webhookUrl":"http://x.example/","triggers":["mautic.nope"]}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, s, "POST", "/api/hooks/new", tt.body)
			if a.status != tt.want {
				t.Fatalf("status %d, want %d: %s", a.status, tt.want, a.body)
			}
		})
	}
	got := call(t, s, "GET", "/api/hooks/1", "")
	hook := got.json(t)["hook"].(map[string]any)
	if hook["secret"] != "sek" || hook["eventsOrderbyDir"] != "ASC" || hook["isPublished"] != true {
		t.Errorf("hook = %v", hook)
	}
	call(t, s, "POST", "/api/contacts/new", `{"email":"a@example.com"}`)
	if n := len(rx.take()); n != 1 {
		t.Errorf("API-made hook delivered %d", n)
	}
	list := call(t, s, "GET", "/api/hooks", "").json(t)
	if list["total"] != float64(1) {
		t.Errorf("list = %v", list)
	}
	trig := call(t, s, "GET", "/api/hooks/triggers", "")
	if !strings.Contains(string(trig.body), `"mautic.lead_post_save_update":{"label":"Contact Updated Event"`) {
		t.Errorf("triggers = %s", trig.body)
	}
	if del := call(t, s, "DELETE", "/api/hooks/1/delete", ""); del.status != 200 || del.json(t)["hook"].(map[string]any)["id"] != nil {
		t.Errorf("delete: %d %s", del.status, del.body)
	}
	if a := call(t, s, "GET", "/api/hooks/1", ""); a.status != 404 {
		t.Errorf("deleted hook: %d", a.status)
	}
	call(t, s, "POST", "/api/contacts/new", `{"email":"b@example.com"}`)
	if n := len(rx.take()); n != 0 {
		t.Errorf("a deleted hook delivered %d", n)
	}
}
