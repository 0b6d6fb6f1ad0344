package mautictest

import "testing"

func TestStoreResolveAndLookup(t *testing.T) {
	st := newStore()
	for _, e := range []string{"a@example.com", "A@EXAMPLE.com", "b@example.com"} {
		st.insert(&record{fields: map[string]string{"email": e}})
	}
	if r := st.findByEmail("a@Example.com"); r == nil || r.id != 1 {
		t.Errorf("findByEmail = %v, want the lowest id", r)
	}
	if st.findByEmail("") != nil || st.findByEmail("c@example.com") != nil {
		t.Error("findByEmail matched nothing it should")
	}
	if o := st.emailOwner("a@example.com", 1); o == nil || o.id != 2 {
		t.Errorf("emailOwner = %v", o)
	}
	st.merged[4] = 3
	st.merged[5] = 4
	if r, ok := st.resolve(5); !ok || r.id != 3 {
		t.Errorf("resolve chain = %v %v", r, ok)
	}
	st.merged[6] = 7
	st.merged[7] = 6 // a cycle must not hang
	if _, ok := st.resolve(6); ok {
		t.Error("resolve of a cycle found a contact")
	}
	if id := st.tagID("x"); id != 1 || st.tagID("y") != 2 || st.tagID("x") != 1 {
		t.Error("tag ids are stable and sequential")
	}
	if st.ipID("127.0.0.1") != 1 || st.ipID("10.0.0.1") != 2 {
		t.Error("127.0.0.1 is the lab's first address")
	}
}

func TestRecordColumn(t *testing.T) {
	r := &record{id: 7, points: 2, fields: map[string]string{"email": "x@example.com"}}
	tests := []struct {
		col           string
		val           string
		notNull, know bool
	}{
		{"id", "7", true, true}, {"points", "2", true, true}, {"email", "x@example.com", true, true},
		{"city", "", false, true}, {"date_added", "", false, true}, {"dateIdentified", "", false, true},
		{"nope", "", false, false},
	}
	for _, tt := range tests {
		v, nn, ok := r.column(tt.col)
		if v != tt.val || nn != tt.notNull || ok != tt.know {
			t.Errorf("column(%s) = %q %v %v", tt.col, v, nn, ok)
		}
	}
}
