package mautic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Fields maps contact field aliases ("email", "firstname",
// "preferred_locale", ...) and Mautic's special keys ("tags", "lastActive",
// "ipAddress", "owner") to values.
//
// Fields never blank what marketing set: "" and nil values are left out of
// the request, so Mautic keeps the stored value. To clear a field on
// purpose, set it to Blank. Mautic itself drops numeric values whose
// integer cast is 0 ("0", 0, "0.4"), so a field cannot be set to 0.
type Fields map[string]any

// Blank, as a value in Fields, clears that field: it is sent as "" with
// Mautic's overwriteWithBlank flag.
var Blank = blank{}

type blank struct{}

// MarshalJSON sends Blank as "".
func (blank) MarshalJSON() ([]byte, error) { return []byte(`""`), nil }

// overwriteWithBlankKey is Mautic's flag that lets "" overwrite a value.
const overwriteWithBlankKey = "overwriteWithBlank"

// payload returns the body map: empty values dropped, Blank kept (with the
// overwrite flag). The caller's map is not modified.
func (f Fields) payload() map[string]any {
	out := make(map[string]any, len(f)+1)
	blanks := false
	for k, v := range f {
		switch v := v.(type) {
		case nil:
			continue
		case string:
			if v == "" {
				continue
			}
		case blank:
			blanks = true
		case *blank:
			blanks = true
			out[k] = Blank
			continue
		}
		out[k] = v
	}
	if blanks {
		out[overwriteWithBlankKey] = true
	}
	return out
}

// email returns the email value of f, lowercased and trimmed, or "".
func (f Fields) email() string {
	s, _ := f["email"].(string)
	return strings.ToLower(strings.TrimSpace(s))
}

// checkFields rejects keys a caller must not send through Fields.
func checkFields(f Fields, allowID bool) error {
	for k := range f {
		if k == "" {
			return errors.New("mautic: Fields has an empty alias")
		}
		if !allowID && k == "id" {
			return errors.New(`mautic: Fields must not carry "id": the id goes in the call's argument`)
		}
		if _, err := json.Marshal(f[k]); err != nil {
			return fmt.Errorf("mautic: Fields[%q] cannot be sent as JSON: %w", k, err)
		}
	}
	return nil
}
