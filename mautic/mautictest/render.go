package mautictest

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// view says how one answer shows a contact. Mautic's JSON differs with where
// the entity came from: a contact created in this request still has the form's
// field entries (int ids, properties as objects, utmtags null); one loaded
// from the database has the repository's entries (string ids, serialized
// properties); a list uses another field order; webhooks carry no "all" group
// and no number fixing.
type view struct {
	touched map[string]string // field values written by this request, "" for blanked ones
	fresh   bool              // created in this request
	list    bool              // GET /api/contacts order
	webhook bool              // webhook payload: no fields.all, raw values
	minimal bool              // ?minimal=true
	deleted bool              // after delete: id null, tags cleared
	noAll   bool              // a batch item that failed validation
	lastTop time.Time         // lastActive as the entity property shows it
	hasTop  bool
}

const adminName = "Admin Lab"

// renderContact builds the contact object of an answer. Call with Server.mu
// held; the result holds no references into the store.
func (st *store) renderContact(r *record, v view) object {
	o := object{}.
		add("isPublished", true).
		add("dateAdded", isoTime(r.dateAdded)).
		add("dateModified", isoTime(r.dateModified))
	if r.createdByAdmin {
		o = o.add("createdBy", 1).add("createdByUser", adminName)
	} else {
		o = o.add("createdBy", nil).add("createdByUser", nil)
	}
	switch {
	case r.modifiedBy == 1:
		o = o.add("modifiedBy", 1).add("modifiedByUser", adminName)
	case r.tracked:
		o = o.add("modifiedBy", nil).add("modifiedByUser", " ")
	default:
		o = o.add("modifiedBy", nil).add("modifiedByUser", nil)
	}
	var id any = r.id
	if v.deleted {
		id = nil
	}
	o = o.add("id", id).add("points", r.points).add("color", nil).add("fields", st.renderFields(r, v))
	if v.minimal {
		return o
	}
	lastTop := r.lastActive
	if v.hasTop {
		lastTop = v.lastTop
	}
	o = o.add("lastActive", isoTime(lastTop)).
		add("owner", nil).
		add("ipAddresses", st.renderIPs(r)).
		add("tags", st.renderTags(r, v)).
		add("utmtags", renderUTM(r, v)).
		add("stage", nil).
		add("dateIdentified", isoTime(r.dateIdentified))
	var image any
	if r.tracked {
		image = "gravatar"
	}
	return o.add("preferredProfileImage", image).
		add("doNotContact", list{}).
		add("frequencyRules", list{})
}

func (st *store) renderFields(r *record, v view) object {
	order := contactFields
	if v.list {
		order = make([]fieldDef, 0, len(listFieldOrder))
		for _, a := range listFieldOrder {
			order = append(order, *fieldsByAlias[a])
		}
	}
	core, social := make(object, 0, 22), make(object, 0, 6)
	all := make(object, 0, len(contactFields)+1)
	if v.deleted {
		all = all.add("id", nil)
	} else {
		all = all.add("id", strconv.Itoa(r.id))
	}
	for _, f := range order {
		val := fieldValue(r, f, v)
		entry := renderFieldEntry(f, val, v.fresh)
		if f.group == "core" {
			core = core.add(f.alias, entry)
		} else {
			social = social.add(f.alias, entry)
		}
		if f.alias == "points" {
			all = all.add("points", r.points)
			continue
		}
		all = all.add(f.alias, val)
	}
	out := object{}.add("core", core).add("social", social).
		add("personal", list{}).add("professional", list{})
	if !v.webhook && !v.noAll {
		out = out.add("all", all)
	}
	return out
}

func renderFieldEntry(f fieldDef, val any, fresh bool) object {
	norm := val
	if norm == nil {
		norm = ""
	}
	if fresh {
		props := f.props
		if props == nil {
			props = list{}
		}
		return make(object, 0, 8).add("id", f.id).add("group", f.group).add("label", f.label).
			add("alias", f.alias).add("type", f.typ).add("properties", props).
			add("value", val).add("normalizedValue", norm)
	}
	props := f.propsPHP
	if props == "" {
		props = "a:0:{}"
	}
	fixed := "0"
	if f.fixed {
		fixed = "1"
	}
	return make(object, 0, 11).add("id", strconv.Itoa(f.id)).add("label", f.label).add("alias", f.alias).
		add("type", f.typ).add("group", f.group).add("object", "lead").add("is_fixed", fixed).
		add("properties", props).add("default_value", f.defaultV).
		add("value", val).add("normalizedValue", norm)
}

// fieldValue is a field's value as the answer shows it: what this request
// wrote (with the API's number fixing), else nothing for a new entity, else the
// stored value.
func fieldValue(r *record, f fieldDef, v view) any {
	if raw, ok := v.touched[f.alias]; ok {
		if f.typ == "number" && !v.webhook {
			return fixNumber(f, raw)
		}
		return raw
	}
	if v.fresh {
		return nil
	}
	switch f.alias {
	case "points":
		return r.points
	case "last_active":
		if r.lastActive.IsZero() {
			return nil
		}
		return r.lastActive.UTC().Format(dbTimeLayout)
	}
	raw, ok := r.fields[f.alias]
	if !ok {
		return nil
	}
	if f.typ == "number" {
		return fixNumber(f, raw)
	}
	return raw
}

// fixNumber is CustomFieldsApiControllerTrait::fixNumbers: an int for a number
// field without scale, a float for one with a scale.
func fixNumber(f fieldDef, raw string) any {
	n, _ := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if f.alias == "points" {
		return int(n)
	}
	return phpFloat(n)
}

func (st *store) renderIPs(r *record) list {
	out := list{}
	for _, ip := range r.ips {
		details := object{}
		for _, k := range []string{"city", "region", "zipcode", "country", "latitude", "longitude", "isp", "organization", "timezone", "extra"} {
			details = details.add(k, "")
		}
		out = append(out, object{}.add("ipAddress", ip).add("id", st.ipID(ip)).add("ipDetails", details))
	}
	return out
}

func (st *store) renderTags(r *record, v view) list {
	out := list{}
	if v.deleted {
		return out
	}
	tags := slices.Clone(r.tags)
	slices.Sort(tags)
	for _, t := range tags {
		out = append(out, object{}.add("id", st.tagID(t)).add("tag", t).add("description", nil))
	}
	return out
}

func renderUTM(r *record, v view) any {
	if v.fresh {
		return nil
	}
	out := list{}
	for _, u := range r.utm {
		o := object{}.add("id", u.id).add("query", u.query).add("referer", u.referer).
			add("remoteHost", nil).add("url", u.url).add("userAgent", u.userAgent)
		for _, k := range []string{"Campaign", "Content", "Medium", "Source", "Term"} {
			var val any
			if s, ok := u.utm[strings.ToLower(k)]; ok {
				val = s
			}
			o = o.add("utm"+k, val)
		}
		out = append(out, o)
	}
	return out
}
