package mautictest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) LabBrowser/1.0"

// hit posts a pageview as mtc.js does; cookie is a Cookie header or "".
func hit(t *testing.T, s *Server, form url.Values, cookie string) answer {
	t.Helper()
	h := []string{"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8", "User-Agent", browserUA,
		"X-Requested-With", "XMLHttpRequest", "Origin", "http://127.0.0.1:9999", "Authorization", ""}
	if cookie != "" {
		h = append(h, "Cookie", cookie)
	}
	return call(t, s, "POST", "/mtc/event", form.Encode(), h...)
}

// cookiesOf returns the names and values of Set-Cookie lines.
func cookiesOf(a answer) map[string]string {
	out := map[string]string{}
	for _, l := range a.header.Values("Set-Cookie") {
		nv, _, _ := strings.Cut(l, ";")
		n, v, _ := strings.Cut(nv, "=")
		out[n] = v
	}
	return out
}

func pageview(page string, extra ...string) url.Values {
	v := url.Values{"page_url": {"http://127.0.0.1:9999/" + page}, "page_title": {page}, "timezone_offset": {"-60"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestTrackingFirstAndReturningHit(t *testing.T) {
	s := NewServer(t)
	first := hit(t, s, pageview("landing.html?utm_source=lab&utm_campaign=c1"), "")
	m := first.json(t)
	device, _ := m["device_id"].(string)
	if first.status != 200 || m["success"] != float64(1) || len(device) != 23 || m["sid"] != device {
		t.Fatalf("first hit: %d %s", first.status, first.body)
	}
	if events, ok := m["events"].([]any); !ok || len(events) != 0 {
		t.Errorf("events = %v, want []", m["events"])
	}
	id := int(m["id"].(float64))
	c := cookiesOf(first)
	if c["mautic_device_id"] != device || c["mtc_id"] != fmt.Sprint(id) || c["mautic_referer_id"] == "" {
		t.Errorf("first hit cookies = %v", c)
	}
	if first.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Error("an XHR hit gets CORS headers")
	}

	// Returning visitor: the device cookie alone decides.
	second := hit(t, s, pageview("second.html", "mtc_id", "999"), "mautic_device_id="+device+"; mtc_id=999")
	if int(second.json(t)["id"].(float64)) != id {
		t.Errorf("returning hit went to %s", second.body)
	}
	if c := cookiesOf(second); len(c) != 1 || c["mautic_referer_id"] == "" {
		t.Errorf("returning hit cookies = %v, want only mautic_referer_id", c)
	}
	// The device id may come as a parameter too.
	if third := hit(t, s, pageview("third.html", "mautic_device_id", device), ""); int(third.json(t)["id"].(float64)) != id {
		t.Errorf("device parameter ignored: %s", third.body)
	}
	got, _ := s.Contact(id)
	if got.Hits != 3 || got.LastActive.IsZero() || got.Fields["timezone"] != "Europe/Paris" || !got.DateIdentified.IsZero() {
		t.Errorf("tracked contact = %+v", got)
	}
	api := contactOf(t, call(t, s, "GET", fmt.Sprintf("/api/contacts/%d", id), ""))
	utm := api["utmtags"].([]any)
	if len(utm) != 1 || utm[0].(map[string]any)["utmSource"] != "lab" || api["preferredProfileImage"] != "gravatar" ||
		api["createdBy"] != nil || api["modifiedByUser"] != " " {
		t.Errorf("tracked contact over the API = %v", api)
	}
	if ips := api["ipAddresses"].([]any); len(ips) != 1 || ips[0].(map[string]any)["ipAddress"] != "127.0.0.1" {
		t.Errorf("ipAddresses = %v", ips)
	}
}

func TestTrackingMtcIDIsIgnored(t *testing.T) {
	s := NewServer(t)
	known := s.AddContact(map[string]string{"email": "known@example.com"})
	a := hit(t, s, pageview("p", "mtc_id", fmt.Sprint(known)), fmt.Sprintf("mtc_id=%d", known))
	id := int(a.json(t)["id"].(float64))
	if id == known {
		t.Fatal("an mtc_id alone attributed the hit")
	}
	if c, _ := s.Contact(known); c.Hits != 0 {
		t.Errorf("known contact got %d hits", c.Hits)
	}
	// An unknown device id is not adopted: the visitor gets a new one.
	b := hit(t, s, pageview("p"), "mautic_device_id=notarealdevice0000000000")
	if dev := b.json(t)["device_id"]; dev == "notarealdevice0000000000" || int(b.json(t)["id"].(float64)) == id {
		t.Errorf("unknown device: %s", b.body)
	}
}

func TestTrackingBots(t *testing.T) {
	s := NewServer(t)
	for _, ua := range []string{"curl/8.5.0", "Go-http-client/1.1", "Googlebot/2.1", "Baiduspider", "python-requests/2.31", ""} {
		a := call(t, s, "POST", "/mtc/event", "page_url=x", "User-Agent", ua, "Content-Type", "application/x-www-form-urlencoded", "Authorization", "")
		if string(a.body) != `{"success":1,"id":0,"sid":null,"device_id":null}` || len(a.header.Values("Set-Cookie")) != 0 {
			t.Errorf("UA %q: %s %v", ua, a.body, a.header.Values("Set-Cookie"))
		}
		px := call(t, s, "GET", "/mtracking.gif?page_url=x", "", "User-Agent", ua)
		if px.status != 200 || len(px.header.Values("Set-Cookie")) != 0 {
			t.Errorf("pixel for UA %q set cookies", ua)
		}
	}
	if n := len(s.Contacts()); n != 0 {
		t.Errorf("bots created %d contacts", n)
	}
}

func TestTrackingEmailHandOver(t *testing.T) {
	s := NewServer(t)
	hooked := newCaptureServer(t)
	s.AddWebhook(Webhook{URL: hooked.URL, Secret: "x"})
	known := s.AddContact(map[string]string{"email": "known@example.com", "firstname": "Known"})
	hooked.take()
	first := hit(t, s, pageview("a"), "").json(t)
	anon, device := int(first["id"].(float64)), first["device_id"].(string)
	cookie := "mautic_device_id=" + device

	// Flag off (the default): an email in a hit changes nothing.
	off := hit(t, s, pageview("b", "email", "known@example.com", "firstname", "Tracked"), cookie).json(t)
	if int(off["id"].(float64)) != anon {
		t.Fatalf("flag off: hit went to %v", off["id"])
	}
	if c, _ := s.Contact(anon); c.Fields["email"] != "" || c.Fields["firstname"] != "" {
		t.Errorf("flag off: fields set %v", c.Fields)
	}

	// Flag on, through the API as the recording did.
	if a := call(t, s, "PATCH", "/api/fields/contact/6/edit", `{"isPubliclyUpdatable":true}`); a.status != 200 ||
		a.json(t)["field"].(map[string]any)["isPubliclyUpdatable"] != true {
		t.Fatalf("field edit: %d %s", a.status, a.body)
	}
	on := hit(t, s, pageview("c", "email", "KNOWN@example.com"), cookie)
	m := on.json(t)
	if int(m["id"].(float64)) != known || m["device_id"] == device {
		t.Fatalf("hand-over: %s", on.body)
	}
	if c := cookiesOf(on); c["mtc_id"] != fmt.Sprint(known) || c["mautic_device_id"] != m["device_id"] {
		t.Errorf("hand-over cookies = %v", c)
	}
	if c, _ := s.Contact(anon); c.Fields["email"] != "" || c.Hits != 2 {
		t.Errorf("the anonymous contact must stay as it was: %+v", c)
	}
	if c, _ := s.Contact(known); c.Hits != 1 || len(c.DeviceIDs) != 1 {
		t.Errorf("known contact after hand-over: %+v", c)
	}

	// An unknown email identifies the device's contact.
	hooked.take()
	second := hit(t, s, pageview("d"), "").json(t)
	other := int(second["id"].(float64))
	ident := hit(t, s, pageview("e", "email", "new@example.com"), "mautic_device_id="+second["device_id"].(string)).json(t)
	if int(ident["id"].(float64)) != other {
		t.Fatalf("identify: %v", ident)
	}
	c, _ := s.Contact(other)
	if c.Fields["email"] != "new@example.com" || c.DateIdentified.IsZero() {
		t.Errorf("identified contact = %+v", c)
	}
	got := hooked.take()
	if len(got) != 1 || !bytes.Contains(got[0].body, []byte(`"mautic.lead_post_save_new"`)) {
		t.Errorf("identification webhooks = %d", len(got))
	}
	// An invalid email in a hit is ignored.
	if bad := hit(t, s, pageview("f", "email", "nope"), "mautic_device_id="+second["device_id"].(string)).json(t); int(bad["id"].(float64)) != other {
		t.Errorf("invalid email moved the hit: %v", bad)
	}
}

func TestTrackingJSONBodyAndPixel(t *testing.T) {
	s := NewServer(t)
	j := call(t, s, "POST", "/mtc/event", `{"page_url":"http://127.0.0.1:9999/json.html","timezone":"America/New_York"}`,
		"User-Agent", "lab-recorder/1.0", "Authorization", "")
	m := j.json(t)
	if m["success"] != float64(1) || j.header.Get("Access-Control-Allow-Origin") != "" || len(j.header.Values("Access-Control-Allow-Origin")) != 0 {
		t.Errorf("JSON hit: %s %v", j.body, j.header)
	}
	if c, _ := s.Contact(int(m["id"].(float64))); c.Fields["timezone"] != "America/New_York" {
		t.Errorf("timezone = %q", c.Fields["timezone"])
	}
	px := call(t, s, "GET", "/mtracking.gif?page_url=http%3A%2F%2F127.0.0.1%3A9999%2Fpixel.html&page_title=Pixel", "", "User-Agent", "lab-recorder/1.0")
	if px.status != 200 || !bytes.Equal(px.body, transparentGIF) || len(px.body) != 43 || px.header.Get("Content-Type") != "image/gif" {
		t.Errorf("pixel: %d %q", px.status, px.body)
	}
	if c := cookiesOf(px); c["mtc_id"] == "" || c["mautic_device_id"] == "" {
		t.Errorf("pixel cookies = %v", c)
	}
	if n := len(s.Contacts()); n != 2 {
		t.Errorf("%d contacts, want 2", n)
	}
}

func TestTrackingContactIDAndPreflight(t *testing.T) {
	s := NewServer(t)
	first := hit(t, s, pageview("a"), "").json(t)
	id, device := first["id"].(float64), first["device_id"].(string)
	a := call(t, s, "GET", "/mtc", "", "User-Agent", "lab-recorder/1.0", "Cookie", "mtc_id=424242; mautic_device_id="+device)
	m := a.json(t)
	if m["id"] != id || m["device_id"] == device || m["sid"] != m["device_id"] || len(m) != 3 {
		t.Errorf("GET /mtc with a device: %s", a.body)
	}
	if c := cookiesOf(a); c["mtc_id"] != fmt.Sprint(id) || c["mautic_device_id"] != m["device_id"] {
		t.Errorf("GET /mtc cookies = %v", c)
	}
	fresh := call(t, s, "GET", "/mtc", "", "User-Agent", "lab-recorder/1.0").json(t)
	if fresh["id"] == id {
		t.Error("GET /mtc without a device must make a new contact")
	}
	pre := call(t, s, "OPTIONS", "/mtc/event", "", "Origin", "http://127.0.0.1:9999", "Access-Control-Request-Method", "POST")
	if pre.status != 204 || pre.header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
}

func TestTrackingCookieFormat(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 25, 22, 39, 16, 0, time.UTC))
	s := NewServer(t, WithClock(clock.now))
	a := hit(t, s, pageview("a"), "")
	lines := a.header.Values("Set-Cookie")
	if len(lines) != 3 {
		t.Fatalf("cookies = %q", lines)
	}
	dev := a.json(t)["device_id"].(string)
	want := []string{
		"mautic_device_id=" + dev + "; expires=Thu, 25-Nov-2027 22:39:16 GMT; Max-Age=31536000; path=/; secure; samesite=none",
		fmt.Sprintf("mtc_id=%v; path=/; secure; samesite=none", a.json(t)["id"]),
		"mautic_referer_id=1; expires=Wed, 25-Nov-2026 23:09:16 GMT; Max-Age=1800; path=/; secure; samesite=none",
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("cookie %d = %q\nwant %q", i, lines[i], want[i])
		}
	}
	if a.header.Get("Expires") != "Wed, 25 Nov 2026 22:39:16 GMT" {
		t.Errorf("Expires = %q", a.header.Get("Expires"))
	}
}

func TestIsBot(t *testing.T) {
	for ua, want := range map[string]bool{
		browserUA: false, "lab-recorder/1.0": false, "curl/8.0": true, "Go-http-client/2.0": true,
		"Mozilla/5.0 (compatible; bingbot/2.0)": true, "": true, "Wget/1.21": true,
	} {
		if got := isBot(ua); got != want {
			t.Errorf("isBot(%q) = %v, want %v", ua, got, want)
		}
	}
}

func TestClientIP(t *testing.T) {
	r, _ := http.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	if ip := clientIP(r); ip != "127.0.0.1" {
		t.Errorf("peer = %s", ip)
	}
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	if ip := clientIP(r); ip != "203.0.113.9" {
		t.Errorf("forwarded = %s", ip)
	}
}

func TestContactIDForBots(t *testing.T) {
	s := NewServer(t)
	a := call(t, s, "GET", "/mtc", "", "User-Agent", "curl/8.0")
	if string(a.body) != `{"id":0,"sid":null,"device_id":null}` || len(s.Contacts()) != 0 {
		t.Errorf("bot GET /mtc: %s", a.body)
	}
}

func TestTrackingUnchangedEmailSavesNothing(t *testing.T) {
	s := NewServer(t)
	rx := newCaptureServer(t)
	s.SetPubliclyUpdatable("email", true)
	first := hit(t, s, pageview("a", "email", "same@example.com"), "").json(t)
	s.AddWebhook(Webhook{URL: rx.URL})
	for range 3 {
		hit(t, s, pageview("b", "email", "same@example.com"), "mautic_device_id="+first["device_id"].(string))
	}
	if n := len(rx.take()); n != 0 {
		t.Errorf("%d webhooks for hits that changed nothing", n)
	}
	if c, _ := s.Contact(int(first["id"].(float64))); c.Hits != 4 {
		t.Errorf("hits = %d", c.Hits)
	}
}
