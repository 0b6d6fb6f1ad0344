package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ContactsService is the contacts API; use it through Client.Contacts.
type ContactsService struct{ c *Client }

// Get returns the contact with id. When Mautic merged that contact into
// another, it answers with the survivor: the result's ID is then the
// survivor's and MergedFrom is id. An unknown id is a 404 (IsNotFound).
func (s *ContactsService) Get(ctx context.Context, id int) (*Contact, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	req := &request{method: http.MethodGet, route: "/contacts/{id}", path: contactPath(id, ""), repeatable: true}
	resp, err := s.c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	c, err := decodeContactBody(req, resp)
	if err != nil {
		return nil, err
	}
	if c.ID != id {
		c.MergedFrom = id
	}
	return c, nil
}

// Upsert creates a contact, or updates the one Mautic finds by email
// (POST /contacts/new): created is true for a new contact (201), false for
// an update of an existing one (200). Empty values are not sent (see
// Fields). With an email it is retried on network errors and 5xx, since
// Mautic dedupes by email; without one it is not.
//
// Mautic's dedupe is check-then-insert: two Upserts of the same new email
// at the same moment can create two contacts. Serialise per person.
func (s *ContactsService) Upsert(ctx context.Context, fields Fields) (c *Contact, created bool, err error) {
	if err := checkFields(fields, false); err != nil {
		return nil, false, err
	}
	body := fields.payload()
	if len(body) == 0 {
		return nil, false, errors.New("mautic: Upsert: no non-empty fields to send")
	}
	req := &request{method: http.MethodPost, route: "/contacts/new", path: "/contacts/new", body: body, repeatable: fields.email() != ""}
	resp, err := s.c.do(ctx, req)
	if err != nil {
		return nil, false, err
	}
	c, err = decodeContactBody(req, resp)
	if err != nil {
		return nil, false, err
	}
	return c, resp.status == http.StatusCreated, nil
}

// Patch changes the given fields of contact id (PATCH, never PUT: PUT
// blanks every field not sent). Empty values are not sent (see Fields).
// An unknown id is a 404; an email another contact owns is a 422
// (IsDuplicate).
func (s *ContactsService) Patch(ctx context.Context, id int, fields Fields) (*Contact, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := checkFields(fields, false); err != nil {
		return nil, err
	}
	body := fields.payload()
	if len(body) == 0 {
		return nil, errors.New("mautic: Patch: no non-empty fields to send")
	}
	req := &request{method: http.MethodPatch, route: "/contacts/{id}/edit", path: contactPath(id, "/edit"), body: body, repeatable: true}
	resp, err := s.c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	return decodeContactBody(req, resp)
}

// Delete deletes contact id. An unknown id is a 404 (IsNotFound), which
// also happens when a retried Delete had succeeded on an earlier attempt.
func (s *ContactsService) Delete(ctx context.Context, id int) error {
	if err := checkID(id); err != nil {
		return err
	}
	req := &request{method: http.MethodDelete, route: "/contacts/{id}/delete", path: contactPath(id, "/delete"), repeatable: true}
	_, err := s.c.do(ctx, req)
	return err
}

func checkID(id int) error {
	if id <= 0 {
		return fmt.Errorf("mautic: contact id %d is not valid: ids are positive", id)
	}
	return nil
}

func contactPath(id int, suffix string) string {
	return "/contacts/" + strconv.Itoa(id) + suffix
}

// decodeContactBody reads {"contact": {...}}.
func decodeContactBody(req *request, resp *response) (*Contact, error) {
	var fast struct {
		Contact *contactFast `json:"contact"`
	}
	if json.Unmarshal(resp.body, &fast) == nil && fast.Contact != nil && fast.Contact.Fields.All != nil {
		c, err := fast.Contact.contactCommon.contact(flattenAll(fast.Contact.Fields.All))
		if err == nil {
			return c, nil
		}
	}
	var env struct {
		Contact json.RawMessage `json:"contact"`
	}
	if err := json.Unmarshal(resp.body, &env); err != nil {
		return nil, badAnswer(req, resp, err)
	}
	if len(env.Contact) == 0 || string(env.Contact) == "null" {
		return nil, badAnswer(req, resp, errors.New("no contact in the answer"))
	}
	c, err := decodeContact(env.Contact)
	if err != nil {
		return nil, badAnswer(req, resp, err)
	}
	return c, nil
}

// badAnswer is the error for a 2xx answer this client cannot read.
func badAnswer(req *request, resp *response, cause error) *Error {
	return &Error{Status: resp.status, Method: req.method, Path: req.path, Err: fmt.Errorf("unexpected answer: %w", cause)}
}
