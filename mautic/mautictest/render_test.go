package mautictest

import (
	"strings"
	"testing"
	"time"
)

func TestRenderViews(t *testing.T) {
	st := newStore()
	r := &record{fields: map[string]string{"email": "a@example.com", "timezone": "Europe/Paris"}, points: 3,
		dateAdded: time.Date(2026, 11, 25, 22, 38, 38, 0, time.UTC), createdByAdmin: true, tags: []string{"vip", "a"}}
	st.insert(r)
	st.addTags(r, nil)
	tests := []struct {
		name     string
		v        view
		contains []string
		absent   []string
	}{
		{"loaded", view{}, []string{`"dateAdded":"2026-11-25T22:38:38+00:00"`, `"email":{"id":"6","label":"Email"`,
			`"value":"Europe\/Paris"`, `"all":{"id":"1"`, `"utmtags":[]`, `"points":{"id":"9"`, `"value":3,"normalizedValue":3`,
			`"tags":[{"id":2,"tag":"a","description":null},{"id":1,"tag":"vip"`},
			nil},
		{"fresh", view{fresh: true, touched: map[string]string{"email": "a@example.com"}}, []string{`"email":{"id":6,"group":"core"`,
			`"utmtags":null`, `"points":{"id":9,"group":"core","label":"Points","alias":"points","type":"number","properties":[],"value":null,"normalizedValue":""}`,
			`"title":{"id":1,"group":"core","label":"Title","alias":"title","type":"lookup","properties":{"list":["Mr","Mrs","Miss"]}`},
			[]string{`"timezone":"Europe`}},
		{"list order", view{list: true}, []string{`"core":{"points":{`}, nil},
		{"webhook", view{webhook: true, touched: map[string]string{"points": ""}}, []string{`"value":"","normalizedValue":""`},
			[]string{`"all":`}},
		{"api fixes numbers", view{touched: map[string]string{"points": "", "attribution": ""}},
			[]string{`"value":0,"normalizedValue":0`, `"value":0.0,"normalizedValue":0.0`}, nil},
		{"deleted", view{deleted: true}, []string{`"id":null,"points":3`, `"all":{"id":null`, `"tags":[]`}, nil},
		{"minimal", view{minimal: true, list: true}, []string{`"fields":`}, []string{`"lastActive"`, `"tags"`}},
		{"no all", view{noAll: true}, nil, []string{`"all":`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(phpJSON(st.renderContact(r, tt.v)))
			for _, want := range tt.contains {
				if !strings.Contains(got, want) {
					t.Errorf("missing %s", want)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(got, bad) {
					t.Errorf("unexpected %s", bad)
				}
			}
		})
	}
}

func TestRenderTrackedContact(t *testing.T) {
	st := newStore()
	r := &record{fields: map[string]string{}, tracked: true, lastActive: time.Date(2026, 11, 25, 22, 39, 17, 0, time.UTC)}
	st.insert(r)
	got := string(phpJSON(st.renderContact(r, view{})))
	for _, want := range []string{`"createdBy":null,"createdByUser":null,"modifiedBy":null,"modifiedByUser":" "`,
		`"preferredProfileImage":"gravatar"`, `"lastActive":"2026-11-25T22:39:17+00:00"`, `"last_active":"2026-11-25 22:39:17"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s", want)
		}
	}
}
