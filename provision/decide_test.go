package provision

import (
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

func contact(id int, fields map[string]string) *mautic.Contact {
	if fields == nil {
		fields = map[string]string{}
	}
	return &mautic.Contact{ID: id, Fields: fields}
}

func TestDecide(t *testing.T) {
	p := profile{email: "ann@example.org", first: "Ann", last: "Lee", locale: "de_DE", explicit: true, lastActive: time.Now(), optional: true}
	anon := contact(7, nil)
	named := contact(8, map[string]string{"firstname": "Someone"}) // no email, but not anonymous
	other := contact(9, map[string]string{"email": "someone@example.org"})
	found := contact(3, map[string]string{"email": "ann@example.org"})

	tests := []struct {
		name       string
		mtcID      int
		byEmail    []*mautic.Contact
		cookie     *mautic.Contact
		claimed    map[int]bool
		rule       Rule
		contactID  int
		leftBehind int
		shared     bool
	}{
		{"email found, no cookie", 0, []*mautic.Contact{found}, nil, nil, RuleEmail, 3, 0, false},
		{"email found, cookie names it", 3, []*mautic.Contact{found}, nil, nil, RuleEmail, 3, 0, false},
		{"email found, cookie names another anonymous contact", 7, []*mautic.Contact{found}, anon, nil, RuleEmail, 3, 7, false},
		{"email found, cookie names someone else", 9, []*mautic.Contact{found}, other, nil, RuleEmail, 3, 0, false},
		{"oldest of duplicates", 0, []*mautic.Contact{found, contact(4, map[string]string{"email": "ann@example.org"})}, nil, nil, RuleEmail, 3, 0, false},
		{"anonymous cookie contact", 7, nil, anon, nil, RuleAnonymous, 7, 0, false},
		{"anonymous contact already claimed in the batch", 7, nil, anon, map[int]bool{7: true}, RuleCreate, 0, 0, false},
		{"cookie contact has a name", 8, nil, named, nil, RuleCreate, 0, 0, false},
		{"shared browser", 9, nil, other, nil, RuleCreate, 0, 0, true},
		{"cookie names no contact", 99, nil, nil, nil, RuleCreate, 0, 0, false},
		{"cookie lookup answered another id", 7, nil, contact(70, nil), nil, RuleCreate, 0, 0, false},
		{"no cookie", 0, nil, nil, nil, RuleCreate, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claimed := tt.claimed
			if claimed == nil {
				claimed = map[int]bool{}
			}
			pl := decide(p, tt.mtcID, tt.byEmail, tt.cookie, claimed)
			if pl.rule != tt.rule || pl.contactID != tt.contactID || pl.leftBehind != tt.leftBehind || pl.sharedBrowser != tt.shared {
				t.Errorf("plan %+v; want rule %s, contact %d, left behind %d, shared %v", pl, tt.rule, tt.contactID, tt.leftBehind, tt.shared)
			}
			if pl.rule == RuleAnonymous && !claimed[tt.mtcID] {
				t.Error("the anonymous contact taken was not marked claimed")
			}
			if pl.rule != RuleEmail && pl.fields[fieldEmail] != p.email {
				t.Errorf("fields %v lack the email", pl.fields)
			}
		})
	}
}

func TestDecideNeverPatchesAContactWithAnEmail(t *testing.T) {
	p := profile{email: "me@example.org", lastActive: time.Now()}
	for _, c := range []*mautic.Contact{
		contact(5, map[string]string{"email": "other@example.org"}),
		contact(5, map[string]string{"email": "ME@example.org"}), // the lookup found none, the cookie's has one
		contact(5, map[string]string{"company": "Acme"}),
		contact(5, map[string]string{"twitter": "@someone"}),
	} {
		if pl := decide(p, 5, nil, c, map[int]bool{}); pl.rule != RuleCreate || pl.contactID != 0 {
			t.Errorf("contact %v: plan %+v, want a create", c.Fields, pl)
		}
	}
}
