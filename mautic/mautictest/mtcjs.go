package mautictest

import (
	"net/http"
	"net/url"
	"strings"
)

// mtcScript is the simulator's own tracking script. It behaves like Mautic's
// mtc.js where other code can tell: its endpoint URLs are written as
// Mautic 5's PageBundle BuildJsSubscriber writes them (the scheme chosen
// from the page, then //host/route), the URLs of dynamic web content and
// forms are absolute to Mautic as in the Dynamic Content and Form bundles;
// it drains the mt() queue, POSTs form-encoded pageviews to /mtc/event with
// X-Requested-With and credentials, sends mautic_device_id from localStorage
// once mtc_id is stored, stores mtc_id and mautic_device_id in cookies
// ("path=/; secure") and localStorage, and falls back to the pixel and
// GET /mtc when the POST fails.
const mtcScript = `/* mautictest mtc.js: a stand-in for Mautic's tracking script. */
(function (w, d) {
  'use strict';
  var l = w.location;
  var eventURL = (l.protocol == 'https:' ? 'https:' : '{{SCHEME}}:') + '//{{HOST}}/mtc/event';
  var pixelURL = (l.protocol == 'https:' ? 'https:' : '{{SCHEME}}:') + '//{{HOST}}/mtracking.gif';
  var idURL = (l.protocol == 'https:' ? 'https:' : '{{SCHEME}}:') + '//{{HOST}}/mtc';
  // Not served by the simulator; named like Mautic names them.
  var dwcURL = '{{SCHEME}}://{{HOST}}/dwc/slotNamePlaceholder';
  var formScriptURL = '{{SCHEME}}://{{HOST}}/media/js/mautic-form.js';
  w.MauticJSURLs = {dwc: dwcURL, formScript: formScriptURL};
  var name = w.MauticTrackingObject || 'mt';
  var counter = 0;

  function setCookie(k, v) { d.cookie = k + '=' + encodeURIComponent(v) + '; path=/; secure'; }
  function save(k, v) { try { w.localStorage.setItem(k, v); } catch (e) {} }
  function load(k) { try { return w.localStorage.getItem(k); } catch (e) { return null; } }
  function remember(r) {
    if (!r || !r.id) { return; }
    setCookie('mtc_id', r.id); save('mtc_id', r.id);
    if (r.device_id) { setCookie('mautic_device_id', r.device_id); save('mautic_device_id', r.device_id); }
  }
  function encode(p) {
    var out = [];
    for (var k in p) {
      if (Object.prototype.hasOwnProperty.call(p, k)) {
        out.push(encodeURIComponent(k) + '=' + encodeURIComponent(p[k] === null || p[k] === undefined ? '' : p[k]));
      }
    }
    return out.join('&');
  }
  function params(extra) {
    var nav = w.navigator || {}, scr = w.screen || {}, lang = nav.language || nav.userLanguage || '';
    var p = {
      page_title: d.title || '',
      page_language: lang,
      preferred_locale: lang.replace('-', '_'),
      page_referrer: d.referrer ? d.referrer.split('/')[2] || '' : '',
      page_url: w.location.href,
      counter: counter++,
      timezone_offset: new Date().getTimezoneOffset(),
      resolution: (scr.width || 0) + 'x' + (scr.height || 0),
      platform: nav.platform || '',
      do_not_track: nav.doNotTrack === '1' ? 1 : ''
    };
    try { p.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) {}
    for (var k in extra) {
      if (Object.prototype.hasOwnProperty.call(extra, k)) { p[k] = extra[k]; }
    }
    var device = load('mautic_device_id');
    if (load('mtc_id') && device) { p.mautic_device_id = device; }
    return p;
  }
  function fallback(p, done) {
    var img = new w.Image(1, 1);
    img.onload = img.onerror = function () {
      var x = new w.XMLHttpRequest();
      x.open('GET', idURL, true);
      x.withCredentials = true;
      x.onload = function () {
        var r = null;
        try { r = JSON.parse(x.responseText); } catch (e) {}
        remember(r);
        done(r);
      };
      x.onerror = function () { done(null); };
      x.send();
    };
    img.src = pixelURL + '?' + encode(p);
  }
  function pageview(extra, opts) {
    opts = opts || {};
    var p = params(extra || {});
    var done = function (r) { if (typeof opts.onload === 'function') { opts.onload(r); } };
    var x = new w.XMLHttpRequest();
    x.open('POST', eventURL, true);
    x.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    x.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    x.withCredentials = true;
    x.onload = function () {
      var r = null;
      try { r = JSON.parse(x.responseText); } catch (e) {}
      if (x.status === 200 && r && r.success) { remember(r); done(r); } else { fallback(p, done); }
    };
    x.onerror = function () { fallback(p, done); };
    x.send(encode(p));
  }
  function run(args) {
    if (args[0] === 'send' && args[1] === 'pageview') { pageview(args[2], args[3]); }
  }
  var queued = (w[name] && w[name].q) || [];
  w[name] = function () { run(arguments); };
  for (var i = 0; i < queued.length; i++) { run(queued[i]); }
})(window, document);
`

// mtcJS is GET /mtc.js, with the endpoints baked in from site_url and the
// scheme left to the page, as Mautic does.
func (s *Server) mtcJS(w http.ResponseWriter, r *http.Request, _ int) {
	host, scheme := strings.TrimPrefix(s.siteURL(), "http://"), "http"
	if u, err := url.Parse(s.siteURL()); err == nil && u.Host != "" {
		host, scheme = u.Host+strings.TrimRight(u.Path, "/"), u.Scheme
	}
	h := w.Header()
	h.Set("Content-Type", "application/javascript")
	h.Set("Cache-Control", "max-age=0, must-revalidate, private")
	h.Set("Expires", s.now().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(strings.NewReplacer("{{HOST}}", host, "{{SCHEME}}", scheme).Replace(mtcScript)))
}
