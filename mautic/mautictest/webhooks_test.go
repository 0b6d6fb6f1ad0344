package mautictest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSignWebhookMatchesRealCaptures(t *testing.T) {
	captures := loadWebhookCaptures(t)
	for _, c := range captures {
		t.Run(c.name, func(t *testing.T) {
			want := c.header.Get("Webhook-Signature")
			if got := signWebhook(c.body, "lab-webhook-secret"); got != want {
				t.Errorf("signature %s, want %s", got, want)
			}
			flipped := slices.Clone(c.body)
			flipped[len(flipped)/2] ^= 1
			if signWebhook(flipped, "lab-webhook-secret") == want {
				t.Error("a flipped byte still verifies")
			}
			if signWebhook(c.body, "other-secret") == want {
				t.Error("another secret verifies")
			}
		})
	}
}

// triggersOf returns a webhook body's trigger keys in order and its events.
func triggersOf(t *testing.T, body []byte) ([]string, map[string][]map[string]any) {
	t.Helper()
	n, err := parseLenient(string(body))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string][]map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return n.keys, m
}

func TestWebhookImmediate(t *testing.T) {
	s := NewServer(t)
	var seenBeforeAnswer atomic.Int32
	rx := newCaptureServer(t)
	id := s.AddWebhook(Webhook{URL: rx.URL, Secret: "sek", Triggers: []string{triggerNew, triggerUpdate, triggerDelete}})
	if id != 1 {
		t.Errorf("first webhook id = %d", id)
	}
	a := call(t, s, "POST", "/api/contacts/new", `{"email":"h@example.com","firstname":"Hooked"}`)
	seenBeforeAnswer.Store(int32(len(rx.take())))
	if seenBeforeAnswer.Load() != 1 {
		t.Fatalf("immediate mode: %d webhooks delivered by the time the API answered, want 1", seenBeforeAnswer.Load())
	}
	cid := idOf(t, contactOf(t, a))
	call(t, s, "PATCH", fmt.Sprintf("/api/contacts/%d/edit", cid), `{"city":"Paris"}`)
	call(t, s, "POST", "/api/contacts/new", `{"city":"Anon"}`) // anonymous: no webhook
	call(t, s, "DELETE", fmt.Sprintf("/api/contacts/%d/delete", cid), "")
	d := s.WebhookDeliveries()
	if len(d) != 3 {
		t.Fatalf("%d deliveries, want new, update, delete", len(d))
	}
	for i, want := range []string{triggerNew, triggerUpdate, triggerDelete} {
		keys, events := triggersOf(t, d[i].Body)
		if len(keys) != 1 || keys[0] != want || len(events[want]) != 1 {
			t.Errorf("delivery %d triggers %v, want [%s]", i, keys, want)
		}
		ev := events[want][0]
		if _, ok := ev["timestamp"].(string); !ok {
			t.Errorf("delivery %d has no timestamp", i)
		}
		contact := ev["contact"].(map[string]any)
		if _, hasAll := contact["fields"].(map[string]any)["all"]; hasAll {
			t.Errorf("delivery %d: webhook contacts have no fields.all", i)
		}
		if d[i].Status != 200 || d[i].Err != nil || d[i].Signature != signWebhook(d[i].Body, "sek") || d[i].URL != rx.URL {
			t.Errorf("delivery %d = %+v", i, d[i])
		}
	}
	_, events := triggersOf(t, d[2].Body)
	del := events[triggerDelete][0]
	if del["id"] != float64(cid) || del["contact"].(map[string]any)["id"] != nil {
		t.Errorf("delete event = id %v contact.id %v", del["id"], del["contact"].(map[string]any)["id"])
	}
}

func TestWebhookTriggerFilterAndPoints(t *testing.T) {
	s := NewServer(t)
	rx := newCaptureServer(t)
	s.AddWebhook(Webhook{URL: rx.URL, Triggers: []string{triggerPointsChange}})
	id := s.AddContact(map[string]string{"email": "p@example.com", "points": "42"})
	if got := rx.take(); len(got) != 1 || !strings.Contains(string(got[0].body), `"old_points":0,"new_points":42`) {
		t.Errorf("a points-only webhook got %d deliveries for a create with points, want the 0 to 42 change", len(got))
	}
	call(t, s, "PATCH", fmt.Sprintf("/api/contacts/%d/edit", id), `{"city":"Rome"}`)
	if n := len(rx.take()); n != 0 {
		t.Errorf("a points-only webhook got %d deliveries for an update", n)
	}
	call(t, s, "PUT", fmt.Sprintf("/api/contacts/%d/edit", id), `{"email":"p@example.com"}`)
	got := rx.take()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want the points change", len(got))
	}
	if got[0].header.Get("Webhook-Signature") != "" {
		t.Error("a webhook without a secret sends no signature")
	}
	_, events := triggersOf(t, got[0].body)
	points := events[triggerPointsChange][0]["points"].(map[string]any)
	if points["old_points"] != float64(42) || points["new_points"] != float64(0) {
		t.Errorf("points = %v", points)
	}
}

func TestWebhookQueued(t *testing.T) {
	s := NewServer(t)
	rx := newCaptureServer(t)
	s.AddWebhook(Webhook{URL: rx.URL, Secret: "q", Queued: true})
	var ids []int
	for i := range 11 {
		ids = append(ids, s.AddContact(map[string]string{"email": fmt.Sprintf("q%d@example.com", i)}))
	}
	call(t, s, "DELETE", fmt.Sprintf("/api/contacts/%d/delete", ids[0]), "")
	if n := len(rx.take()); n != 0 {
		t.Fatalf("queued mode delivered %d before the flush", n)
	}
	if err := s.FlushWebhooks(); err != nil {
		t.Fatal(err)
	}
	got := rx.take()
	if len(got) != 2 {
		t.Fatalf("12 events in %d POSTs, want 2 (10 per POST)", len(got))
	}
	keys, events := triggersOf(t, got[0].body)
	if len(keys) != 1 || len(events[triggerNew]) != 10 {
		t.Errorf("first batch: %v with %d new", keys, len(events[triggerNew]))
	}
	keys, events = triggersOf(t, got[1].body)
	if !slices.Equal(keys, []string{triggerNew, triggerDelete}) || len(events[triggerNew]) != 1 {
		t.Errorf("second batch triggers %v, want several in one body", keys)
	}
	if err := s.FlushWebhooks(); err != nil || len(rx.take()) != 0 {
		t.Error("a second flush has nothing to send")
	}
}

func TestWebhookFailures(t *testing.T) {
	s := NewServer(t)
	var status atomic.Int32
	status.Store(500)
	rx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(int(status.Load())) }))
	t.Cleanup(rx.Close)
	id := s.AddWebhook(Webhook{URL: rx.URL, Queued: true})

	s.AddContact(map[string]string{"email": "a@example.com"})
	if err := s.FlushWebhooks(); err != nil {
		t.Fatalf("an HTTP error is not a flush error: %v", err)
	}
	if err := s.FlushWebhooks(); err != nil || len(s.WebhookDeliveries()) != 1 {
		t.Errorf("an HTTP 500 drops the events: %d deliveries", len(s.WebhookDeliveries()))
	}

	// A dead receiver keeps the events queued.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	deadID := s.AddWebhook(Webhook{URL: dead, Queued: true})
	if err := s.SetWebhookQueued(id, false); err != nil {
		t.Fatal(err)
	}
	status.Store(410)
	s.AddContact(map[string]string{"email": "b@example.com"}) // immediate to rx: 410 unpublishes it
	if err := s.FlushWebhooks(); err == nil {
		t.Error("a connection error must be reported")
	}
	if err := s.FlushWebhooks(); err == nil {
		t.Error("the events must still be queued")
	}
	d := s.WebhookDeliveries()
	if last := d[len(d)-1]; last.Err == nil || last.Status != 0 || last.URL != dead {
		t.Errorf("failed delivery = %+v", last)
	}
	before := len(s.WebhookDeliveries())
	s.AddContact(map[string]string{"email": "c@example.com"})
	for _, x := range s.WebhookDeliveries()[before:] {
		if x.URL == rx.URL {
			t.Error("a webhook answered 410 is unpublished")
		}
	}
	if err := s.SetWebhookQueued(99, true); err == nil || deadID == 0 {
		t.Error("SetWebhookQueued of an unknown id must fail")
	}
}

// TestWebhookShapesMatchCaptures produces the events of the captures the
// recordings replay does not cover and compares their shape and values.
func TestWebhookShapesMatchCaptures(t *testing.T) {
	captures := loadWebhookCaptures(t)
	byName := func(suffix string) rawWebhook {
		for _, c := range captures {
			if strings.HasSuffix(c.name, suffix) {
				return c
			}
		}
		t.Fatalf("no capture %s", suffix)
		return rawWebhook{}
	}
	tests := []struct {
		capture string
		steps   func(t *testing.T, s *Server)
	}{
		{"_004.raw", func(t *testing.T, s *Server) {
			call(t, s, "POST", "/api/contacts/new", `{"firstname":"Some","lastname":"One","email":"someone@example.com"}`)
		}},
		{"_013.raw", func(t *testing.T, s *Server) {
			call(t, s, "POST", "/api/contacts/new", `{"firstname":"Second","lastname":"Person","email":"s4second.sr1@example.org",`+
				`"preferred_locale":"en","timezone":"UTC","last_active":"2026-11-25 22:50:00"}`)
		}},
		{"_030.raw", func(t *testing.T, s *Server) {
			a := call(t, s, "POST", "/api/contacts/new", `{"firstname":"Margaret","lastname":"Hamilton","email":"s7marketing.sr1@example.org",`+
				`"points":42,"tags":["vip","newsletter"]}`)
			id := idOf(t, contactOf(t, a))
			call(t, s, "PUT", fmt.Sprintf("/api/contacts/%d/edit", id), `{"firstname":"Margaret","lastname":"Hamilton",`+
				`"email":"s7marketing.sr1@example.org","preferred_locale":"en","timezone":"UTC","last_active":"2026-11-25 22:51:00"}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			want := byName(tt.capture)
			wantKeys, _ := triggersOf(t, want.body)
			s := NewServer(t)
			rx := newCaptureServer(t)
			s.AddWebhook(Webhook{URL: rx.URL, Secret: "lab-webhook-secret", Triggers: wantKeys})
			tt.steps(t, s)
			got := rx.take()
			if len(got) == 0 {
				t.Fatal("no delivery")
			}
			last := got[len(got)-1]
			for _, d := range compareWebhook(want, last.header, last.body, s.URL) {
				t.Error(d)
			}
		})
	}
}

func TestMergeWebhooks(t *testing.T) {
	s := NewServer(t)
	rx := newCaptureServer(t)
	w := s.AddContact(map[string]string{"firstname": "Anon"})
	l := s.AddContact(map[string]string{"email": "l@example.com"})
	s.AddWebhook(Webhook{URL: rx.URL})
	if err := s.Merge(w, l); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, d := range rx.take() {
		keys, _ := triggersOf(t, d.body)
		order = append(order, keys...)
	}
	if !slices.Equal(order, []string{triggerUpdate, triggerDelete}) {
		t.Errorf("merge webhooks = %v, want the winner's save then the loser's delete", order)
	}
}
