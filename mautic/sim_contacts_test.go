package mautic_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

func TestSimUpsertCreatesThenUpdates(t *testing.T) {
	e := newEnv(t, nil)
	email := e.email("upsert")
	c1, created, err := e.c.Contacts.Upsert(ctx(t), mautic.Fields{"email": email, "firstname": "Ada", "preferred_locale": "de_DE", "city": ""})
	if err != nil || !created {
		t.Fatalf("create: %v, created %v", err, created)
	}
	e.cleanup(t, c1.ID)
	if c1.Email() != email || c1.Fields["preferred_locale"] != "de_DE" || c1.DateIdentified == nil {
		t.Fatalf("created %+v", c1)
	}
	// Same email in other letter case: Mautic updates, no duplicate; an
	// empty value does not blank what was set.
	c2, created, err := e.c.Contacts.Upsert(ctx(t), mautic.Fields{"email": upper(email), "lastname": "Lovelace", "firstname": ""})
	if err != nil || created || c2.ID != c1.ID {
		t.Fatalf("update: id %d (want %d), created %v, err %v", c2.ID, c1.ID, created, err)
	}
	if c2.Fields["firstname"] != "Ada" || c2.Fields["lastname"] != "Lovelace" {
		t.Fatalf("fields after update %v", c2.Fields)
	}
	if e.sim != nil {
		if n := len(e.sim.ContactsByEmail(email)); n != 1 {
			t.Fatalf("%d contacts with the email", n)
		}
		if n := e.sim.Calls("POST /api/contacts/new"); n != 2 {
			t.Fatalf("%d creates sent, want 2", n)
		}
	}
}

func TestSimGetAndMerge(t *testing.T) {
	e := newEnv(t, nil)
	winner := e.upsert(t, mautic.Fields{"email": e.email("winner"), "firstname": "Win"})
	got, err := e.c.Contacts.Get(ctx(t), winner.ID)
	if err != nil || got.ID != winner.ID || got.MergedFrom != 0 || got.Fields["firstname"] != "Win" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	_, err = e.c.Contacts.Get(ctx(t), 999999999)
	if !mautic.IsNotFound(err) {
		t.Fatalf("unknown id: %v", err)
	}
	e.needSim(t)
	loser := e.sim.AddContact(map[string]string{"email": e.email("loser")})
	if err := e.sim.Merge(winner.ID, loser); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCounters()
	got, err = e.c.Contacts.Get(ctx(t), loser)
	if err != nil || got.ID != winner.ID || got.MergedFrom != loser {
		t.Fatalf("Get(merged) = id %d from %d, %v; want %d from %d", got.ID, got.MergedFrom, err, winner.ID, loser)
	}
	if n := e.sim.TotalAPICalls(); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
	byID, err := e.c.Contacts.FindByIDs(ctx(t), []int{loser, winner.ID})
	if err != nil || len(byID) != 1 || byID[winner.ID] == nil {
		t.Fatalf("FindByIDs = %v, %v; a merged-away id is absent", byID, err)
	}
}

func TestSimFindByEmail(t *testing.T) {
	e := newEnv(t, nil)
	base := e.email("ann")
	ann := e.upsert(t, mautic.Fields{"email": base, "firstname": "Ann"})
	// Near misses that search= would match: substring, prefix, longer domain.
	e.upsert(t, mautic.Fields{"email": "jo" + base})
	e.upsert(t, mautic.Fields{"email": base + ".au"})
	e.upsert(t, mautic.Fields{"email": "x@example.com", "company": base})
	apos := e.upsert(t, mautic.Fields{"email": "o'brien." + e.email("apos")})

	tests := []struct {
		name  string
		email string
		want  int // 0: not found
	}{
		{"exact", base, ann.ID},
		{"other case", upper(base), ann.ID},
		{"prefix is not a match", base[:len(base)-1], 0},
		{"apostrophe via strict search", "O'Brien." + e.email("apos"), apos.ID},
		{"nobody", e.email("nobody"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e.sim != nil {
				e.sim.ResetCounters()
			}
			got, err := e.c.Contacts.FindByEmail(ctx(t), tt.email)
			if tt.want == 0 {
				if !errors.Is(err, mautic.ErrNotFound) || got != nil {
					t.Fatalf("got %v, %v; want ErrNotFound", got, err)
				}
			} else if err != nil || got.ID != tt.want || len(got.DuplicateIDs) != 0 {
				t.Fatalf("got %+v, %v; want id %d", got, err, tt.want)
			}
			if e.sim != nil {
				if n := e.sim.Calls("GET /api/contacts"); n != 1 {
					t.Fatalf("%d list calls, want 1", n)
				}
			}
		})
	}
}

func TestSimFindByEmailDuplicatesVisible(t *testing.T) {
	e := newEnv(t, nil)
	e.needSim(t)
	email := e.email("dup")
	first := e.sim.AddContact(map[string]string{"email": email})
	second := e.sim.AddContact(map[string]string{"email": upper(email)})
	got, err := e.c.Contacts.FindByEmail(ctx(t), email)
	if err != nil || got.ID != first || !slices.Equal(got.DuplicateIDs, []int{second}) {
		t.Fatalf("got %+v, %v; want %d with duplicate %d", got, err, first, second)
	}
	all, err := e.c.Contacts.FindAllByEmail(ctx(t), email)
	if err != nil || len(all) != 2 {
		t.Fatalf("FindAllByEmail = %v, %v", all, err)
	}
}

func TestSimFindByEmailsOneCall(t *testing.T) {
	e := newEnv(t, nil)
	var items []mautic.Fields
	var emails []string
	for i := range 40 {
		em := e.email("many" + itoa(i))
		emails = append(emails, em)
		if i%4 != 0 { // every fourth has no contact
			items = append(items, mautic.Fields{"email": em})
		}
	}
	res, err := e.c.Contacts.BatchUpsert(ctx(t), items)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Contact == nil {
			t.Fatalf("batch item: %+v", r)
		}
		e.cleanup(t, r.Contact.ID)
	}
	if e.sim != nil {
		e.sim.ResetCounters()
	}
	got, err := e.c.Contacts.FindByEmails(ctx(t), append(emails, upper(emails[1])))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 {
		t.Fatalf("%d emails found, want 30", len(got))
	}
	for i, em := range emails {
		list := got[em]
		if (i%4 == 0) != (len(list) == 0) || len(list) > 1 {
			t.Errorf("%s: %d contacts", em, len(list))
		}
	}
	if e.sim != nil {
		if n := e.sim.TotalAPICalls(); n != 1 {
			t.Fatalf("%d calls for 41 emails, want 1", n)
		}
	}
}

func TestSimFindByIDsAnonymous(t *testing.T) {
	e := newEnv(t, nil)
	e.needSim(t)
	anon := e.sim.AddContact(map[string]string{"timezone": "Europe/Paris"})
	known := e.sim.AddContact(map[string]string{"email": e.email("known"), "firstname": "K"})
	got, err := e.c.Contacts.FindByIDs(ctx(t), []int{anon, known, 999999})
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	if !got[anon].IsAnonymous() || got[known].IsAnonymous() || got[anon].DateIdentified != nil {
		t.Fatalf("anonymous %v / known %v", got[anon], got[known])
	}
}

func TestSimPatch(t *testing.T) {
	e := newEnv(t, nil)
	c := e.upsert(t, mautic.Fields{"email": e.email("patch"), "firstname": "P", "city": "Berlin"})
	other := e.upsert(t, mautic.Fields{"email": e.email("other")})
	tests := []struct {
		name   string
		id     int
		fields mautic.Fields
		check  func(t *testing.T, got *mautic.Contact, err error)
	}{
		{"sets and keeps", c.ID, mautic.Fields{"preferred_locale": "fr_FR", "city": ""}, func(t *testing.T, got *mautic.Contact, err error) {
			if err != nil || got.Fields["preferred_locale"] != "fr_FR" || got.Fields["city"] != "Berlin" || got.Fields["firstname"] != "P" {
				t.Fatalf("got %v, %v", got, err)
			}
		}},
		{"Blank clears", c.ID, mautic.Fields{"city": mautic.Blank}, func(t *testing.T, got *mautic.Contact, err error) {
			if err != nil || got.Fields["city"] != "" || got.Email() == "" {
				t.Fatalf("got %v, %v", got, err)
			}
		}},
		{"another contact's email is a duplicate", c.ID, mautic.Fields{"email": other.Email()}, func(t *testing.T, got *mautic.Contact, err error) {
			if !mautic.IsDuplicate(err) || !mautic.IsValidation(err) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"bad locale is a validation error", c.ID, mautic.Fields{"preferred_locale": "xx_YY"}, func(t *testing.T, got *mautic.Contact, err error) {
			if !mautic.IsValidation(err) || mautic.IsDuplicate(err) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"unknown id", 999999999, mautic.Fields{"firstname": "X"}, func(t *testing.T, got *mautic.Contact, err error) {
			if !mautic.IsNotFound(err) {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.c.Contacts.Patch(ctx(t), tt.id, tt.fields)
			tt.check(t, got, err)
		})
	}
	if e.sim != nil {
		if n := e.sim.Calls("PUT /api/contacts/{id}/edit"); n != 0 {
			t.Fatalf("%d PUTs", n)
		}
	}
}

func TestSimDelete(t *testing.T) {
	e := newEnv(t, nil)
	c, _, err := e.c.Contacts.Upsert(ctx(t), mautic.Fields{"email": e.email("delete")})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.Contacts.Delete(ctx(t), c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Contacts.Get(ctx(t), c.ID); !mautic.IsNotFound(err) {
		t.Fatalf("Get after delete: %v", err)
	}
	if err := e.c.Contacts.Delete(ctx(t), c.ID); !mautic.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestSimBatchUpsert(t *testing.T) {
	e := newEnv(t, nil)
	email := e.email("batch")
	res, err := e.c.Contacts.BatchUpsert(ctx(t), []mautic.Fields{
		{"email": email, "firstname": "One"},
		{"email": "bad-email"},
		{"email": upper(email), "lastname": "Two"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Contact != nil {
			e.cleanup(t, r.Contact.ID)
		}
	}
	if res[0].Status != 201 || res[1].Status != 400 || res[2].Status != 200 {
		t.Fatalf("statuses %d %d %d, want 201 400 200", res[0].Status, res[1].Status, res[2].Status)
	}
	if res[0].Contact.ID != res[2].Contact.ID || res[2].Contact.Fields["lastname"] != "Two" {
		t.Fatalf("same email twice: ids %d and %d", res[0].Contact.ID, res[2].Contact.ID)
	}
	if !mautic.IsValidation(res[1].Err) || res[1].Contact != nil {
		t.Fatalf("bad item: %+v", res[1])
	}
}

func TestSimBatchPatch(t *testing.T) {
	e := newEnv(t, nil)
	a := e.upsert(t, mautic.Fields{"email": e.email("bpa")})
	b := e.upsert(t, mautic.Fields{"email": e.email("bpb")})
	res, err := e.c.Contacts.BatchPatch(ctx(t), []mautic.Fields{
		{"id": a.ID, "preferred_locale": "de_DE"},
		{"id": b.ID, "email": a.Email()},
		{"id": 999999999, "firstname": "Ghost"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != 200 || res[0].Contact.Fields["preferred_locale"] != "de_DE" {
		t.Errorf("item 0: %+v", res[0])
	}
	if res[1].Status != 422 || !mautic.IsDuplicate(res[1].Err) {
		t.Errorf("item 1: %+v", res[1])
	}
	if res[2].Status != 404 || !mautic.IsNotFound(res[2].Err) {
		t.Errorf("item 2: %+v", res[2])
	}
	got, err := e.c.Contacts.Get(ctx(t), b.ID)
	if err != nil || got.Email() != b.Email() {
		t.Fatalf("rejected item changed the contact: %v, %v", got, err)
	}
}

func TestSimContactFieldAndPing(t *testing.T) {
	e := newEnv(t, nil)
	f, err := e.c.ContactField(ctx(t), "email")
	if err != nil || f.Alias != "email" || !f.IsUniqueIdentifier || f.ID == 0 {
		t.Fatalf("email field %+v, %v", f, err)
	}
	if _, err := e.c.ContactField(ctx(t), "no_such_field"); !mautic.IsNotFound(err) {
		t.Fatalf("unknown field: %v", err)
	}
	res, err := e.c.Ping(ctx(t))
	if err != nil || res.Version == "" || res.Latency <= 0 {
		t.Fatalf("Ping = %+v, %v", res, err)
	}
	e.needSim(t)
	if f.IsPubliclyUpdatable {
		t.Fatal("email is publicly updatable by default")
	}
	e.sim.SetPubliclyUpdatable("email", true)
	if f, err = e.c.ContactField(ctx(t), "email"); err != nil || !f.IsPubliclyUpdatable {
		t.Fatalf("after SetPubliclyUpdatable: %+v, %v", f, err)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func itoa(n int) string { return string(rune('a'+n/26)) + string(rune('a'+n%26)) }

func TestSimContactFieldsUniqueIdentifiers(t *testing.T) {
	e := newEnv(t, nil)
	e.needSim(t)
	e.sim.SetUniqueIdentifier("phone", true)
	fields, err := e.c.ContactFields(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var unique []string
	for _, f := range fields {
		if f.IsUniqueIdentifier {
			unique = append(unique, f.Alias)
		}
	}
	if len(fields) < 20 || !slices.Equal(unique, []string{"email", "phone"}) {
		t.Errorf("%d fields, unique %v", len(fields), unique)
	}
}
