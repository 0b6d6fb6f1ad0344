package mautictest

import "testing"

func TestFieldTable(t *testing.T) {
	if len(contactFields) != 28 || len(listFieldOrder) != 28 {
		t.Fatalf("%d fields, %d in list order; Mautic 5.1 installs 28", len(contactFields), len(listFieldOrder))
	}
	for i, f := range contactFields {
		if f.id != i+1 {
			t.Errorf("field %s has id %d at position %d", f.alias, f.id, i)
		}
	}
	for _, a := range listFieldOrder {
		if fieldsByAlias[a] == nil {
			t.Errorf("list order names unknown field %q", a)
		}
	}
	if !fieldsByAlias["email"].unique {
		t.Error("email must be the unique identifier")
	}
}

func TestValidLocale(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"de_DE", true}, {"en_US", true}, {"fr", true}, {"de", true}, {"pt_BR", true},
		{"zh_Hans_CN", true}, {"zh_CN", true},
		{"xx_YY", false}, {"de-DE", false}, {"", false}, {"DE_de", false},
	}
	for _, tt := range tests {
		if got := validLocale(tt.in); got != tt.want {
			t.Errorf("validLocale(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidTimezone(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Europe/Berlin", true}, {"America/New_York", true}, {"UTC", true}, {"Asia/Kolkata", true},
		{"Mars/Olympus", false}, {"", false}, {"Local", false}, {"europe/berlin", false},
	}
	for _, tt := range tests {
		if got := validTimezone(tt.in); got != tt.want {
			t.Errorf("validTimezone(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
