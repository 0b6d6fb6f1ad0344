package mautic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flexInt decodes a JSON number, a numeric string ("12", as Mautic sends
// totals and field ids), or null (0).
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
		if len(b) == 0 {
			*n = 0
			return nil
		}
	}
	v, err := strconv.ParseInt(string(b), 10, 0)
	if err != nil {
		// Whole floats ("3.0") appear in PHP output now and then.
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("mautic: want an integer, got %.40q", b)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// forEachEntry walks a JSON collection that Mautic sends either as an object
// (keyed by id or index, in the server's order) or as an array (keyed by
// position), calling fn with the key and the raw value in document order.
// null and "" count as empty.
func forEachEntry(raw []byte, fn func(key string, val json.RawMessage) error) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte(`""`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("mautic: malformed JSON: %w", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok || (delim != '{' && delim != '[') {
		return errors.New("mautic: want a JSON object or array")
	}
	for i := 0; dec.More(); i++ {
		key := strconv.Itoa(i)
		if delim == '{' {
			t, err := dec.Token()
			if err != nil {
				return fmt.Errorf("mautic: malformed JSON: %w", err)
			}
			key = t.(string) // object keys are always strings
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return fmt.Errorf("mautic: malformed JSON: %w", err)
		}
		if err := fn(key, val); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("mautic: malformed JSON: %w", err)
	}
	if dec.InputOffset() != int64(len(raw)) {
		return errors.New("mautic: malformed JSON: data after the value")
	}
	return nil
}

// decodeIndexed reads a collection keyed by item index (batch statusCodes
// and errors, as object or array) into a map.
func decodeIndexed[T any](raw []byte) (map[int]T, error) {
	out := map[int]T{}
	err := forEachEntry(raw, func(key string, val json.RawMessage) error {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 {
			return fmt.Errorf("mautic: want an item index as key, got %.40q", key)
		}
		var v T
		if err := json.Unmarshal(val, &v); err != nil {
			return fmt.Errorf("mautic: item %d: %w", i, err)
		}
		out[i] = v
		return nil
	})
	return out, err
}

// parseTime reads Mautic's dates: ISO 8601 ("2026-11-25T22:38:38+00:00")
// or the SQL form "2026-11-25 22:38:38" (UTC). Anything else is nil: a
// strange date must not fail a whole lookup.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// scalarString turns a JSON field value into the string Mautic stores:
// strings as they are, numbers as written, booleans as "1"/"0", null as
// absent (ok false); arrays and objects keep their JSON text.
func scalarString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 't':
		return "1", true
	case 'f':
		return "0", true
	}
	return string(raw), true
}
