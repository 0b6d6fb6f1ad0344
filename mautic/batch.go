package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// MaxBatch is Mautic's api_batch_max_limit: items per batch call. Larger
// inputs are split.
const MaxBatch = 200

// BatchResult is the outcome of one input item of a batch call.
type BatchResult struct {
	// Status is Mautic's status for the item: 201 created, 200 updated,
	// 4xx rejected; 0 when the item's outcome is unknown or it was not sent
	// because an earlier part of the call failed (Err says why).
	Status int
	// Contact is the contact as saved, for 2xx items.
	Contact *Contact
	// Err is set for items that failed.
	Err *Error
}

// BatchUpsert creates or updates contacts like Upsert, 200 per call
// (POST /contacts/batch/new). results has one entry per item, in input
// order. Items with the same email in one call end in one contact, the
// later item's values winning. When a call fails as a whole, the error is
// returned and its items, and those not yet sent, carry it in Err with
// Status 0. A call is retried on network errors and 5xx only when every
// item has an email, as Mautic then dedupes the repeat.
func (s *ContactsService) BatchUpsert(ctx context.Context, items []Fields) ([]BatchResult, error) {
	bodies := make([]map[string]any, len(items))
	repeatable := true
	for i, f := range items {
		if err := checkFields(f, false); err != nil {
			return nil, fmt.Errorf("mautic: BatchUpsert item %d: %w", i, err)
		}
		if bodies[i] = f.payload(); len(bodies[i]) == 0 {
			return nil, fmt.Errorf("mautic: BatchUpsert item %d: no non-empty fields to send", i)
		}
		repeatable = repeatable && f.email() != ""
	}
	return s.batch(ctx, http.MethodPost, "/contacts/batch/new", bodies, repeatable)
}

// BatchPatch changes the given fields of several contacts, 200 per call
// (PATCH /contacts/batch/edit, never PUT). Each item carries the contact's
// "id". Results are per item as for BatchUpsert: an unknown id is a 404
// item, an email another contact owns a 422 item.
func (s *ContactsService) BatchPatch(ctx context.Context, items []Fields) ([]BatchResult, error) {
	bodies := make([]map[string]any, len(items))
	for i, f := range items {
		if err := checkFields(f, true); err != nil {
			return nil, fmt.Errorf("mautic: BatchPatch item %d: %w", i, err)
		}
		id, err := itemID(f["id"])
		if err != nil {
			return nil, fmt.Errorf("mautic: BatchPatch item %d: %w", i, err)
		}
		bodies[i] = f.payload()
		bodies[i]["id"] = id
		if len(bodies[i]) == 1 {
			return nil, fmt.Errorf("mautic: BatchPatch item %d: no non-empty fields to send", i)
		}
	}
	return s.batch(ctx, http.MethodPatch, "/contacts/batch/edit", bodies, true)
}

// itemID reads a batch item's "id" as a positive integer.
func itemID(v any) (int, error) {
	var id int64
	switch v := v.(type) {
	case int:
		id = int64(v)
	case int64:
		id = v
	case int32:
		id = int64(v)
	case float64:
		if v != math.Trunc(v) || v > math.MaxInt32 {
			return 0, fmt.Errorf(`"id" %v is not a contact id`, v)
		}
		id = int64(v)
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, fmt.Errorf(`"id" %q is not a contact id`, v.String())
		}
		id = n
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf(`"id" %q is not a contact id`, v)
		}
		id = n
	case nil:
		return 0, errors.New(`"id" is missing: each BatchPatch item names its contact`)
	default:
		return 0, fmt.Errorf(`"id" of type %T is not a contact id`, v)
	}
	if id <= 0 || id > math.MaxInt32 {
		return 0, fmt.Errorf(`"id" %d is not a contact id`, id)
	}
	return int(id), nil
}

// batch sends bodies in calls of MaxBatch and fills the results.
func (s *ContactsService) batch(ctx context.Context, method, path string, bodies []map[string]any, repeatable bool) ([]BatchResult, error) {
	results := make([]BatchResult, len(bodies))
	for lo := 0; lo < len(bodies); lo += MaxBatch {
		hi := min(lo+MaxBatch, len(bodies))
		req := &request{method: method, route: path, path: path, body: bodies[lo:hi], repeatable: repeatable}
		resp, err := s.c.do(ctx, req)
		if err == nil {
			err = decodeBatch(req, resp, results[lo:hi])
		}
		if err != nil {
			e, ok := asError(err)
			if !ok {
				e = &Error{Method: method, Path: path, Err: err}
			}
			for i := lo; i < len(results); i++ {
				results[i] = BatchResult{Err: e}
			}
			return results, err
		}
	}
	return results, nil
}

// decodeBatch reads {"contacts": ..., "statusCodes": ..., "errors": ...},
// each keyed by item index as an object, or positional as an array.
func decodeBatch(req *request, resp *response, out []BatchResult) error {
	var w struct {
		Contacts    json.RawMessage `json:"contacts"`
		StatusCodes json.RawMessage `json:"statusCodes"`
		Errors      json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(resp.body, &w); err != nil {
		return badAnswer(req, resp, err)
	}
	statuses, err := decodeIndexed[flexInt](w.StatusCodes)
	if err != nil {
		return badAnswer(req, resp, fmt.Errorf("statusCodes: %w", err))
	}
	errs, err := decodeIndexed[apiErrorWire](w.Errors)
	if err != nil {
		return badAnswer(req, resp, fmt.Errorf("errors: %w", err))
	}
	contacts, err := decodeIndexed[*Contact](w.Contacts)
	if err != nil {
		return badAnswer(req, resp, fmt.Errorf("contacts: %w", err))
	}
	for i := range out {
		r := BatchResult{Status: int(statuses[i])}
		if ew, failed := errs[i]; failed {
			a := ew.toAPIError()
			if r.Status == 0 {
				r.Status = a.Code
			}
			r.Err = &Error{Status: r.Status, Method: req.method, Path: req.path, Errors: []APIError{a}}
		}
		switch {
		case r.Err != nil:
		case r.Status >= 200 && r.Status < 300 && contacts[i] != nil:
			r.Contact = contacts[i]
		case r.Status == 0:
			r.Err = &Error{Method: req.method, Path: req.path, Err: fmt.Errorf("no status for item %d in the answer", i)}
		default:
			r.Err = &Error{Status: r.Status, Method: req.method, Path: req.path}
		}
		out[i] = r
	}
	return nil
}
