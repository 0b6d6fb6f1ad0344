package mautic

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseWebhookRealCaptures(t *testing.T) {
	type ev struct {
		trigger   string
		contactID int
		email     string
		deleted   bool
	}
	want := map[string][]ev{
		"hook_1795646388737_001.raw": {{TriggerContactIdentified, 10, "", false}},
		"hook_1795646389295_002.raw": {{TriggerContactUpdated, 10, "hooked@example.com", false}},
		// Queued delivery: one body, two triggers, in body order.
		"hook_1795646443082_003.raw": {{TriggerContactUpdated, 10, "hooked@example.com", false}, {TriggerContactDeleted, 10, "hooked@example.com", true}},
		"hook_1795646587862_004.raw": {{TriggerContactIdentified, 12, "someone@example.com", false}},
		"hook_1795647086259_030.raw": {{TriggerPointsChanged, 31, "", false}},
	}
	for _, h := range capturedHooks(t) {
		t.Run(h.name, func(t *testing.T) {
			p, err := ParseWebhook(h.body)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) == 0 {
				t.Fatal("no events")
			}
			for i, e := range p.Events {
				if e.Contact == nil {
					t.Fatalf("event %d (%s): no contact", i, e.Trigger)
				}
				if e.Timestamp.IsZero() || e.Timestamp.Year() != 2026 {
					t.Errorf("event %d: timestamp %v", i, e.Timestamp)
				}
				if !json.Valid(e.Raw) {
					t.Errorf("event %d: Raw is not JSON", i)
				}
				// Webhook contacts have no fields.all: values come from groups.
				if e.Contact.Fields["firstname"] == "" && e.Trigger != TriggerContactDeleted {
					t.Errorf("event %d: firstname not flattened from the groups: %v", i, e.Contact.Fields)
				}
			}
			exp, ok := want[h.name]
			if !ok {
				return
			}
			if len(p.Events) != len(exp) {
				t.Fatalf("got %d events, want %d", len(p.Events), len(exp))
			}
			for i, w := range exp {
				e := p.Events[i]
				if e.Trigger != w.trigger || e.ContactID != w.contactID {
					t.Errorf("event %d = %s/%d, want %s/%d", i, e.Trigger, e.ContactID, w.trigger, w.contactID)
				}
				if w.email != "" && e.Contact.Email() != w.email {
					t.Errorf("event %d email %q, want %q", i, e.Contact.Email(), w.email)
				}
				if w.deleted && e.Contact.ID != 0 {
					t.Errorf("deleted contact has id %d, want 0 (Mautic sends null)", e.Contact.ID)
				}
			}
		})
	}
}

func TestParseWebhookShapes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantErr  string
		triggers []string
		ids      []int
		check    func(t *testing.T, p *WebhookPayload)
	}{
		{name: "empty object", body: `{}`},
		{
			name:     "unknown trigger kept raw, order kept",
			body:     `{"mautic.form_on_submit":[{"submission":{"id":7}}],"mautic.lead_post_save_update":[{"contact":{"id":3,"fields":{"core":{"email":{"alias":"email","value":"a@b.co"}}}}}]}`,
			triggers: []string{"mautic.form_on_submit", TriggerContactUpdated},
			ids:      []int{0, 3},
			check: func(t *testing.T, p *WebhookPayload) {
				if !strings.Contains(string(p.Events[0].Raw), `"submission"`) {
					t.Errorf("raw of unknown trigger lost: %s", p.Events[0].Raw)
				}
			},
		},
		{
			name:     "test payload with one top-level timestamp",
			body:     `{"mautic.lead_post_save_new":[{"contact":{"id":1,"fields":{"core":[]}}}],"timestamp":"2026-01-02T03:04:05+00:00"}`,
			triggers: []string{TriggerContactIdentified},
			ids:      []int{1},
			check: func(t *testing.T, p *WebhookPayload) {
				if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC); !p.Events[0].Timestamp.Equal(want) {
					t.Errorf("timestamp %v, want %v", p.Events[0].Timestamp, want)
				}
			},
		},
		{
			name:     "delete takes the id key, id as string",
			body:     `{"mautic.lead_post_delete":[{"id":"42","contact":{"id":null,"fields":{}}}]}`,
			triggers: []string{TriggerContactDeleted},
			ids:      []int{42},
		},
		{
			name:     "several events of one trigger",
			body:     `{"mautic.lead_points_change":[{"contact":{"id":1},"points":{"old_points":1,"new_points":2}},{"contact":{"id":2}}]}`,
			triggers: []string{TriggerPointsChanged, TriggerPointsChanged},
			ids:      []int{1, 2},
		},
		{
			name:     "unknown trigger that is not a list",
			body:     `{"mautic.something_new":{"x":1}}`,
			triggers: []string{"mautic.something_new"},
			ids:      []int{0},
		},
		{name: "malformed JSON", body: `{"mautic.lead_post_save_new":[{"contact":`, wantErr: "malformed"},
		{name: "top level array", body: `[{"contact":{}}]`, wantErr: "not a JSON object"},
		{name: "empty body", body: ``, wantErr: "not a JSON object"},
		{name: "delete without id", body: `{"mautic.lead_post_delete":[{"contact":{"id":null}}]}`, wantErr: "deleted contact's id"},
		{name: "contact not an object in a contact trigger", body: `{"mautic.lead_post_save_update":[{"contact":"x"}]}`, wantErr: "not a JSON object"},
		{name: "bad contact fields in a contact trigger", body: `{"mautic.lead_post_save_update":[{"contact":{"id":1,"fields":"x"}}]}`, wantErr: "fields"},
		{name: "trailing garbage", body: `{} {}`, wantErr: "after the value"},
		{name: "contact trigger event not an object", body: `{"mautic.lead_post_delete":""}`, wantErr: "not a JSON object"},
		{name: "contact trigger list of scalars", body: `{"mautic.lead_post_save_new":[1]}`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseWebhook([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Events) != len(tt.triggers) {
				t.Fatalf("%d events, want %d", len(p.Events), len(tt.triggers))
			}
			for i, e := range p.Events {
				if e.Trigger != tt.triggers[i] || e.ContactID != tt.ids[i] {
					t.Errorf("event %d = %s/%d, want %s/%d", i, e.Trigger, e.ContactID, tt.triggers[i], tt.ids[i])
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, h := range capturedHooks(f) {
		f.Add(h.body)
	}
	f.Add([]byte(`{"mautic.lead_post_delete":[{"id":"1","contact":{"id":null}}],"timestamp":"2026-01-01T00:00:00+00:00"}`))
	f.Add([]byte(`{"x":[1,"a",null,{"contact":null}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseWebhook(body)
		if err != nil {
			if p != nil {
				t.Fatal("payload and error both returned")
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		for _, e := range p.Events {
			if e.Trigger == TriggerContactDeleted && e.ContactID <= 0 {
				t.Fatal("delete event without a contact id")
			}
			if len(e.Raw) > 0 && !json.Valid(e.Raw) {
				t.Fatalf("Raw %q is not JSON", e.Raw)
			}
		}
	})
}
