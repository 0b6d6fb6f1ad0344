package mautictest

import (
	"testing"
	"time"
)

func TestSaveEvents(t *testing.T) {
	s := &Server{st: newStore()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		start  map[string]string
		writes map[string]string
		want   []string
	}{
		{"anonymous stays quiet", nil, map[string]string{"city": "Oslo"}, nil},
		{"becoming known is _new", nil, map[string]string{"firstname": "A"}, []string{triggerNew}},
		{"known is _update", map[string]string{"email": "k@example.com"}, map[string]string{"city": "Oslo"}, []string{triggerUpdate}},
		{"points change", map[string]string{"email": "k@example.com"}, map[string]string{"points": "5"}, []string{triggerUpdate, triggerPointsChange}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &record{fields: map[string]string{}}
			for k, v := range tt.start {
				r.fields[k] = v
			}
			if len(tt.start) > 0 {
				r.dateIdentified = now.Add(-time.Hour)
			}
			s.st.insert(r)
			_, evs := s.applySave(r, contactInput{}, tt.writes, view{}, now)
			var got []string
			for _, e := range evs {
				got = append(got, e.trigger)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("events = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
