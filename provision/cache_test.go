package provision

import (
	"testing"
	"time"
)

func TestContactCache(t *testing.T) {
	c := newContactCache(time.Hour)
	if _, ok := c.get("u"); ok {
		t.Fatal("hit in an empty cache")
	}
	c.set("u", linked{contactID: 5, locale: "de_DE"})
	if l, ok := c.get("u"); !ok || l.contactID != 5 || l.locale != "de_DE" {
		t.Fatalf("get = %+v, %v", l, ok)
	}
	if !c.trustsClaim("v", 9) {
		t.Error("a claim is distrusted with no reason")
	}
	c.forget("u")
	if _, ok := c.get("u"); ok {
		t.Error("forget left the link")
	}
	if c.trustsClaim("u", 5) {
		t.Error("a forgotten user's claims are still trusted")
	}
	c.markDeleted(9)
	if c.trustsClaim("v", 9) || !c.isDeleted(9) || c.isDeleted(10) {
		t.Error("a deleted contact is still trusted")
	}
}

func TestContactCacheExpires(t *testing.T) {
	c := newContactCache(10 * time.Millisecond)
	c.set("u", linked{contactID: 5})
	time.Sleep(20 * time.Millisecond)
	if _, ok := c.get("u"); ok {
		t.Error("an expired link was answered")
	}
	if c.size() != 1 {
		t.Errorf("size %d before the sweep", c.size())
	}
	c.sweep()
	if c.size() != 0 {
		t.Errorf("size %d after the sweep", c.size())
	}
}
