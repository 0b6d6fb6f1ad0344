package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// provisioningQueued reads the engine's queue length from the admin API's
// health endpoint.
func provisioningQueued(t *testing.T) int {
	t.Helper()
	resp, err := http.Get("http://" + adminAddr + "/mautic/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Instances []struct {
			Provisioning *struct {
				Queued int `json:"queued"`
			} `json:"provisioning"`
		} `json:"instances"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || len(h.Instances) == 0 || h.Instances[0].Provisioning == nil {
		t.Fatalf("health: %v %+v", err, h)
	}
	return h.Instances[0].Provisioning.Queued
}

// A marketer deletes a signed-in user's contact; Mautic's webhook reaches
// Caddy. The user is unlinked and no contact is made while they do not
// come back; their next signed-in page view provisions them again.
func TestIntegrationDeleteWaitsForTheNextSignIn(t *testing.T) {
	s := startSite(t, siteOptions{})
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 0)
	page := func() *http.Response {
		resp, _ := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page: %s", resp.Status)
		}
		return resp
	}
	asUser := func() bool {
		page()
		seen := s.app.requests("/")
		return seen[len(seen)-1].Header.Get("X-Mautic-User") == u.ID
	}
	// Until the database is connected, pages are served as anonymous.
	eventually(t, 20*time.Second, "a page seen as the user's", asUser)
	eventually(t, 10*time.Second, "provisioned", func() bool {
		id, _ := s.db.MauticID(t, u.ID)
		return id != 0
	})
	old, _ := s.db.MauticID(t, u.ID)
	s.mautic.AddWebhook(mautictest.Webhook{URL: siteURL + "/api/webhooks/mautic", Secret: webhookSecret})

	req, _ := http.NewRequest(http.MethodDelete, s.mautic.APIURL()+"/contacts/"+strconv.Itoa(old)+"/delete", nil)
	req.SetBasicAuth("admin", "mautic")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("deleting the contact in Mautic: %v %v", resp, err)
	}
	db := s.db.Open(t)
	eventually(t, 20*time.Second, "the user unlinked, tombstoned, and nothing queued", func() bool {
		id, _ := s.db.MauticID(t, u.ID)
		ts, err := db.Tombstones(context.Background(), []string{u.ID})
		return id == 0 && err == nil && ts[u.ID].ContactID == old && provisioningQueued(t) == 0
	})
	if n := len(s.mautic.ContactsByEmail(u.Email)); n != 0 {
		t.Fatalf("%d contacts with the user's email without a visit, want 0", n)
	}

	resp := page() // the user comes back
	if seen := s.app.requests("/"); seen[len(seen)-1].Header.Get("X-Mautic-User") != u.ID {
		t.Fatal("the page was not seen as the user's")
	}
	eventually(t, 10*time.Second, "provisioned again after the sign-in", func() bool {
		id, _ := s.db.MauticID(t, u.ID)
		return id != 0 && id != old
	})
	id, _ := s.db.MauticID(t, u.ID)
	if c, ok := setCookie(resp, mtcIDCookie); ok && c.Value != strconv.Itoa(id) && !strings.HasPrefix(c.Value, "0") {
		t.Errorf("mtc_id set to %s, stored %d", c.Value, id)
	}
	if ts, err := db.Tombstones(context.Background(), []string{u.ID}); err != nil || len(ts) != 0 {
		t.Errorf("tombstone after the visit: %v, %v", ts, err)
	}
}
