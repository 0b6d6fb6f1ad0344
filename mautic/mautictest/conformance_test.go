package mautictest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The conformance test replays every recorded request against one simulator,
// in file-name order, and compares the status, the headers clients rely on,
// the JSON shape of the body (keys and value types) and its values, except
// ids, dates, device ids, tokens and counts (variableKeys).

const (
	confUser         = "admin"
	confPass         = "lab-password"
	confClientID     = "1_simclient"
	confClientSecret = "sim-secret"
)

// replay holds what one replay learned: the simulator's ids for the recorded
// ones, the token issued, and the webhook receiver.
type replay struct {
	t        *testing.T
	sim      *Server
	client   *http.Client
	contacts map[string]string // recorded contact id -> simulator's
	devices  map[string]string
	hooks    map[string]string
	token    string
	captured *captureServer
}

// captureServer is the webhook receiver for the replay.
type captureServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []capturedHook
}

type capturedHook struct {
	header http.Header
	body   []byte
}

func newCaptureServer(t *testing.T) *captureServer {
	c := &captureServer{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.reqs = append(c.reqs, capturedHook{r.Header.Clone(), body})
		c.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *captureServer) take() []capturedHook {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.reqs
	c.reqs = nil
	return out
}

func TestConformanceRecordings(t *testing.T) {
	recs := loadRecordings(t)
	captures := loadWebhookCaptures(t)
	rp := &replay{
		t:        t,
		sim:      NewServer(t, WithBasicAuth(confUser, confPass), WithOAuth2Client(confClientID, confClientSecret)),
		client:   &http.Client{Timeout: 20 * time.Second},
		contacts: map[string]string{},
		devices:  map[string]string{},
		hooks:    map[string]string{},
		captured: newCaptureServer(t),
	}
	t.Cleanup(rp.client.CloseIdleConnections)

	passed, hooksCompared := 0, 0
	for _, rec := range recs {
		if strings.HasPrefix(rec.name, "53_") || strings.HasPrefix(rec.name, "54_") || strings.HasPrefix(rec.name, "56_") {
			hooksCompared++
		}
		rp.before(rec)
		diffs := rp.check(rec)
		diffs = append(diffs, rp.after(rec, captures)...)
		if len(diffs) == 0 {
			passed++
			continue
		}
		t.Errorf("%s:\n  %s", rec.name, strings.Join(diffs, "\n  "))
	}
	rate := 100 * float64(passed) / float64(len(recs))
	t.Logf("conformance: %d/%d recordings pass (%.1f %%), %d webhook deliveries checked against real captures",
		passed, len(recs), rate, hooksCompared)
	if passed < len(recs) {
		t.Fatalf("conformance %.1f %% is below the 100 %% bar", rate)
	}
}

// before prepares state a recording depends on: switches the recorder made on
// the real Mautic between requests.
func (rp *replay) before(rec recording) {
	switch {
	case strings.HasPrefix(rec.name, "55_"):
		id := rp.hooks["1"]
		var n int
		fmt.Sscan(id, &n)
		if err := rp.sim.SetWebhookQueued(n, true); err != nil {
			rp.t.Fatal(err)
		}
	case rec.name == "70_ratelimit_call_1.http":
		rp.sim.SetRateLimit(5, time.Hour)
	}
}

// after compares the webhooks a recording made with the real captures.
func (rp *replay) after(rec recording, captures []rawWebhook) []string {
	want := map[string]string{
		"53_contact_create_triggering_webhook.http": "hook_1795646388737_001.raw",
		"54_contact_patch_triggering_webhook.http":  "hook_1795646389295_002.raw",
		"56_contact_delete_queued_mode.http":        "hook_1795646443082_003.raw",
	}[rec.name]
	got := rp.captured.take()
	if strings.HasPrefix(rec.name, "55_") || strings.HasPrefix(rec.name, "56_") {
		if len(got) != 0 {
			return []string{fmt.Sprintf("queued mode sent %d webhooks before the flush", len(got))}
		}
		if !strings.HasPrefix(rec.name, "56_") {
			return nil
		}
		if err := rp.sim.FlushWebhooks(); err != nil {
			return []string{"flush: " + err.Error()}
		}
		got = rp.captured.take()
	}
	if want == "" {
		if len(got) != 0 {
			return []string{fmt.Sprintf("%d unexpected webhooks", len(got))}
		}
		return nil
	}
	if len(got) != 1 {
		return []string{fmt.Sprintf("%d webhooks, want 1 like %s", len(got), want)}
	}
	i := slices.IndexFunc(captures, func(c rawWebhook) bool { return c.name == want })
	return compareWebhook(captures[i], got[0].header, got[0].body, rp.sim.URL)
}

// compareWebhook checks a delivery against a real capture: headers, a valid
// signature over the exact body, and the payload's shape.
func compareWebhook(want rawWebhook, h http.Header, body []byte, origin string) []string {
	var diffs []string
	for _, k := range []string{"User-Agent", "Content-Type"} {
		if h.Get(k) != want.header.Get(k) {
			diffs = append(diffs, fmt.Sprintf("webhook %s = %q, want %q", k, h.Get(k), want.header.Get(k)))
		}
	}
	if h.Get("X-Origin-Base-URL") != origin {
		diffs = append(diffs, fmt.Sprintf("X-Origin-Base-URL = %q, want %q", h.Get("X-Origin-Base-URL"), origin))
	}
	if sig := h.Get("Webhook-Signature"); sig != signWebhook(body, "lab-webhook-secret") {
		diffs = append(diffs, "Webhook-Signature does not verify")
	}
	w, err := parseLenient(string(want.body))
	if err != nil {
		return append(diffs, "capture: "+err.Error())
	}
	g, err := parseLenient(string(body))
	if err != nil {
		return append(diffs, "webhook body: "+err.Error())
	}
	return append(diffs, compareValues("webhook", w, g)...)
}

var (
	reContactPath = regexp.MustCompile(`^/api/contacts/(\d+)`)
	reHookPath    = regexp.MustCompile(`^/api/hooks/(\d+)`)
	reMtcID       = regexp.MustCompile(`\bmtc_id=(\d+)`)
	reDevice      = regexp.MustCompile(`\b(mautic_device_id|mtc_sid)=([a-z0-9]+)`)
)

// mapped rewrites a recorded id to the simulator's, when one was learned.
func mapped(m map[string]string, id string) string {
	if v, ok := m[id]; ok {
		return v
	}
	return id
}

// rewrite maps recorded ids and credential placeholders onto the simulator.
func (rp *replay) rewrite(rec recording) (target string, header http.Header, body []byte) {
	target = reContactPath.ReplaceAllStringFunc(rec.target, func(s string) string {
		return "/api/contacts/" + mapped(rp.contacts, reContactPath.FindStringSubmatch(s)[1])
	})
	target = reHookPath.ReplaceAllStringFunc(target, func(s string) string {
		return "/api/hooks/" + mapped(rp.hooks, reHookPath.FindStringSubmatch(s)[1])
	})
	ids := func(s string) string {
		s = reMtcID.ReplaceAllStringFunc(s, func(m string) string {
			return "mtc_id=" + mapped(rp.contacts, reMtcID.FindStringSubmatch(m)[1])
		})
		return reDevice.ReplaceAllStringFunc(s, func(m string) string {
			sub := reDevice.FindStringSubmatch(m)
			return sub[1] + "=" + mapped(rp.devices, sub[2])
		})
	}
	header = make(http.Header)
	for _, h := range rec.reqHeader {
		switch strings.ToLower(h.key) {
		case "host", "content-length", "connection":
			continue
		case "authorization":
			header.Set(h.key, rp.credentials(rec, h.value))
		case "cookie":
			header.Add(h.key, ids(h.value))
		default:
			header.Add(h.key, h.value)
		}
	}
	b := strings.NewReplacer("1_<random id>", confClientID, "<client secret>", confClientSecret,
		"http://127.0.0.1:9090/hook", rp.captured.URL+"/hook").Replace(string(rec.reqBody))
	return target, header, []byte(ids(b))
}

// credentials maps the recorder's placeholders to what each request meant.
func (rp *replay) credentials(rec recording, v string) string {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	switch {
	case v == "Bearer <access token>" && strings.Contains(rec.name, "bad_bearer"):
		return "Bearer not-a-token"
	case v == "Bearer <access token>":
		return "Bearer " + rp.token
	case strings.HasPrefix(rec.target, "/oauth"):
		return basic(confClientID, confClientSecret) // HTTP Basic client authentication
	case strings.Contains(rec.name, "unknown_user"):
		return basic("nobody", confPass)
	case strings.Contains(rec.name, "bad_credentials"):
		return basic(confUser, "wrong-password")
	}
	return basic(confUser, confPass)
}

// check replays one recording and lists the differences.
func (rp *replay) check(rec recording) []string {
	target, header, body := rp.rewrite(rec)
	req, err := http.NewRequest(rec.method, rp.sim.URL+target, bytes.NewReader(body))
	if err != nil {
		return []string{err.Error()}
	}
	req.Header = header
	resp, err := rp.client.Do(req)
	if err != nil {
		return []string{err.Error()}
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return []string{err.Error()}
	}
	var diffs []string
	if resp.StatusCode != rec.status {
		diffs = append(diffs, fmt.Sprintf("status %d, want %d", resp.StatusCode, rec.status))
	}
	diffs = append(diffs, compareHeaders(rec.respHeader, resp.Header)...)
	diffs = append(diffs, rp.compareBody(rec, got)...)
	rp.learn(rec, resp.Header, got)
	return diffs
}

func (rp *replay) compareBody(rec recording, got []byte) []string {
	switch {
	case rec.bodyOmitted: // mtc.js: Mautic's own script, not recorded
		host := strings.TrimPrefix(rp.sim.URL, "http://")
		var diffs []string
		for _, want := range []string{"'//" + host + "/mtc/event'", "'//" + host + "/mtracking.gif'", "'//" + host + "/mtc'", "mautic_device_id", "mtc_id"} {
			if !bytes.Contains(got, []byte(want)) {
				diffs = append(diffs, fmt.Sprintf("script lacks %q", want))
			}
		}
		return diffs
	case !strings.Contains(rec.respHeader.Get("Content-Type"), "json"):
		if !bytes.Equal(got, rec.respBody) {
			return []string{fmt.Sprintf("body %q, want %q", got, rec.respBody)}
		}
		return nil
	}
	w, err := parseLenient(string(rec.respBody))
	if err != nil {
		return []string{"recorded body: " + err.Error()}
	}
	g, err := parseLenient(string(got))
	if err != nil {
		return []string{fmt.Sprintf("body is not JSON (%v): %.200s", err, got)}
	}
	if !g.complete {
		return []string{"body JSON is cut short"}
	}
	return compareValues("$", w, g)
}

// compareHeaders checks the headers a client may act on.
func compareHeaders(want, got http.Header) []string {
	var diffs []string
	exact := []string{"Content-Type", "Mautic-Version", "Cache-Control", "Pragma", "Content-Encoding",
		"Last-Modified", "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "Access-Control-Allow-Origin",
		"Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Credentials",
		"Access-Control-Max-Age", "Www-Authenticate", "Retry-After"}
	for _, k := range exact {
		wv, wok := want[k]
		gv, gok := got[k]
		if wok != gok || strings.Join(wv, ",") != strings.Join(gv, ",") {
			diffs = append(diffs, fmt.Sprintf("header %s = %q, want %q", k, gv, wv))
		}
	}
	for _, k := range []string{"X-Ratelimit-Reset", "Expires"} {
		if _, wok := want[k]; wok != (got.Get(k) != "") {
			diffs = append(diffs, fmt.Sprintf("header %s present = %v, want %v", k, !wok, wok))
		}
	}
	digits := regexp.MustCompile(`\d+`)
	if w, g := digits.ReplaceAllString(want.Get("Location"), "N"), digits.ReplaceAllString(got.Get("Location"), "N"); w != g {
		diffs = append(diffs, fmt.Sprintf("Location %q, want like %q", got.Get("Location"), want.Get("Location")))
	}
	if w, g := cookieShapes(want.Values("Set-Cookie")), cookieShapes(got.Values("Set-Cookie")); !slices.Equal(w, g) {
		diffs = append(diffs, fmt.Sprintf("cookies %q, want %q", g, w))
	}
	return diffs
}

// cookieShapes keeps a cookie's name and attributes, not its value or date.
func cookieShapes(lines []string) []string {
	var out []string
	for _, l := range lines {
		parts := strings.Split(l, "; ")
		name, _, _ := strings.Cut(parts[0], "=")
		shape := []string{name}
		for _, a := range parts[1:] {
			if !strings.HasPrefix(a, "expires=") {
				shape = append(shape, a)
			} else {
				shape = append(shape, "expires")
			}
		}
		out = append(out, strings.Join(shape, "; "))
	}
	return out
}

// learn records which simulator ids stand for the recorded ones.
func (rp *replay) learn(rec recording, h http.Header, got []byte) {
	remember := func(m map[string]string, want, have any) {
		w, g := fmt.Sprint(want), fmt.Sprint(have)
		if want == nil || have == nil || w == "" || g == "" {
			return
		}
		if _, ok := m[w]; !ok {
			m[w] = g
		}
	}
	if wl, gl := rec.respHeader.Get("Location"), h.Get("Location"); wl != "" && gl != "" {
		wi, gi := wl[strings.LastIndexByte(wl, '/')+1:], gl[strings.LastIndexByte(gl, '/')+1:]
		if strings.HasPrefix(wl, "/api/hooks/") {
			remember(rp.hooks, wi, gi)
		} else {
			remember(rp.contacts, wi, gi)
		}
	}
	var want, have map[string]any
	if json.Unmarshal(rec.respBody, &want) != nil || json.Unmarshal(got, &have) != nil {
		return
	}
	if tok, ok := have["access_token"].(string); ok && rp.token == "" {
		rp.token = tok
	}
	if wc, ok := want["contact"].(map[string]any); ok {
		if gc, ok := have["contact"].(map[string]any); ok {
			remember(rp.contacts, wc["id"], gc["id"])
		}
	}
	if strings.HasPrefix(rec.target, "/mtc") {
		remember(rp.contacts, want["id"], have["id"])
		remember(rp.devices, want["device_id"], have["device_id"])
	}
}
