package caddymodule

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Bounds of the device map: how many tracked devices are remembered and
// for how long.
const (
	deviceMapSize = 50_000
	deviceMapTTL  = 24 * time.Hour
)

// deviceCookie is Mautic's tracking device cookie, first-party through the
// proxy.
const deviceCookie = "mautic_device_id"

// evidenceTimeout bounds a read or write of the shared device table on a
// tracking hit: a slow database costs a hand-over, never a hit.
const evidenceTimeout = 2 * time.Second

// handoverEmail returns the email to add to a proxied hit, or "": a
// candidate (handoverCandidate) whose contact holds the user's email
// because the engine put it there (provision.Engine.HandoverEmail).
// Mautic's email flag is not consulted: it may change at any time, and an
// email Mautic ignores does no harm. Mautic then answers with the user's
// contact and a new device id, which the browser keeps: from then on it
// tracks to the right person.
func (h *Handler) handoverEmail(r *http.Request, v visitor, hitDevice string) string {
	if !h.handoverCandidate(r, v, hitDevice) || h.st.engine == nil {
		return ""
	}
	return h.st.engine.HandoverEmail(r.Context(), v.user.UserID, v.contactID, v.user.Email)
}

// handoverCandidate reports whether a hit may be handed over: the
// hand-over is on, the visitor is a signed-in user with a known contact
// and an email, and the browser's device is not known to track to the
// user's contact already.
func (h *Handler) handoverCandidate(r *http.Request, v visitor, hitDevice string) bool {
	if !h.path.handover || v.contactID == 0 || v.user.Email == "" {
		return false
	}
	device := cookieValue(r, deviceCookie)
	if device == "" {
		device = hitDevice
	}
	return device == "" || h.st.deviceContact(r.Context(), device) != v.contactID
}

// deviceContact returns the contact Mautic's tracking last answered device
// with, as any instance's proxy recorded it in the app database (within
// deviceMapTTL), or 0. The local map caches the answers.
func (st *state) deviceContact(ctx context.Context, device string) int {
	if c := st.devices.get(device); c > 0 {
		return c
	}
	db := st.db.Load()
	if db == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, evidenceTimeout)
	defer cancel()
	found, err := db.DeviceContacts(ctx, []string{device}, time.Now().Add(-deviceMapTTL))
	if err != nil {
		st.metrics.failures.WithLabelValues("device_evidence").Inc()
		st.logFailure("device_evidence", "reading tracked devices failed", zap.Error(err))
		return 0
	}
	c := found[device]
	if c > 0 {
		st.devices.put(device, c)
	}
	return c
}

// recordDevice keeps that Mautic's tracking answered device with contact,
// in the app database, where every instance finds it: it is the evidence
// that lets a new user take the anonymous contact their browser was
// tracked as (provision), and tells the hand-over the device is done.
// The local map spares a write per hit: only a new or changed answer is
// written, at most once per deviceMapTTL.
func (st *state) recordDevice(ctx context.Context, device string, contact int) {
	if st.devices.get(device) == contact {
		return
	}
	db := st.db.Load()
	if db == nil {
		return // not connected yet: not cached, so the next hit records it
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), evidenceTimeout)
	defer cancel()
	if err := db.PutDevice(ctx, device, contact); err != nil {
		st.metrics.failures.WithLabelValues("device_evidence").Inc()
		st.logFailure("device_evidence", "recording a tracked device failed", zap.Error(err))
		return // not cached: the next hit tries again
	}
	st.devices.put(device, contact)
}

// deviceMap remembers which contact Mautic said a tracked device belongs
// to, bounded in size and age. It caches the shared device table: a device
// it does not know is looked up there.
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
