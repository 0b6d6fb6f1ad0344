package mautictest

import (
	"net/http"
	"strconv"
	"strings"
)

// renderField is a LeadField as /api/fields/contact shows it.
func (st *store) renderField(f fieldDef) object {
	props := f.props
	if props == nil {
		props = object{}
	}
	return object{}.add("isPublished", true).add("dateAdded", nil).add("dateModified", nil).
		add("createdBy", nil).add("createdByUser", nil).add("modifiedBy", nil).add("modifiedByUser", nil).
		add("id", f.id).add("label", f.label).add("alias", f.alias).add("type", f.typ).
		add("group", f.group).add("order", f.id).add("object", "lead").add("defaultValue", f.defaultV).
		add("isRequired", false).add("isFixed", f.fixed).add("isListable", true).add("isVisible", true).
		add("isShortVisible", f.short).add("isUniqueIdentifier", st.isUnique(f)).
		add("isPubliclyUpdatable", st.publicField[f.alias]).add("properties", props)
}

// listFields is GET /api/fields/contact: total is a number here (an ORM
// paginator), fields keyed by id.
func (s *Server) listFields(w http.ResponseWriter, r *http.Request, _ int) {
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("start"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = defaultPageLimit
	}
	start = max(0, min(start, len(contactFields)))
	end := min(start+limit, len(contactFields))
	s.mu.Lock()
	fields := object{}
	for _, f := range contactFields[start:end] {
		fields = fields.add(itoa(f.id), s.st.renderField(f))
	}
	s.mu.Unlock()
	writeOK(w, http.StatusOK, object{}.add("total", len(contactFields)).add("fields", fields))
}

// getField is GET /api/fields/contact/{id}.
func (s *Server) getField(w http.ResponseWriter, _ *http.Request, id int) {
	f, ok := fieldsByID[id]
	if !ok {
		writeEntityNotFound(w)
		return
	}
	s.mu.Lock()
	body := s.st.renderField(*f)
	s.mu.Unlock()
	writeOK(w, http.StatusOK, object{}.add("field", body))
}

// editField is PATCH /api/fields/contact/{id}/edit. Only isPubliclyUpdatable
// changes anything in the simulator; the tracker reads it.
func (s *Server) editField(w http.ResponseWriter, r *http.Request, id int) {
	f, ok := fieldsByID[id]
	if !ok {
		writeEntityNotFound(w)
		return
	}
	p, ok := readContactParams(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if v, sent := p["isPubliclyUpdatable"]; sent {
		str, _ := scalar(v)
		s.st.publicField[f.alias] = str != "" && str != "0" && !strings.EqualFold(str, "false")
	}
	body := s.st.renderField(*f)
	s.mu.Unlock()
	writeOK(w, http.StatusOK, object{}.add("field", body))
}

// SetPubliclyUpdatable flags a contact field as publicly updatable, with the
// same effect as PATCH /api/fields/contact/{id}/edit {"isPubliclyUpdatable":on}:
// a tracking hit may then set it, and an email in a hit identifies.
func (s *Server) SetPubliclyUpdatable(alias string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.publicField[alias] = on
}

// SetUniqueIdentifier flags a contact field as a unique identifier, as an
// admin does under Settings > Custom Fields: Mautic then identifies (and
// merges) contacts by it, tracking hits included.
func (s *Server) SetUniqueIdentifier(alias string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.uniqueField[alias] = on
}

// isUnique reports whether f is a unique identifier now.
func (st *store) isUnique(f fieldDef) bool {
	if on, set := st.uniqueField[f.alias]; set {
		return on
	}
	return f.unique
}
