package mautictest

import (
	"crypto/rand"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// kv is one hit parameter, in the order it was sent.
type kv struct{ k, v string }

// hitParams reads a tracking hit's parameters: the form or JSON body of a
// POST, the query of a GET.
func hitParams(r *http.Request) []kv {
	var v any = parsePHPQuery(r.URL.RawQuery)
	if r.Method == http.MethodPost {
		body, err := readBody(r)
		if err != nil {
			return nil
		}
		v = body
	}
	var out []kv
	switch x := v.(type) {
	case *phpArray:
		for _, k := range x.keys {
			if s, ok := x.vals[k].(string); ok {
				out = append(out, kv{k, s})
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s, ok := scalar(x[k]); ok {
				out = append(out, kv{k, s})
			}
		}
	}
	return out
}

func param(ps []kv, k string) string {
	for _, p := range ps {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

// botMarkers are User-Agent parts DeviceDetector reports as bots; Mautic
// tracks nothing for them.
var botMarkers = []string{
	"bot", "spider", "crawl", "slurp", "curl/", "wget/", "go-http-client", "python-requests",
	"python-urllib", "java/", "libwww", "httpclient", "okhttp", "guzzlehttp", "headlesschrome",
}

func isBot(ua string) bool {
	ua = strings.ToLower(strings.TrimSpace(ua))
	if ua == "" {
		return true
	}
	for _, m := range botMarkers {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}

// clientIP is the visitor's address: the first X-Forwarded-For entry when a
// proxy sent one, else the peer.
func clientIP(r *http.Request) string {
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
			return ip.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newDeviceID makes a 23-character tracking id like Mautic's.
func newDeviceID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [23]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// trackResult is what one hit did.
type trackResult struct {
	contactID int
	deviceID  string
	newDevice bool // the answer sets device and mtc_id cookies
	hitID     int
	events    []event
}

// deviceCookie is the tracked device the request names: the
// mautic_device_id cookie, else the parameter. mtc_id is never consulted.
func deviceCookie(r *http.Request, ps []kv) string {
	if c, err := r.Cookie("mautic_device_id"); err == nil && c.Value != "" {
		return c.Value
	}
	return param(ps, "mautic_device_id")
}

// trackedContact finds the device's contact or creates an anonymous one with
// a new device. Call with s.mu held.
func (s *Server) trackedContact(device string, now time.Time) (*record, string, bool) {
	if id, ok := s.st.devices[device]; ok && device != "" {
		if r, ok := s.st.resolve(id); ok {
			return r, device, false
		}
	}
	r := &record{fields: make(map[string]string), dateAdded: now, tracked: true}
	s.st.insert(r)
	return r, s.attachDevice(r), true
}

func (s *Server) attachDevice(r *record) string {
	d := newDeviceID()
	r.devices = append(r.devices, d)
	s.st.devices[d] = r.id
	return d
}

// track records a page hit as PublicController::trackingAction does.
func (s *Server) track(r *http.Request, ps []kv) trackResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rec, device, created := s.trackedContact(deviceCookie(r, ps), now)
	res := trackResult{newDevice: created}
	writes := s.publicWrites(hitQuery(r, ps))
	if known := s.findByUnique(writes); known != nil && known.id != rec.id {
		// Hand-over: the hit moves to the known contact under a new device;
		// the anonymous one stays as it was.
		rec, device, res.newDevice = known, s.attachDevice(known), true
	}
	res.events = s.applyHitFields(rec, writes, ps, now)
	rec.hits++
	rec.lastActive = now
	s.st.addIP(rec, clientIP(r))
	if u := s.utmTag(r, ps); u != nil {
		rec.utm = append(rec.utm, *u)
	}
	s.st.nextHit++
	res.contactID, res.deviceID, res.hitID = rec.id, device, s.st.nextHit
	return res
}

// applyHitFields saves what a hit may change: publicly updatable fields and
// a timezone the contact lacks. Unchanged values save nothing.
func (s *Server) applyHitFields(rec *record, writes map[string]string, ps []kv, now time.Time) []event {
	for k, v := range writes {
		if rec.fields[k] == v {
			delete(writes, k)
		}
	}
	var evs []event
	changed := len(writes) > 0
	if changed {
		_, evs = s.applySave(rec, contactInput{}, writes, view{}, now)
	}
	if tz := hitTimezone(ps); tz != "" && rec.fields["timezone"] == "" {
		rec.fields["timezone"] = tz
		changed = true
	}
	if changed {
		rec.dateModified = now
	}
	return evs
}

// publicWrites are the hit's values for publicly updatable fields, cleaned
// and valid; the others are ignored, as ContactRequestHelper does.
func (s *Server) publicWrites(ps []kv) map[string]string {
	writes := make(map[string]string)
	for _, p := range ps {
		f, ok := fieldsByAlias[p.k]
		if !ok || !s.st.publicField[p.k] {
			continue
		}
		v := strings.TrimSpace(p.v)
		if f.alias == "email" {
			v = cleanEmail(v)
		}
		if v == "" || validateValue(*f, v) != "" {
			continue
		}
		if _, seen := writes[f.alias]; !seen {
			writes[f.alias] = v
		}
	}
	return writes
}

// hitQuery is what Mautic reads contact fields from in a hit: its own
// parameters, then the query of its page_url, then the query of the
// Referer header, whose keys Mautic compares case-insensitively (seen on
// Mautic 5.1: "?EMAIL=" in the Referer identifies). The hit's own
// parameters win.
func hitQuery(r *http.Request, ps []kv) []kv {
	out := append([]kv(nil), ps...)
	out = append(out, urlQueryPairs(param(ps, "page_url"), false)...)
	return append(out, urlQueryPairs(r.Referer(), true)...)
}

// urlQueryPairs decodes the query of a URL as PHP's parse_url and parse_str
// do; fold lower-cases the keys.
func urlQueryPairs(raw string, fold bool) []kv {
	_, q, ok := strings.Cut(raw, "?")
	if !ok {
		return nil
	}
	q, _, _ = strings.Cut(q, "#")
	pairs := parsePHPQueryPairs(q)
	if fold {
		for i := range pairs {
			pairs[i].k = strings.ToLower(pairs[i].k)
		}
	}
	return pairs
}

// findByUnique is the contact another contact's unique identifier values
// name: email by Mautic's dedupe lookup, other unique fields exactly.
// Call with s.mu held.
func (s *Server) findByUnique(writes map[string]string) *record {
	if known := s.st.findByEmail(writes["email"]); known != nil {
		return known
	}
	var found *record
	for alias, v := range writes {
		f, ok := fieldsByAlias[alias]
		if !ok || alias == "email" || !s.st.isUnique(*f) {
			continue
		}
		for _, r := range s.st.contacts {
			if r.fields[alias] == v && (found == nil || r.id < found.id) {
				found = r
			}
		}
	}
	return found
}

// hitTimezone is the visitor's zone: the IANA name mtc.js sends, else a zone
// for the browser's UTC offset as PHP's timezone_name_from_abbr picks it.
func hitTimezone(ps []kv) string {
	if tz := param(ps, "timezone"); validTimezone(tz) {
		return tz
	}
	off := param(ps, "timezone_offset")
	if off == "" {
		return ""
	}
	return offsetZones[strings.TrimSpace(off)]
}

// offsetZones maps getTimezoneOffset() minutes (positive west of UTC) to the
// zone PHP's fallback map names for that standard offset.
var offsetZones = map[string]string{
	"660": "Pacific/Apia", "600": "Pacific/Honolulu", "540": "America/Anchorage",
	"480": "America/Los_Angeles", "420": "America/Denver", "360": "America/Chicago",
	"300": "America/New_York", "240": "America/Halifax", "180": "America/Sao_Paulo",
	"60": "Atlantic/Azores", "0": "UTC", "-60": "Europe/Paris", "-120": "Europe/Helsinki",
	"-180": "Europe/Moscow", "-240": "Asia/Dubai", "-300": "Asia/Karachi", "-330": "Asia/Kolkata",
	"-345": "Asia/Kathmandu", "-420": "Asia/Krasnoyarsk", "-480": "Asia/Shanghai",
	"-540": "Asia/Tokyo", "-600": "Australia/Melbourne", "-720": "Pacific/Auckland",
}

// utmTag records a hit whose page URL carries utm_* parameters.
func (s *Server) utmTag(r *http.Request, ps []kv) *utmTag {
	pageURL := param(ps, "page_url")
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	query := object{}
	utm := make(map[string]string)
	for _, pair := range parsePHPQueryPairs(u.RawQuery) {
		if name, ok := strings.CutPrefix(pair.k, "utm_"); ok {
			utm[name] = pair.v
			query = query.add(pair.k, pair.v)
		}
	}
	if len(utm) == 0 {
		return nil
	}
	for _, p := range ps {
		query = query.add(p.k, p.v)
	}
	s.st.nextUTM++
	return &utmTag{id: s.st.nextUTM, query: query, referer: r.Referer(), url: pageURL,
		userAgent: r.UserAgent(), utm: utm}
}

// parsePHPQueryPairs decodes a query's flat pairs in order.
func parsePHPQueryPairs(raw string) []kv {
	arr := parsePHPQuery(raw)
	var out []kv
	for _, k := range arr.keys {
		if s, ok := arr.vals[k].(string); ok {
			out = append(out, kv{k, s})
		}
	}
	return out
}

// trackingHeaders are the cache headers of every tracking answer.
func (s *Server) trackingHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "max-age=0, must-revalidate, private")
	h.Set("Expires", s.now().Format(http.TimeFormat))
	if r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
		// cors_restrict_domains on with no domain listed: an empty origin.
		h.Set("Access-Control-Allow-Origin", "")
		h.Set("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Authorization")
		h.Set("Access-Control-Allow-Methods", "PUT, GET, POST, DELETE, OPTIONS")
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Max-Age", "36000")
	}
}

// phpCookieTime is PHP's setcookie expires format.
const phpCookieTime = "Mon, 02-Jan-2006 15:04:05 GMT"

// setTrackingCookies writes Mautic's cookies: a device for a year and mtc_id
// for the session when the device is new, and the last hit id for 30 minutes.
func (s *Server) setTrackingCookies(w http.ResponseWriter, res trackResult, withHit bool) {
	now := s.now()
	h := w.Header()
	if res.newDevice {
		h.Add("Set-Cookie", "mautic_device_id="+res.deviceID+"; expires="+now.AddDate(1, 0, 0).Format(phpCookieTime)+
			"; Max-Age=31536000; path=/; secure; samesite=none")
		h.Add("Set-Cookie", "mtc_id="+itoa(res.contactID)+"; path=/; secure; samesite=none")
	}
	if withHit {
		h.Add("Set-Cookie", "mautic_referer_id="+itoa(res.hitID)+"; expires="+now.Add(30*time.Minute).Format(phpCookieTime)+
			"; Max-Age=1800; path=/; secure; samesite=none")
	}
}

func writeTrackingJSON(w http.ResponseWriter, body object) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(phpJSON(body))
}

// trackEvent is POST /mtc/event.
func (s *Server) trackEvent(w http.ResponseWriter, r *http.Request, _ int) {
	ps := hitParams(r)
	s.trackingHeaders(w, r)
	if isBot(r.UserAgent()) {
		writeTrackingJSON(w, object{}.add("success", 1).add("id", 0).add("sid", nil).add("device_id", nil))
		return
	}
	res := s.track(r, ps)
	s.dispatch(res.events)
	s.setTrackingCookies(w, res, true)
	writeTrackingJSON(w, object{}.add("success", 1).add("id", res.contactID).add("sid", res.deviceID).
		add("device_id", res.deviceID).add("events", list{}))
}

// trackPreflight is OPTIONS /mtc/event: 204 and no CORS headers, as recorded.
func (s *Server) trackPreflight(w http.ResponseWriter, _ *http.Request, _ int) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusNoContent)
}

// transparentGIF is the 43-byte 1x1 image Mautic serves.
var transparentGIF = []byte("GIF89a\x01\x00\x01\x00\x90\x00\x00\xff\x00\x00\x00\x00\x00!\xf9\x04\x05\x10\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x04\x01\x00;")

// trackPixel is GET /mtracking.gif, the fallback when XHR fails.
func (s *Server) trackPixel(w http.ResponseWriter, r *http.Request, _ int) {
	h := w.Header()
	if !isBot(r.UserAgent()) {
		res := s.track(r, hitParams(r))
		s.dispatch(res.events)
		s.setTrackingCookies(w, res, true)
	}
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", itoa(len(transparentGIF)))
	h.Set("Cache-Control", "max-age=0, must-revalidate, no-cache=Set-Cookie, private, proxy-revalidate")
	h.Set("Content-Encoding", "none")
	h.Set("Expires", s.now().Format(http.TimeFormat))
	h.Set("Last-Modified", "Wed, 11 Jan 2006 12:59:00 GMT")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(transparentGIF)
}

// trackContactID is GET /mtc: the device's contact (or a new anonymous one)
// under a new device id, as recorded.
func (s *Server) trackContactID(w http.ResponseWriter, r *http.Request, _ int) {
	s.trackingHeaders(w, r)
	if isBot(r.UserAgent()) {
		writeTrackingJSON(w, object{}.add("id", 0).add("sid", nil).add("device_id", nil))
		return
	}
	s.mu.Lock()
	now := s.now()
	rec, device, created := s.trackedContact(deviceCookie(r, nil), now)
	if !created {
		device = s.attachDevice(rec)
	}
	res := trackResult{contactID: rec.id, deviceID: device, newDevice: true}
	s.mu.Unlock()
	s.setTrackingCookies(w, res, false)
	writeTrackingJSON(w, object{}.add("id", res.contactID).add("sid", res.deviceID).add("device_id", res.deviceID))
}
