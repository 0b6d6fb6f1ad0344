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

// identifyingFields are the contact fields Mautic identifies a contact by
// (its unique identifiers; email by default). A browser may not set them
// in a proxied hit: only the hand-over adds the verified email.
var identifyingFields = []string{"email"}

// trackingHit is the parameters of a proxied tracking request: a query, a
// form body, or a JSON object body.
type trackingHit struct {
	query  url.Values
	isJSON bool
	object map[string]json.RawMessage
}

// readHit reads a tracking request's parameters and strips the
// identifying ones.
func readHit(r *http.Request) (*trackingHit, error) {
	hit := &trackingHit{}
	if r.Method != http.MethodPost {
		hit.query = parseParams(r.URL.RawQuery)
		hit.strip()
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
	hit.strip()
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

// strip removes identifying fields.
func (h *trackingHit) strip() {
	for k := range h.query {
		if isIdentifying(k) {
			delete(h.query, k)
		}
	}
	for k := range h.object {
		if isIdentifying(k) {
			delete(h.object, k)
		}
	}
}

// isIdentifying reports whether PHP would read key as an identifying
// field: it drops leading spaces, reads "email[x]" as "email", and turns
// spaces and dots into underscores. Letter case is ignored to be safe.
func isIdentifying(key string) bool {
	k := strings.TrimLeft(key, " ")
	if i := strings.IndexByte(k, '['); i >= 0 {
		k = k[:i]
	}
	k = strings.NewReplacer(" ", "_", ".", "_").Replace(strings.ToLower(k))
	for _, f := range identifyingFields {
		if k == f {
			return true
		}
	}
	return false
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
