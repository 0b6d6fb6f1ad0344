package caddymodule

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestHandoverCandidate(t *testing.T) {
	h := &Handler{path: &requestPath{handover: true}, st: &state{devices: newDeviceMap(10, time.Hour)}}
	h.st.devices.put("known-dev", 7)
	user := visitor{user: betterauth.Identity{UserID: "u", Email: "u@example.com"}, contactID: 7}
	tests := []struct {
		name     string
		handover bool
		v        visitor
		cookie   string
		param    string
		want     bool
	}{
		{"device unknown", true, user, "mautic_device_id=anon-dev", "", true},
		{"first hit, no device", true, user, "", "", true},
		{"device already the user's", true, user, "mautic_device_id=known-dev", "", false},
		{"device from the hit", true, user, "", "known-dev", false},
		{"off", false, user, "", "", false},
		{"anonymous", true, visitor{}, "", "", false},
		{"no contact yet", true, visitor{user: user.user}, "", "", false},
		{"no email", true, visitor{user: betterauth.Identity{UserID: "u"}, contactID: 7}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.path.handover = tt.handover
			r := httptest.NewRequest("POST", "/mtc-proxy/mtc/event", nil)
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			if got := h.handoverCandidate(r, tt.v, tt.param); got != tt.want {
				t.Errorf("handoverCandidate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeviceMapIsBounded(t *testing.T) {
	d := newDeviceMap(100, time.Hour)
	for i := 0; i < 1000; i++ {
		d.put("dev"+strconv.Itoa(i), i+1)
	}
	if len(d.m) > 100 {
		t.Errorf("%d devices kept, want at most 100", len(d.m))
	}
	if d.get("dev999") != 1000 {
		t.Error("the newest device was lost")
	}
	d.ttl = 0
	if d.get("dev999") != 0 {
		t.Error("an expired device is still known")
	}
}

// Tracked devices no decision reads any more are deleted: every new
// browser adds a row, and a stranger can make as many as they like.
func TestPruneDevicesDeletesOnlyStaleDevices(t *testing.T) {
	f := dbtest.MySQL(t)
	old := f.Config()
	old.Now = func() time.Time { return time.Now().Add(-provision.DefaultEvidence - 48*time.Hour) }
	stale := f.OpenWith(t, old)
	if err := stale.PutDevice(context.Background(), "stale-device", 5); err != nil {
		t.Fatal(err)
	}
	db := f.Open(t)
	if err := db.PutDevice(context.Background(), "fresh-device", 6); err != nil {
		t.Fatal(err)
	}
	st := &state{log: zap.NewNop()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.pruneDevices(ctx, db) }()
	defer func() { cancel(); <-done }()
	since := time.Now().Add(-10 * 365 * 24 * time.Hour)
	eventually(t, 10*time.Second, "the stale device pruned", func() bool {
		got, err := db.DeviceContacts(context.Background(), []string{"stale-device"}, since)
		return err == nil && len(got) == 0
	})
	if got, err := db.DeviceContacts(context.Background(), []string{"fresh-device"}, since); err != nil || got["fresh-device"] != 6 {
		t.Errorf("the fresh device: %v, %v", got, err)
	}
}
