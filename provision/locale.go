package provision

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Bounds on the Accept-Language header read: browsers send a few entries;
// anything longer is cut, so a hostile header costs little.
const (
	maxAcceptLanguageLen     = 1024
	maxAcceptLanguageEntries = 32
	maxTagLen                = 35 // RFC 5646's practical limit for a language tag
)

// mauticLocalePattern is the shape of a Symfony Intl locale id, the values
// Mautic's preferred_locale accepts: de, de_DE, zh_Hans_CN, es_419,
// ca_ES_VALENCIA.
var mauticLocalePattern = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z][a-z]{3})?(_([A-Z]{2}|[0-9]{3}))?(_[A-Z]{4,8})?$`)

// DefaultLocales returns the default map from the application's locale tags
// (Better Auth's user.locale, Paraglide's PARAGLIDE_LOCALE, Accept-Language)
// to Mautic's preferred_locale: each language goes to its most common
// region, and common regional tags to their own locale. Tags are matched
// without regard to case or to "-" versus "_"; a tag with subtags not in
// the map falls back to its language ("de-LU" is de_DE).
func DefaultLocales() map[string]string {
	return map[string]string{
		"ar": "ar_SA", "bg": "bg_BG", "ca": "ca_ES", "cs": "cs_CZ", "da": "da_DK",
		"de": "de_DE", "de-at": "de_AT", "de-ch": "de_CH",
		"el": "el_GR",
		"en": "en_US", "en-us": "en_US", "en-gb": "en_GB", "en-au": "en_AU", "en-ca": "en_CA",
		"en-ie": "en_IE", "en-in": "en_IN", "en-nz": "en_NZ", "en-za": "en_ZA",
		"es": "es_ES", "es-419": "es_419", "es-ar": "es_AR", "es-mx": "es_MX", "es-us": "es_US",
		"et": "et_EE", "fa": "fa_IR", "fi": "fi_FI",
		"fr": "fr_FR", "fr-be": "fr_BE", "fr-ca": "fr_CA", "fr-ch": "fr_CH",
		"he": "he_IL", "hi": "hi_IN", "hr": "hr_HR", "hu": "hu_HU", "id": "id_ID",
		"it": "it_IT", "it-ch": "it_CH",
		"ja": "ja_JP", "ko": "ko_KR", "lt": "lt_LT", "lv": "lv_LV", "ms": "ms_MY",
		"nb": "nb_NO", "no": "nb_NO",
		"nl": "nl_NL", "nl-be": "nl_BE",
		"pl": "pl_PL",
		"pt": "pt_PT", "pt-br": "pt_BR", "pt-pt": "pt_PT",
		"ro": "ro_RO", "ru": "ru_RU", "sk": "sk_SK", "sl": "sl_SI", "sr": "sr_Cyrl_RS",
		"sv": "sv_SE", "th": "th_TH", "tr": "tr_TR", "uk": "uk_UA", "vi": "vi_VN",
		"zh": "zh_Hans_CN", "zh-cn": "zh_Hans_CN", "zh-hans": "zh_Hans", "zh-sg": "zh_Hans_SG",
		"zh-tw": "zh_Hant_TW", "zh-hk": "zh_Hant_HK", "zh-hant": "zh_Hant",
	}
}

// locales maps normalised tags to Mautic locales.
type locales map[string]string

// newLocales checks and normalises a Config.Locales map.
func newLocales(m map[string]string) (locales, error) {
	out := make(locales, len(m))
	for tag, loc := range m {
		key := normalizeTag(tag)
		if key == "" {
			return nil, fmt.Errorf("provision: Locales key %q is not a language tag such as \"de\" or \"pt-BR\"", tag)
		}
		if !mauticLocalePattern.MatchString(loc) {
			return nil, fmt.Errorf("provision: Locales[%q] = %q is not a Mautic locale such as \"de_DE\"", tag, loc)
		}
		if prev, dup := out[key]; dup && prev != loc {
			return nil, fmt.Errorf("provision: Locales has %q twice with different values (%q, %q)", key, prev, loc)
		}
		out[key] = loc
	}
	return out, nil
}

// normalizeTag lowercases a language tag and turns "_" into "-". It
// returns "" for anything that is not made of ASCII letters, digits and
// separators, or is too long.
func normalizeTag(s string) string {
	var buf [maxTagLen]byte
	return string(appendTag(buf[:0], s))
}

// appendTag appends the normalised form of tag s to b, or nothing when s
// is not a tag; it allocates nothing when b has room.
func appendTag(b []byte, s string) []byte {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxTagLen {
		return b
	}
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '-' || c == '_':
			if i == 0 || i == len(s)-1 {
				return b[:start]
			}
			c = '-'
		default:
			return b[:start]
		}
		b = append(b, c)
	}
	return b
}

// match returns the Mautic locale of tag: its exact entry, else that of
// the tag with its last subtags removed one by one ("zh-Hant-TW",
// "zh-Hant", "zh"); "" when none is known.
func (l locales) match(tag string) string {
	var buf [maxTagLen]byte
	key := appendTag(buf[:0], tag)
	for len(key) > 0 {
		if loc, ok := l[string(key)]; ok { // no allocation: a map index by []byte
			return loc
		}
		i := bytes.LastIndexByte(key, '-')
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return ""
}

// fromAcceptLanguage returns the Mautic locale of the most preferred
// language range of an Accept-Language header that the map knows; ties go
// to the earlier range. Wildcards, q=0 and malformed entries are skipped.
func (l locales) fromAcceptLanguage(header string) string {
	if len(header) > maxAcceptLanguageLen {
		header = header[:maxAcceptLanguageLen]
	}
	best, bestQ := "", 0
	rest := header
	for i := 0; i < maxAcceptLanguageEntries && rest != ""; i++ {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		tag, q, ok := parseLanguageRange(part)
		if !ok || q <= bestQ {
			continue
		}
		if loc := l.match(tag); loc != "" {
			best, bestQ = loc, q
		}
	}
	return best
}

// parseLanguageRange reads `tag[;q=value]` and returns q in thousandths
// (1000 when absent). ok is false for a wildcard, an empty tag or a
// malformed q.
func parseLanguageRange(part string) (tag string, q int, ok bool) {
	tag, params, _ := strings.Cut(part, ";")
	tag = strings.TrimSpace(tag)
	if tag == "" || tag == "*" {
		return "", 0, false
	}
	q = 1000
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		if q, ok = parseQValue(strings.TrimSpace(val)); !ok {
			return "", 0, false
		}
	}
	return tag, q, true
}

// parseQValue reads an RFC 9110 qvalue: 0, 0.5, 0.123, 1, 1.000.
func parseQValue(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac := 0
	if len(s) > 1 {
		if s[1] != '.' {
			return 0, false
		}
		digits := s[2:]
		for i := 0; i < 3; i++ {
			frac *= 10
			if i < len(digits) {
				c := digits[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				frac += int(c - '0')
			}
		}
	}
	q := whole*1000 + frac
	return q, q <= 1000
}

// chosenLocale returns the user's locale field when the user chose it, and
// "" when it holds exactly def, the schema's default (a normalised tag; ""
// when none is declared): Better Auth stores the default for every user
// who never chose, so it says nothing about the user.
func chosenLocale(userLocale, def string) string {
	if def != "" && normalizeTag(userLocale) == def {
		return ""
	}
	return userLocale
}

// forVisit resolves the locale to send for a user: the user's own locale
// field unless it holds def, the schema's default (a normalised tag, ""
// when none is declared), else the PARAGLIDE_LOCALE cookie, else the best
// Accept-Language match, else the default; a source whose value the map
// does not know is skipped. explicit reports that the value came from a
// choice the user made, which may overwrite what Mautic holds: the field,
// or a cookie that differs from what Paraglide would have written by
// itself (paraglideChosen). The others only fill an empty preferred_locale.
func (l locales) forVisit(userLocale, paraglide, acceptLanguage, def string) (loc string, explicit bool) {
	if loc = l.match(chosenLocale(userLocale, def)); loc != "" {
		return loc, true
	}
	browser := l.fromAcceptLanguage(acceptLanguage)
	if loc = l.match(paraglide); loc != "" {
		return loc, l.paraglideChosen(loc, browser, def)
	}
	if browser != "" {
		return browser, false
	}
	return l.match(userLocale), false
}

// paraglideChosen reports whether a PARAGLIDE_LOCALE cookie holding the
// Mautic locale loc is the user's choice. Paraglide writes the cookie on
// the first page view with the locale it resolved by itself (the
// browser's language, else its base locale), so when the app declares a
// schema default (def) a cookie repeating the browser's language or the
// default is taken as no choice. Without a declared default every cookie
// counts, as before.
func (l locales) paraglideChosen(loc, browser, def string) bool {
	if def == "" {
		return true
	}
	return loc != browser && loc != l.match(def)
}
