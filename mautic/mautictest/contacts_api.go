package mautictest

import (
	"net/http"
)

// batchLimit is api_batch_max_limit.
const batchLimit = 200

// readContactParams reads a contact body; on a bad one it has answered.
func readContactParams(w http.ResponseWriter, r *http.Request) (params, bool) {
	body, err := readBody(r)
	if err != nil {
		writeServerError(w, http.StatusBadRequest)
		return nil, false
	}
	p, ok := toParams(body)
	if !ok {
		writeControllerError(w, http.StatusBadRequest, msgBadRequest, nil)
		return nil, false
	}
	return p, true
}

// newContact is POST /api/contacts/new.
func (s *Server) newContact(w http.ResponseWriter, r *http.Request, _ int) {
	p, ok := readContactParams(w, r)
	if !ok {
		return
	}
	res := s.upsert(r.Context(), parseContactInput(p))
	if len(res.errs) > 0 {
		writeValidation(w, http.StatusBadRequest, res.errs)
		return
	}
	s.dispatch(res.events)
	status := http.StatusOK
	if res.created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/contacts/"+itoa(res.id))
	}
	writeOK(w, status, object{}.add("contact", res.contact))
}

// getContact is GET /api/contacts/{id}; a merged-away id answers the winner.
func (s *Server) getContact(w http.ResponseWriter, _ *http.Request, id int) {
	s.mu.Lock()
	rec, ok := s.st.resolve(id)
	var body object
	if ok {
		body = s.st.renderContact(rec, view{})
	}
	s.mu.Unlock()
	if !ok {
		writeEntityNotFound(w)
		return
	}
	writeOK(w, http.StatusOK, object{}.add("contact", body))
}

// editContact is PATCH and PUT /api/contacts/{id}/edit.
func (s *Server) editContact(w http.ResponseWriter, r *http.Request, id int) {
	p, ok := readContactParams(w, r)
	if !ok {
		return
	}
	mode := modePatch
	if r.Method == http.MethodPut {
		mode = modePut
	}
	res := s.edit(id, parseContactInput(p), mode)
	switch res.status {
	case http.StatusNotFound:
		writeEntityNotFound(w)
		return
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		writeValidation(w, res.status, res.errs)
		return
	case http.StatusCreated:
		w.Header().Set("Location", "/api/contacts/"+itoa(res.id))
	}
	s.dispatch(res.events)
	writeOK(w, res.status, object{}.add("contact", res.contact))
}

// deleteContact is DELETE /api/contacts/{id}/delete: 200 with the contact as
// it serialises after the delete, id null.
func (s *Server) deleteContact(w http.ResponseWriter, _ *http.Request, id int) {
	s.mu.Lock()
	rec, ok := s.st.resolve(id)
	var body object
	var ev event
	if ok {
		body = s.st.renderContact(rec, view{deleted: true})
		ev = s.deleteEvent(rec, s.now())
		s.st.remove(rec)
	}
	s.mu.Unlock()
	if !ok {
		writeEntityNotFound(w)
		return
	}
	s.dispatch([]event{ev})
	writeOK(w, http.StatusOK, object{}.add("contact", body))
}

// indexed is how PHP encodes an array keyed by request index: a list when
// the keys are 0..n-1 in order, an object otherwise.
type indexed struct {
	keys []string
	vals []any
}

func (ix *indexed) set(key string, v any) {
	ix.keys = append(ix.keys, key)
	ix.vals = append(ix.vals, v)
}

func (ix *indexed) json() any {
	sequential := true
	for i, k := range ix.keys {
		if k != itoa(i) {
			sequential = false
			break
		}
	}
	if sequential {
		return list(ix.vals)
	}
	o := object{}
	for i, k := range ix.keys {
		o = o.add(k, ix.vals[i])
	}
	return o
}

// batchItemError is setBatchError's entry.
func batchItemError(status int, errs []fieldError, message string) object {
	var details any = list{}
	if len(errs) > 0 {
		message, details = validationBody(status, errs)
	}
	return object{}.add("code", status).add("message", message).add("details", details).add("type", nil)
}

// readBatch reads a batch body; on a bad one it has answered.
func readBatch(w http.ResponseWriter, r *http.Request) (keys []string, items []any, ok bool) {
	body, err := readBody(r)
	if err != nil {
		writeServerError(w, http.StatusBadRequest)
		return nil, nil, false
	}
	keys, items, ok = listItems(body)
	if !ok {
		writeControllerError(w, http.StatusBadRequest, msgBadRequest, nil)
		return nil, nil, false
	}
	if len(items) > batchLimit {
		writeControllerError(w, http.StatusInternalServerError,
			"A max of "+itoa(batchLimit)+" entities are supported at a time.", nil)
		return nil, nil, false
	}
	return keys, items, true
}

// batchNew is POST /api/contacts/batch/new: each item dedupes by email like
// POST /contacts/new; the answer is always 201.
func (s *Server) batchNew(w http.ResponseWriter, r *http.Request, _ int) {
	keys, items, ok := readBatch(w, r)
	if !ok {
		return
	}
	var contacts, errs indexed
	codes := list{}
	var events []event
	for i, item := range items {
		p, isObj := toParams(item)
		if !isObj {
			codes = append(codes, http.StatusBadRequest)
			errs.set(keys[i], batchItemError(http.StatusBadRequest, nil, msgBadRequest))
			continue
		}
		res := s.upsert(r.Context(), parseContactInput(p))
		if len(res.errs) > 0 {
			codes = append(codes, http.StatusBadRequest)
			errs.set(keys[i], batchItemError(http.StatusBadRequest, res.errs, ""))
			continue
		}
		events = append(events, res.events...)
		code := http.StatusOK
		if res.created {
			code = http.StatusCreated
		}
		codes = append(codes, code)
		contacts.set(keys[i], res.contact)
	}
	s.dispatch(events)
	writeOK(w, http.StatusCreated, batchBody(contacts, codes, errs))
}

func batchBody(contacts indexed, codes list, errs indexed) object {
	body := object{}.add("contacts", contacts.json()).add("statusCodes", codes)
	if len(errs.keys) > 0 {
		body = body.add("errors", errs.json())
	}
	return body
}

// batchEdit is PATCH and PUT /api/contacts/batch/edit: per-item status codes;
// an unknown id is a 404 item for PATCH and a new contact for PUT.
func (s *Server) batchEdit(w http.ResponseWriter, r *http.Request, _ int) {
	keys, items, ok := readBatch(w, r)
	if !ok {
		return
	}
	mode := modePatch
	if r.Method == http.MethodPut {
		mode = modePut
	}
	var contacts, errs indexed
	codes := list{}
	var events []event
	for i, item := range items {
		p, isObj := toParams(item)
		idStr, _ := scalar(p["id"])
		id, hasID := parseID(idStr)
		if !isObj || !hasID {
			codes = append(codes, http.StatusBadRequest)
			errs.set(keys[i], batchItemError(http.StatusBadRequest, nil, msgBadRequest))
			continue
		}
		res := s.edit(id, parseContactInput(p), mode)
		codes = append(codes, res.status)
		switch res.status {
		case http.StatusNotFound:
			errs.set(keys[i], batchItemError(http.StatusNotFound, nil, msgNotFound).with("type", "api"))
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			errs.set(keys[i], batchItemError(res.status, res.errs, ""))
			if res.contact != nil {
				contacts.set(keys[i], res.contact)
			}
		default:
			events = append(events, res.events...)
			contacts.set(keys[i], res.contact)
		}
	}
	s.dispatch(events)
	writeOK(w, http.StatusOK, batchBody(contacts, codes, errs))
}

// batchDelete is DELETE /api/contacts/batch/delete?ids=1,2: the contacts are
// serialised before the delete, so their ids are still there.
func (s *Server) batchDelete(w http.ResponseWriter, r *http.Request, _ int) {
	var contacts, errs indexed
	var events []event
	s.mu.Lock()
	now := s.now()
	for i, raw := range splitList(r.URL.Query().Get("ids")) {
		id, ok := parseID(raw)
		rec, found := s.st.resolve(id)
		if !ok || !found {
			errs.set(itoa(i), batchItemError(http.StatusNotFound, nil, msgNotFound))
			continue
		}
		contacts.set(itoa(i), s.st.renderContact(rec, view{}))
		events = append(events, s.deleteEvent(rec, now))
		s.st.remove(rec)
	}
	s.mu.Unlock()
	s.dispatch(events)
	body := object{}.add("contacts", contacts.json())
	if len(errs.keys) > 0 {
		body = body.add("errors", errs.json())
	}
	writeOK(w, http.StatusOK, body)
}
