package mautictest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMtcJSServesEndpoints(t *testing.T) {
	s := NewServer(t)
	a := call(t, s, "GET", "/mtc.js", "", "Authorization", "")
	host := strings.TrimPrefix(s.URL, "http://")
	if a.status != 200 || a.header.Get("Content-Type") != "application/javascript" {
		t.Fatalf("mtc.js: %d %v", a.status, a.header)
	}
	if !strings.Contains(string(a.body), "(l.protocol == 'https:' ? 'https:' : 'http:') + '//"+host+"/mtc/event';") {
		t.Errorf("script does not bake in //%s", host)
	}
	proxied := NewServer(t, WithSiteURL("https://www.example.com/mautic/"))
	b := call(t, proxied, "GET", "/mtc.js", "")
	if !strings.Contains(string(b.body), "(l.protocol == 'https:' ? 'https:' : 'https:') + '//www.example.com/mautic/mtracking.gif';") {
		t.Error("WithSiteURL not baked into the script")
	}
}

// mtcHarness runs the script in Node with a minimal browser: a page on
// http://127.0.0.1:9999, document.cookie and localStorage that record
// writes, an XMLHttpRequest that speaks real HTTP to the simulator with a
// cookie jar for its host, and an Image that loads its src.
const mtcHarness = `
const http = require('http');
const fs = require('fs');
const [scriptPath, mode] = process.argv.slice(2);
const jar = {};            // the simulator's cookies, as the browser keeps them
const cookieWrites = [];   // document.cookie assignments
const storage = {};
const results = [];
const requests = [];
const UA = 'Mozilla/5.0 (X11; Linux x86_64) NodeHarness/1.0';
function send(method, url, headers, body, cb) {
  const u = new URL(url, 'http://127.0.0.1:9999/landing.html');
  const cookie = Object.entries(jar).map(([k, v]) => k + '=' + v).join('; ');
  const h = Object.assign({'User-Agent': UA}, headers, cookie ? {Cookie: cookie} : {});
  requests.push({method, path: u.pathname, headers: h, body: body || ''});
  const req = http.request(u, {method, headers: h}, res => {
    let data = '';
    res.on('data', c => data += c);
    res.on('end', () => {
      for (const line of res.headers['set-cookie'] || []) {
        const [nv] = line.split(';'); const i = nv.indexOf('=');
        jar[nv.slice(0, i)] = nv.slice(i + 1);
      }
      cb(res.statusCode, data);
    });
  });
  req.on('error', () => cb(0, ''));
  req.end(body);
}
class XMLHttpRequest {
  constructor() { this.headers = {}; this.status = 0; this.responseText = ''; }
  open(method, url) { this.method = method; this.url = url; }
  setRequestHeader(k, v) { this.headers[k] = v; }
  send(body) {
    if (mode === 'fallback' && this.method === 'POST') { setTimeout(() => this.onerror && this.onerror(), 0); return; }
    send(this.method, this.url, this.headers, body, (status, text) => {
      this.status = status; this.responseText = text;
      if (status === 0) { this.onerror && this.onerror(); } else { this.onload && this.onload(); }
    });
  }
}
class Image {
  set src(url) { send('GET', url, {}, '', () => this.onload && this.onload()); }
}
const document = {
  title: 'Harness page', referrer: 'https://ref.example/some/page',
  set cookie(v) { cookieWrites.push(v); }, get cookie() { return ''; },
};
const window = {
  document, location: {href: 'http://127.0.0.1:9999/landing.html?utm_source=harness', protocol: 'http:'},
  navigator: {language: 'de-DE', platform: 'Linux x86_64'}, screen: {width: 1920, height: 1080},
  localStorage: {setItem: (k, v) => { storage[k] = String(v); }, getItem: k => (k in storage ? storage[k] : null)},
  XMLHttpRequest, Image, MauticTrackingObject: 'mt',
};
window.mt = function () { (window.mt.q = window.mt.q || []).push(arguments); };
window.mt('send', 'pageview', {firstname: 'Queued'}, {onload: r => {
  results.push(r);
  window.mt('send', 'pageview', {}, {onload: r2 => {
    results.push(r2);
    console.log(JSON.stringify({results, cookieWrites, storage, requests}));
  }});
}});
new Function('window', 'document', fs.readFileSync(scriptPath, 'utf8'))(window, document);
`

type harnessOut struct {
	Results      []map[string]any  `json:"results"`
	CookieWrites []string          `json:"cookieWrites"`
	Storage      map[string]string `json:"storage"`
	Requests     []struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"requests"`
}

func runHarness(t *testing.T, s *Server, mode string) harnessOut {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the script's browser behaviour is not exercised")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "mtc.js")
	if err := os.WriteFile(script, call(t, s, "GET", "/mtc.js", "").body, 0o600); err != nil {
		t.Fatal(err)
	}
	harness := filepath.Join(dir, "harness.js")
	if err := os.WriteFile(harness, []byte(mtcHarness), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, harness, script, mode).Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var h harnessOut
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatalf("harness output %q: %v", out, err)
	}
	return h
}

func TestMtcJSInBrowser(t *testing.T) {
	s := NewServer(t)
	h := runHarness(t, s, "xhr")
	if len(h.Results) != 2 || len(h.Requests) != 2 {
		t.Fatalf("results %v, requests %d", h.Results, len(h.Requests))
	}
	id := h.Results[0]["id"]
	device, _ := h.Results[0]["device_id"].(string)
	if h.Results[1]["id"] != id || device == "" {
		t.Errorf("second pageview went to %v, first to %v", h.Results[1]["id"], id)
	}
	first, second := h.Requests[0], h.Requests[1]
	if first.Method != "POST" || first.Path != "/mtc/event" || first.Headers["X-Requested-With"] != "XMLHttpRequest" ||
		first.Headers["Content-Type"] != "application/x-www-form-urlencoded" {
		t.Errorf("first request = %+v", first)
	}
	for _, want := range []string{"page_title=Harness%20page", "preferred_locale=de_DE", "page_referrer=ref.example",
		"firstname=Queued", "timezone_offset=", "resolution=1920x1080"} {
		if !strings.Contains(first.Body, want) {
			t.Errorf("first pageview lacks %s: %s", want, first.Body)
		}
	}
	if strings.Contains(first.Body, "mautic_device_id") {
		t.Error("the first pageview has no device id yet")
	}
	if !strings.Contains(second.Body, "mautic_device_id="+device) {
		t.Errorf("second pageview must send the stored device id: %s", second.Body)
	}
	for _, want := range []string{"mtc_id=", "mautic_device_id=" + device} {
		found := false
		for _, w := range h.CookieWrites {
			found = found || (strings.HasPrefix(w, want) && strings.HasSuffix(w, "; path=/; secure"))
		}
		if !found {
			t.Errorf("no document.cookie write %q...; path=/; secure in %q", want, h.CookieWrites)
		}
	}
	if h.Storage["mautic_device_id"] != device || h.Storage["mtc_id"] == "" {
		t.Errorf("localStorage = %v", h.Storage)
	}
	contacts := s.Contacts()
	if len(contacts) != 1 || contacts[0].Hits != 2 {
		t.Errorf("simulator saw %+v", contacts)
	}
}

func TestMtcJSFallback(t *testing.T) {
	s := NewServer(t)
	h := runHarness(t, s, "fallback")
	var paths []string
	for _, r := range h.Requests {
		paths = append(paths, r.Method+" "+r.Path)
	}
	if len(paths) < 2 || paths[0] != "GET /mtracking.gif" || paths[1] != "GET /mtc" {
		t.Fatalf("fallback requests = %v, want the pixel then GET /mtc", paths)
	}
	if h.Storage["mtc_id"] == "" || h.Storage["mautic_device_id"] == "" || len(h.Results) != 2 || h.Results[0]["id"] == nil ||
		h.Results[1]["id"] != h.Results[0]["id"] {
		t.Errorf("fallback stored %v, results %v", h.Storage, h.Results)
	}
	if s.Calls("GET /mtracking.gif") != 2 || s.Calls("POST /mtc/event") != 0 {
		t.Errorf("calls = %v", s.CallCounts())
	}
}
