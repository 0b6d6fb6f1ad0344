package caddymodule

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
)

func TestHandoverEmail(t *testing.T) {
	h := &Handler{path: &requestPath{handover: true}, st: &state{devices: newDeviceMap(10, time.Hour)}}
	h.st.devices.put("known-dev", 7)
	user := visitor{user: betterauth.Identity{UserID: "u", Email: "u@example.com"}, contactID: 7}
	tests := []struct {
		name     string
		handover bool
		v        visitor
		cookie   string
		param    string
		want     string
	}{
		{"device unknown", true, user, "mautic_device_id=anon-dev", "", "u@example.com"},
		{"first hit, no device", true, user, "", "", "u@example.com"},
		{"device already the user's", true, user, "mautic_device_id=known-dev", "", ""},
		{"device from the hit", true, user, "", "known-dev", ""},
		{"off", false, user, "", "", ""},
		{"anonymous", true, visitor{}, "", "", ""},
		{"no contact yet", true, visitor{user: user.user}, "", "", ""},
		{"no email", true, visitor{user: betterauth.Identity{UserID: "u"}, contactID: 7}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.path.handover = tt.handover
			r := httptest.NewRequest("POST", "/mtc-proxy/mtc/event", nil)
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			if got := h.handoverEmail(r, tt.v, tt.param); got != tt.want {
				t.Errorf("handoverEmail = %q, want %q", got, tt.want)
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
