package mautic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

func TestBatchDecodeShapes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		statuses []int
		ids      []int // contact id per item, 0 for none
		errCodes []int // 0 for no error
	}{
		{
			name:     "recorded: contacts array, errors object",
			body:     string(recorded(t, "24_contacts_batch_new")),
			statuses: []int{201, 400}, ids: []int{5, 0}, errCodes: []int{0, 400},
		},
		{
			name:     "first item failed: contacts become an object",
			body:     `{"contacts":{"1":{"id":8}},"statusCodes":{"0":422,"1":200},"errors":{"0":{"code":422,"message":"email: This field must be unique.","details":{"email":["This field must be unique."]},"type":null}}}`,
			statuses: []int{422, 200}, ids: []int{0, 8}, errCodes: []int{422, 0},
		},
		{
			name:     "every item failed: errors is a list",
			body:     `{"contacts":[],"statusCodes":[404,422],"errors":[{"code":404,"message":"Item was not found.","type":"api"},{"code":422,"message":"email: This field must be unique."}]}`,
			statuses: []int{404, 422}, ids: []int{0, 0}, errCodes: []int{404, 422},
		},
		{
			name:     "422 item still listed without fields.all is not returned as saved",
			body:     `{"contacts":[{"id":3,"fields":{"core":[]}},{"id":4,"fields":{"all":{"email":"x@y.z"}}}],"statusCodes":[422,200],"errors":{"0":{"code":422,"message":"m"}}}`,
			statuses: []int{422, 200}, ids: []int{0, 4}, errCodes: []int{422, 0},
		},
		{
			name:     "missing status",
			body:     `{"contacts":[{"id":3}],"statusCodes":[201]}`,
			statuses: []int{201, 0}, ids: []int{3, 0}, errCodes: []int{0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := make([]BatchResult, len(tt.statuses))
			req := &request{method: "POST", path: "/contacts/batch/new"}
			if err := decodeBatch(req, &response{status: 201, body: []byte(tt.body)}, out); err != nil {
				t.Fatal(err)
			}
			for i, r := range out {
				id := 0
				if r.Contact != nil {
					id = r.Contact.ID
				}
				code := 0
				if r.Err != nil {
					code = r.Err.Status
				}
				if r.Status != tt.statuses[i] || id != tt.ids[i] || code != tt.errCodes[i] {
					t.Errorf("item %d = status %d id %d err %v; want %d %d %d", i, r.Status, id, r.Err, tt.statuses[i], tt.ids[i], tt.errCodes[i])
				}
				if r.Status == 0 && r.Err == nil {
					t.Errorf("item %d has no status and no error", i)
				}
			}
		})
	}
	// Validation details reach the item error.
	out := make([]BatchResult, 2)
	decodeBatch(&request{method: "POST", path: "/contacts/batch/new"}, &response{status: 201, body: recorded(t, "24_contacts_batch_new")}, out)
	if !IsValidation(out[1].Err) || out[1].Err.Errors[0].Details["email"][0] != "bad-email is invalid." {
		t.Errorf("item error %#v", out[1].Err)
	}
}

func TestBatchSplitsAndReportsFailures(t *testing.T) {
	items := make([]Fields, 450)
	for i := range items {
		items[i] = Fields{"email": fmt.Sprintf("u%03d@example.com", i)}
	}
	// The answer echoes a 201 and a contact per item.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		var got []map[string]any
		json.NewDecoder(r.Body).Decode(&got)
		statuses := make([]int, len(got))
		contacts := make([]map[string]any, len(got))
		for i := range got {
			statuses[i] = 201
			contacts[i] = map[string]any{"id": n*1000 + i, "fields": map[string]any{"all": map[string]any{"email": got[i]["email"]}}}
		}
		b, _ := json.Marshal(map[string]any{"contacts": contacts, "statusCodes": statuses})
		reply(w, 201, b)
	})
	c := f.client(t)
	res, err := c.Contacts.BatchUpsert(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d calls, want 3", len(reqs))
	}
	for i, want := range []int{200, 200, 50} {
		var got []any
		json.Unmarshal(reqs[i].Body, &got)
		if len(got) != want || reqs[i].Method != "POST" || reqs[i].Path != "/api/contacts/batch/new" {
			t.Errorf("call %d: %s %s with %d items, want %d", i, reqs[i].Method, reqs[i].Path, len(got), want)
		}
	}
	for i, r := range res {
		if r.Status != 201 || r.Contact == nil || r.Contact.Email() != items[i]["email"] {
			t.Fatalf("item %d: %+v", i, r)
		}
	}
}

func TestBatchWholeCallFailure(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			reply(w, 201, []byte(`{"contacts":[],"statusCodes":[]}`))
			return
		}
		reply(w, 503, server503)
	})
	c := f.client(t, func(cfg *Config) { cfg.Retry.MaxAttempts = 1 })
	items := make([]Fields, 250)
	for i := range items {
		items[i] = Fields{"id": i + 1, "preferred_locale": "de_DE"}
	}
	res, err := c.Contacts.BatchPatch(context.Background(), items)
	if !IsUnavailable(err) || len(res) != 250 {
		t.Fatalf("err %v, %d results", err, len(res))
	}
	for i := 200; i < 250; i++ {
		if res[i].Status != 0 || res[i].Err == nil || !IsUnavailable(res[i].Err) {
			t.Fatalf("item %d: %+v", i, res[i])
		}
	}
	if res[0].Err == nil { // answered without a status for it
		t.Fatal("item 0 without status has no error")
	}
	if f.requests()[0].Method != http.MethodPatch || f.requests()[0].Path != "/api/contacts/batch/edit" {
		t.Fatalf("request %+v", f.requests()[0])
	}
}

func TestBatchInputValidation(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 500, server503) })
	c := f.client(t)
	ctx := context.Background()
	patches := map[string][]Fields{
		"missing id":   {{"email": "a@b.co"}},
		"zero id":      {{"id": 0, "email": "a@b.co"}},
		"float id":     {{"id": 1.5, "email": "a@b.co"}},
		"word id":      {{"id": "abc", "email": "a@b.co"}},
		"nothing else": {{"id": 3, "city": ""}},
	}
	for name, items := range patches {
		if _, err := c.Contacts.BatchPatch(ctx, items); err == nil {
			t.Errorf("BatchPatch %s: no error", name)
		}
	}
	if _, err := c.Contacts.BatchUpsert(ctx, []Fields{{"email": "a@b.co"}, {"city": ""}}); err == nil {
		t.Error("BatchUpsert with an empty item: no error")
	}
	if f.count() != 0 {
		t.Fatalf("%d requests sent for bad input", f.count())
	}
	for in, want := range map[any]int{3: 3, int64(4): 4, "5": 5, float64(6): 6, json.Number("7"): 7} {
		if got, err := itemID(in); err != nil || got != want {
			t.Errorf("itemID(%v) = %d, %v", in, got, err)
		}
	}
	if _, err := itemID(nil); err == nil {
		t.Error("nil id accepted")
	}
}

func TestBatchRetriesOnlyWhenSafe(t *testing.T) {
	for _, tt := range []struct {
		name  string
		items []Fields
		calls int
	}{
		{"all with email: repeated", []Fields{{"email": "a@b.co"}, {"email": "c@d.co"}}, 2},
		{"one without email: not repeated", []Fields{{"email": "a@b.co"}, {"firstname": "X"}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					reply(w, 502, server503)
					return
				}
				reply(w, 201, []byte(`{"contacts":[{"id":1},{"id":2}],"statusCodes":[201,201]}`))
			})
			c := f.client(t)
			c.Contacts.BatchUpsert(context.Background(), tt.items)
			if f.count() != tt.calls {
				t.Fatalf("%d calls, want %d", f.count(), tt.calls)
			}
		})
	}
}
