package caddymodule

import (
	"net/http"
	"sync"
	"time"
)

// Bounds of the device map: how many tracked devices are remembered and
// for how long.
const (
	deviceMapSize = 50_000
	deviceMapTTL  = 24 * time.Hour
)

// handoverEmail returns the email to add to a proxied hit, or "": the
// hand-over is on, the visitor is a signed-in user with a known contact
// and an email, and the browser's device is not known to track to the
// user's contact already. Mautic's email flag is not consulted: it may
// change at any time, and an email Mautic ignores does no harm.
// Mautic then answers with the user's contact and a new device id, which
// the browser keeps: from then on it tracks to the right person.
func (h *Handler) handoverEmail(r *http.Request, v visitor, hitDevice string) string {
	if !h.path.handover || v.contactID == 0 || v.user.Email == "" {
		return ""
	}
	device := cookieValue(r, "mautic_device_id")
	if device == "" {
		device = hitDevice
	}
	if device != "" && h.st.devices.get(device) == v.contactID {
		return ""
	}
	return v.user.Email
}

// deviceMap remembers which contact Mautic said a tracked device belongs
// to, bounded in size and age. It is an optimisation: a device it does not
// know is handed over once more, which Mautic answers the same way.
type deviceMap struct {
	max int
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]deviceEntry
}

type deviceEntry struct {
	contact int
	at      time.Time
}

func newDeviceMap(max int, ttl time.Duration) *deviceMap {
	return &deviceMap{max: max, ttl: ttl, m: map[string]deviceEntry{}}
}

func (d *deviceMap) get(device string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.m[device]
	if !ok || time.Since(e.at) > d.ttl {
		return 0
	}
	return e.contact
}

func (d *deviceMap) put(device string, contact int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.m[device]; !ok && len(d.m) >= d.max {
		d.evictOld()
	}
	d.m[device] = deviceEntry{contact: contact, at: time.Now()}
}

// evictOld drops expired entries, or everything when none has expired.
func (d *deviceMap) evictOld() {
	for k, e := range d.m {
		if time.Since(e.at) > d.ttl {
			delete(d.m, k)
		}
	}
	if len(d.m) >= d.max {
		clear(d.m)
	}
}
