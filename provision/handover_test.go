package provision

import (
	"context"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// A hit is handed over only with the email the engine wrote to the user's
// contact. A user who changed their email to someone else's (the sync
// refused it: another contact has it) must not have hits carry it, or
// Mautic would move their browser onto that person's contact.
func TestHandoverEmailOnlyTheContactsOwn(t *testing.T) {
	v := newEnv(t)
	e := v.idle()
	u := v.addUser("own@example.org", "Own")
	if err := v.db.PutLink(context.Background(), userdb.Link{UserID: u.ID, ContactID: 7, Email: "own@example.org"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		contactID int
		email     string
		want      string
	}{
		{"the synced email", 7, "own@example.org", "own@example.org"},
		{"case and spaces", 7, " Own@Example.org ", "own@example.org"},
		{"changed to a victim's email, not synced", 7, "victim@example.org", ""},
		{"another contact", 8, "own@example.org", ""},
	}
	for _, tt := range tests {
		if got := e.HandoverEmail(context.Background(), u.ID, tt.contactID, tt.email); got != tt.want {
			t.Errorf("%s: HandoverEmail = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := e.HandoverEmail(context.Background(), "no-record", 7, "own@example.org"); got != "" {
		t.Errorf("a user without a link record: HandoverEmail = %q", got)
	}
}
