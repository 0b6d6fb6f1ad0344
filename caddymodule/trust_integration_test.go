package caddymodule

import (
	"strconv"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// TestIntegrationForgedMtcIDTakesNoStrangersContact: a stranger's browser
// was tracked through the first-party proxy; a new user sends the
// stranger's contact id as mtc_id. Contact ids are sequential, so this
// costs the attacker nothing; they must not get the stranger's history.
func TestIntegrationForgedMtcIDTakesNoStrangersContact(t *testing.T) {
	s := startSite(t, siteOptions{})
	stranger := postHit(t, s, "", nil)
	postHit(t, s, "mautic_device_id="+stranger.DeviceID, nil)
	attacker := postHit(t, s, "", nil) // the attacker's own browser, tracked too
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 0)
	cookie := u.Cookie + "; mautic_device_id=" + attacker.DeviceID + "; mtc_id=" + strconv.Itoa(stranger.ID)
	resp, _ := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": cookie})
	if resp.StatusCode != 200 {
		t.Fatalf("page: %s", resp.Status)
	}
	var got int
	eventually(t, 10*time.Second, "attacker provisioned", func() bool {
		id, ok := s.db.MauticID(t, u.ID)
		got = id
		return ok
	})
	if got == stranger.ID {
		t.Fatalf("the attacker took the stranger's contact %d", got)
	}
	c, _ := s.mautic.Contact(stranger.ID)
	if c.Fields["email"] != "" || c.Hits != 2 {
		t.Errorf("stranger's contact changed: email %q, %d hits", c.Fields["email"], c.Hits)
	}
	if mc, ok := setCookie(resp, mtcIDCookie); ok && mc.Value == strconv.Itoa(stranger.ID) {
		t.Error("mtc_id kept pointing at the stranger's contact")
	}
}

// TestIntegrationOwnTrackedBrowserKeepsItsHistory: the browser the proxy
// saw tracked as an anonymous contact signs up; the evidence holds across
// the module's own table, so the user takes that contact.
func TestIntegrationOwnTrackedBrowserKeepsItsHistory(t *testing.T) {
	s := startSite(t, siteOptions{})
	anon := postHit(t, s, "", nil)
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 0)
	cookie := u.Cookie + "; mautic_device_id=" + anon.DeviceID + "; mtc_id=" + strconv.Itoa(anon.ID)
	if resp, _ := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": cookie}); resp.StatusCode != 200 {
		t.Fatalf("page: %s", resp.Status)
	}
	eventually(t, 10*time.Second, "user takes the tracked contact", func() bool {
		id, ok := s.db.MauticID(t, u.ID)
		return ok && id == anon.ID
	})
}

// TestIntegrationImpostorWithVictimsEmail: Better Auth signs a user in
// before they verify their email. One who signed up with the email of an
// existing contact gets no link, no mtc_id and no write to that contact.
func TestIntegrationImpostorWithVictimsEmail(t *testing.T) {
	s := startSite(t, siteOptions{})
	u := loadUser(t, "mysql-db-only")
	victim := s.mautic.AddContact(map[string]string{"email": u.Email, "firstname": "Vic", "company": "Victim Ltd"})
	before, _ := s.mautic.Contact(victim)
	s.db.AddUser(t, userdb.User{ID: u.ID, Email: u.Email, Name: u.Name, Locale: u.Locale}) // emailVerified false
	s.db.AddSession(t, u.ID, u.Token, time.Now().Add(24*time.Hour))
	resp, _ := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie})
	if resp.StatusCode != 200 {
		t.Fatalf("page: %s", resp.Status)
	}
	if c, ok := setCookie(resp, mtcIDCookie); ok {
		t.Errorf("mtc_id set to %s for an unverified email", c.Value)
	}
	seen := s.app.requests("/")
	if h := seen[len(seen)-1].Header.Get("X-Mautic-Contact"); h != "" {
		t.Errorf("the app was told contact %q", h)
	}
	if id, ok := s.db.MauticID(t, u.ID); ok {
		t.Errorf("impostor linked to %d", id)
	}
	after, _ := s.mautic.Contact(victim)
	if len(after.Fields) != len(before.Fields) || after.Fields["firstname"] != "Vic" || !after.LastActive.Equal(before.LastActive) {
		t.Errorf("victim's contact written: %v -> %v", before.Fields, after.Fields)
	}
	// The hand-over must not move the impostor's browser onto it either.
	hit := postHit(t, s, u.Cookie, nil)
	if hit.ID == victim {
		t.Errorf("the impostor's browser was handed over to the victim's contact")
	}
}

// TestIntegrationEmailChangeThenSignUpWithOldEmail: A changes their email;
// B signs up with A's old one. B never gets A's contact, A's contact takes
// A's new email, and B gets a contact of their own.
func TestIntegrationEmailChangeThenSignUpWithOldEmail(t *testing.T) {
	s := startSite(t, siteOptions{})
	a := loadUser(t, "mysql-db-only")
	s.db.AddUser(t, userdb.User{ID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale, EmailVerified: true})
	s.db.AddSession(t, a.ID, a.Token, time.Now().Add(24*time.Hour))
	s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": a.Cookie})
	var one int
	eventually(t, 10*time.Second, "A provisioned", func() bool {
		id, ok := s.db.MauticID(t, a.ID)
		one = id
		return ok
	})
	s.db.SetEmail(t, a.ID, "a-changed@example.test")
	s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": a.Cookie})

	b := loadUser(t, "mysql-nojwtheader")
	s.db.AddUser(t, userdb.User{ID: b.ID, Email: a.Email, Name: b.Name, EmailVerified: true}) // A's old email
	s.db.AddSession(t, b.ID, b.Token, time.Now().Add(24*time.Hour))
	s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": b.Cookie})
	var two int
	eventually(t, 15*time.Second, "B provisioned", func() bool {
		s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": b.Cookie})
		id, ok := s.db.MauticID(t, b.ID)
		two = id
		return ok
	})
	if two == one {
		t.Fatalf("A -> %d, B -> %d: one contact, two users", one, two)
	}
	if c, _ := s.mautic.Contact(one); c.Fields["email"] != "a-changed@example.test" {
		t.Errorf("A's contact has %q, want A's new email", c.Fields["email"])
	}
	if id, _ := s.db.MauticID(t, a.ID); id != one {
		t.Errorf("A moved to %d", id)
	}
}
