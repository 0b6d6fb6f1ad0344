package mautictest

import (
	"strings"
	"sync"
)

// fieldDef is one of the 28 contact fields a fresh Mautic 5.1 installs, with
// the metadata the API shows in contact answers and in /api/fields/contact.
type fieldDef struct {
	id       int
	alias    string
	label    string
	typ      string
	group    string
	fixed    bool
	propsPHP string // properties as stored: a PHP-serialized string
	props    any    // properties as the entity holds them: list{} or an object
	short    bool   // isShortVisible
	unique   bool   // isUniqueIdentifier
	defaultV any    // default_value
}

var titleList = object{}.add("list", list{"Mr", "Mrs", "Miss"})

// contactFields is in field id order, the order of single-contact answers.
var contactFields = []fieldDef{
	{id: 1, alias: "title", label: "Title", typ: "lookup", group: "core", fixed: true,
		propsPHP: `a:1:{s:4:"list";a:3:{i:0;s:2:"Mr";i:1;s:3:"Mrs";i:2;s:4:"Miss";}}`, props: titleList},
	{id: 2, alias: "firstname", label: "First Name", typ: "text", group: "core", fixed: true, short: true},
	{id: 3, alias: "lastname", label: "Last Name", typ: "text", group: "core", fixed: true, short: true},
	{id: 4, alias: "company", label: "Primary company", typ: "text", group: "core", fixed: true},
	{id: 5, alias: "position", label: "Position", typ: "text", group: "core", fixed: true},
	{id: 6, alias: "email", label: "Email", typ: "email", group: "core", fixed: true, short: true, unique: true},
	{id: 7, alias: "mobile", label: "Mobile", typ: "tel", group: "core", fixed: true},
	{id: 8, alias: "phone", label: "Phone", typ: "tel", group: "core", fixed: true},
	{id: 9, alias: "points", label: "Points", typ: "number", group: "core", fixed: true, defaultV: "0"},
	{id: 10, alias: "fax", label: "Fax", typ: "tel", group: "core"},
	{id: 11, alias: "address1", label: "Address Line 1", typ: "text", group: "core", fixed: true},
	{id: 12, alias: "address2", label: "Address Line 2", typ: "text", group: "core", fixed: true},
	{id: 13, alias: "city", label: "City", typ: "text", group: "core", fixed: true},
	{id: 14, alias: "state", label: "State", typ: "region", group: "core", fixed: true},
	{id: 15, alias: "zipcode", label: "Zip Code", typ: "text", group: "core", fixed: true},
	{id: 16, alias: "country", label: "Country", typ: "country", group: "core", fixed: true},
	{id: 17, alias: "preferred_locale", label: "Preferred Locale", typ: "locale", group: "core", fixed: true},
	{id: 18, alias: "timezone", label: "Preferred Timezone", typ: "timezone", group: "core", fixed: true},
	{id: 19, alias: "last_active", label: "Date Last Active", typ: "datetime", group: "core", fixed: true},
	{id: 20, alias: "attribution_date", label: "Attribution Date", typ: "datetime", group: "core", fixed: true},
	{id: 21, alias: "attribution", label: "Attribution", typ: "number", group: "core", fixed: true,
		propsPHP: `a:2:{s:9:"roundmode";i:4;s:5:"scale";i:2;}`, props: object{}.add("roundmode", 4).add("scale", 2)},
	{id: 22, alias: "website", label: "Website", typ: "url", group: "core"},
	{id: 23, alias: "facebook", label: "Facebook", typ: "text", group: "social"},
	{id: 24, alias: "foursquare", label: "Foursquare", typ: "text", group: "social"},
	{id: 25, alias: "instagram", label: "Instagram", typ: "text", group: "social"},
	{id: 26, alias: "linkedin", label: "mautic.lead.field.linkedin", typ: "text", group: "social"},
	{id: 27, alias: "skype", label: "Skype", typ: "text", group: "social"},
	{id: 28, alias: "twitter", label: "Twitter", typ: "text", group: "social"},
}

// listFieldOrder is the order of fields in GET /api/contacts answers, which
// come from a different query than single-contact answers.
var listFieldOrder = []string{
	"points", "last_active", "title", "firstname", "lastname", "company", "position", "email", "phone",
	"mobile", "address1", "address2", "city", "state", "zipcode", "timezone", "country", "fax",
	"preferred_locale", "attribution_date", "attribution", "website",
	"facebook", "foursquare", "instagram", "linkedin", "skype", "twitter",
}

var fieldsByAlias = func() map[string]*fieldDef {
	m := make(map[string]*fieldDef, len(contactFields))
	for i := range contactFields {
		m[contactFields[i].alias] = &contactFields[i]
	}
	return m
}()

var fieldsByID = func() map[int]*fieldDef {
	m := make(map[int]*fieldDef, len(contactFields))
	for i := range contactFields {
		m[contactFields[i].id] = &contactFields[i]
	}
	return m
}()

// identifyingFields are the ones whose value makes a contact known
// (Lead::isAnonymous): names, company, email and the social ids.
var identifyingFields = []string{
	"firstname", "lastname", "company", "email",
	"facebook", "foursquare", "instagram", "linkedin", "skype", "twitter",
}

// catchAllFields are the columns a plain search term is matched against.
var catchAllFields = []string{
	"firstname", "lastname", "email", "company", "city", "state", "zipcode", "country",
	"facebook", "foursquare", "instagram", "linkedin", "skype", "twitter",
}

// maxTextLength is Mautic's limit for text fields (VARCHAR(191)).
const maxTextLength = 191

var (
	localeSetOnce sync.Once
	localeSet     map[string]bool
	tzSetOnce     sync.Once
	tzSet         map[string]bool
)

// localeAliases are legacy identifiers browsers still send that Symfony
// resolves to a CLDR locale.
var localeAliases = []string{"zh_CN", "zh_TW", "zh_HK", "zh_SG", "zh_MO", "sr_RS", "sr_ME", "sr_BA"}

// validLocale reports whether v is a locale Mautic accepts for preferred_locale.
func validLocale(v string) bool {
	localeSetOnce.Do(func() {
		localeSet = make(map[string]bool)
		for _, l := range strings.Fields(knownLocales) {
			localeSet[l] = true
		}
		for _, l := range localeAliases {
			localeSet[l] = true
		}
	})
	return localeSet[v]
}

// validTimezone reports whether v is an identifier PHP lists.
func validTimezone(v string) bool {
	tzSetOnce.Do(func() {
		tzSet = make(map[string]bool)
		for _, z := range strings.Fields(knownTimezones) {
			tzSet[z] = true
		}
	})
	return tzSet[v]
}
