package mautic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Field is a contact field's definition.
type Field struct {
	ID    int
	Alias string
	Label string
	Type  string
	Group string
	// IsPublished: unpublished fields are ignored on save.
	IsPublished bool
	// IsUniqueIdentifier fields (email by default) are what Mautic dedupes
	// and merges on.
	IsUniqueIdentifier bool
	// IsPubliclyUpdatable fields may be set by tracking hits (/mtc/event);
	// off by default, and needed for an email hand-over through tracking.
	IsPubliclyUpdatable bool
}

type fieldWire struct {
	ID                  flexInt `json:"id"`
	Alias               string  `json:"alias"`
	Label               string  `json:"label"`
	Type                string  `json:"type"`
	Group               string  `json:"group"`
	IsPublished         bool    `json:"isPublished"`
	IsUniqueIdentifier  bool    `json:"isUniqueIdentifier"`
	IsUniqueIdentifer   bool    `json:"isUniqueIdentifer"` // Mautic's own misspelling, in older answers
	IsPubliclyUpdatable bool    `json:"isPubliclyUpdatable"`
}

// ContactField returns the definition of the contact field alias (GET
// /fields/contact, read until it is found). An unknown alias is
// ErrNotFound.
func (c *Client) ContactField(ctx context.Context, alias string) (*Field, error) {
	if alias == "" {
		return nil, fmt.Errorf("mautic: ContactField: alias is empty")
	}
	var found *Field
	err := c.walkFields(ctx, func(f Field) bool {
		if f.Alias == alias {
			found = &f
		}
		return found != nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("mautic: contact field %q: %w", alias, ErrNotFound)
	}
	return found, nil
}

// ContactFields returns the definitions of all contact fields (GET
// /fields/contact, read to the end: Mautic has about 30 fields), in
// Mautic's order.
func (c *Client) ContactFields(ctx context.Context) ([]Field, error) {
	var out []Field
	err := c.walkFields(ctx, func(f Field) bool {
		out = append(out, f)
		return false
	})
	return out, err
}

// walkFields reads the contact fields page by page until visit returns
// true or the list ends.
func (c *Client) walkFields(ctx context.Context, visit func(Field) (stop bool)) error {
	start := 0
	for page := 0; page < maxPages; page++ {
		q := url.Values{"limit": {strconv.Itoa(pageLimit)}, "start": {strconv.Itoa(start)}}
		req := &request{method: http.MethodGet, route: "/fields/contact", path: "/fields/contact", query: q, repeatable: true}
		resp, err := c.do(ctx, req)
		if err != nil {
			return err
		}
		var w struct {
			Total  flexInt         `json:"total"`
			Fields json.RawMessage `json:"fields"`
		}
		if err := json.Unmarshal(resp.body, &w); err != nil {
			return badAnswer(req, resp, err)
		}
		n, stop := 0, false
		err = forEachEntry(w.Fields, func(_ string, val json.RawMessage) error {
			n++
			var f fieldWire
			if err := json.Unmarshal(val, &f); err != nil {
				return err
			}
			if !stop {
				stop = visit(Field{
					ID: int(f.ID), Alias: f.Alias, Label: f.Label, Type: f.Type, Group: f.Group,
					IsPublished:         f.IsPublished,
					IsUniqueIdentifier:  f.IsUniqueIdentifier || f.IsUniqueIdentifer,
					IsPubliclyUpdatable: f.IsPubliclyUpdatable,
				})
			}
			return nil
		})
		if err != nil {
			return badAnswer(req, resp, err)
		}
		start += n
		if stop || n == 0 || start >= int(w.Total) {
			return nil
		}
	}
	return nil
}
