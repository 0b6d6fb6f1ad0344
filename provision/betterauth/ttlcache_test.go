package betterauth

import (
	"fmt"
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newTTLCache[int](4)
	k := keyOf("a")
	c.put(k, 1, now.Add(time.Second), now)
	if v, ok := c.get(k, now); !ok || v != 1 {
		t.Fatalf("get = %d, %v", v, ok)
	}
	if _, ok := c.get(k, now.Add(time.Second)); ok {
		t.Error("entry alive at its expiry")
	}
	c.put(keyOf("b"), 2, now, now)
	if c.len() != 1 {
		t.Error("an already expired value was stored")
	}
	c.remove(k)
	if _, ok := c.get(k, now); ok {
		t.Error("removed entry still there")
	}
}

func TestTTLCacheBound(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newTTLCache[int](64)
	for i := range 1000 {
		c.put(keyOf(fmt.Sprint(i)), i, now.Add(time.Hour), now)
		if c.len() > 64 {
			t.Fatalf("cache grew to %d entries, bound 64", c.len())
		}
	}
	// The newest entry is always kept.
	if v, ok := c.get(keyOf("999"), now); !ok || v != 999 {
		t.Error("the newest entry was evicted")
	}
	// Expired entries go first.
	c2 := newTTLCache[int](2)
	c2.put(keyOf("old"), 1, now.Add(time.Second), now)
	c2.put(keyOf("live"), 2, now.Add(time.Hour), now)
	later := now.Add(time.Minute)
	c2.put(keyOf("new"), 3, later.Add(time.Hour), later)
	if _, ok := c2.get(keyOf("live"), later); !ok {
		t.Error("a live entry was evicted while an expired one could go")
	}
	if n := c2.removeIf(func(v int) bool { return v == 3 }); n != 1 || c2.len() != 1 {
		t.Errorf("removeIf removed %d, %d left", n, c2.len())
	}
}

func TestKeyOfIsSHA256(t *testing.T) {
	if keyOf("a") == keyOf("b") || keyOf("") != keyOf("") {
		t.Error("keyOf does not tell inputs apart")
	}
	if fmt.Sprintf("%x", keyOf("abc")) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Error("keyOf is not SHA-256")
	}
}
