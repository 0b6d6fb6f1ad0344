package caddymodule

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// errBadHit is a tracking request whose parameters cannot be read.
var errBadHit = errors.New("mautic: tracking request cannot be read")

// identifiers are the lower-case aliases of the contact fields Mautic
// identifies a contact by: its unique identifiers, read from its fields
// API, and always email. A browser may not set them in a proxied hit, by
// any channel Mautic reads: only the hand-over adds the verified email.
type identifiers []string

// defaultIdentifiers hold until Mautic's fields have been read.
var defaultIdentifiers = identifiers{"email"}

// newIdentifiers returns email and the given aliases, lower case.
func newIdentifiers(aliases []string) identifiers {
	ids := append(identifiers(nil), defaultIdentifiers...)
	for _, a := range aliases {
		if a = strings.ToLower(a); a != "" && !contains(ids, a) {
			ids = append(ids, a)
		}
	}
	return ids
}

// trackingHit is the parameters of a proxied tracking request: a query, a
// form body, or a JSON object body.
type trackingHit struct {
	query  url.Values
	isJSON bool
	object map[string]json.RawMessage
}

// readHit reads a tracking request's parameters and strips the
// identifying ones, from the parameters and from the queries of URLs in
// them (Mautic reads the query of page_url).
func readHit(r *http.Request, ids identifiers) (*trackingHit, error) {
	hit := &trackingHit{}
	if r.Method != http.MethodPost {
		hit.query = parseParams(r.URL.RawQuery)
		hit.strip(ids)
		return hit, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHitBody+1))
	if err != nil || len(body) > maxHitBody {
		return nil, errBadHit
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		hit.isJSON = true
		if len(body) == 0 {
			hit.object = map[string]json.RawMessage{}
		} else if err := json.Unmarshal(body, &hit.object); err != nil || hit.object == nil {
			return nil, errBadHit
		}
	} else {
		hit.query = parseParams(string(body))
	}
	hit.strip(ids)
	return hit, nil
}

// parseParams parses a query or form body, keeping every pair that parses:
// the request sent on is rebuilt from them, so a malformed pair cannot
// reach Mautic in a shape parsed otherwise there.
func parseParams(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	if v == nil {
		v = url.Values{}
	}
	return v
}

// strip removes identifying fields, and identifying pairs from the
// queries of URL values.
func (h *trackingHit) strip(ids identifiers) {
	for k, vs := range h.query {
		if ids.match(k) {
			delete(h.query, k)
			continue
		}
		for i, v := range vs {
			vs[i] = ids.cleanURL(v)
		}
	}
	for k, raw := range h.object {
		if ids.match(k) {
			delete(h.object, k)
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) == nil {
			if c := ids.cleanURL(v); c != v {
				b, _ := json.Marshal(c)
				h.object[k] = b
			}
		}
	}
}

// param returns a string parameter of the hit.
func (h *trackingHit) param(k string) string {
	if h.isJSON {
		var s string
		if json.Unmarshal(h.object[k], &s) == nil {
			return s
		}
		return ""
	}
	return h.query.Get(k)
}

// device returns the tracked device id the hit names, if any.
func (h *trackingHit) device() string { return h.param("mautic_device_id") }

// set sets a parameter.
func (h *trackingHit) set(k, v string) {
	if h.isJSON {
		b, _ := json.Marshal(v)
		h.object[k] = b
		return
	}
	h.query.Set(k, v)
}

// encodeBody renders the parameters as a POST body.
func (h *trackingHit) encodeBody() []byte {
	if h.isJSON {
		b, _ := json.Marshal(h.object)
		return b
	}
	return []byte(h.query.Encode())
}
