package provision

import (
	"strconv"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// distrustTTL is how long, after a webhook unlinked a user, a contact id
// claimed by their cookie cache or JWT is ignored: such claims live at most
// minutes (Better Auth's cookie cache defaults to 5).
const distrustTTL = 10 * time.Minute

// deletedTTL is how long a contact deleted in Mautic is remembered, so that
// a late webhook or a stale claim does not link a user to it again.
const deletedTTL = time.Hour

// linked is what the cache holds per user.
type linked struct {
	contactID int
	locale    string // the Mautic locale last sent or found; "" for unknown
	// email is the user's email when the engine last read their row; ""
	// when the link came from a credential's claim and is not checked
	// against the module's record yet.
	email string
}

// contactCache remembers user -> contact, so a signed-in page view costs no
// database or Mautic call once the user is provisioned. None of its caches
// runs a janitor goroutine: the engine's maintenance loop sweeps them.
type contactCache struct {
	users    *gocache.Cache // user id -> linked
	distrust *gocache.Cache // user id -> struct{}
	deleted  *gocache.Cache // contact id -> struct{}
	held     *gocache.Cache // user id -> struct{}: no contact for now (see hold)
}

func newContactCache(ttl time.Duration) *contactCache {
	return &contactCache{
		users:    gocache.New(ttl, 0),
		distrust: gocache.New(distrustTTL, 0),
		deleted:  gocache.New(deletedTTL, 0),
		held:     gocache.New(holdTTL, 0),
	}
}

// get returns the user's link, if cached.
func (c *contactCache) get(userID string) (linked, bool) {
	v, ok := c.users.Get(userID)
	if !ok {
		return linked{}, false
	}
	return v.(linked), true
}

func (c *contactCache) set(userID string, l linked) {
	c.users.SetDefault(userID, l)
}

// forget drops the user's link and distrusts their claims for a while.
func (c *contactCache) forget(userID string) {
	c.users.Delete(userID)
	c.distrust.SetDefault(userID, struct{}{})
}

// forgetContact forgets every user cached with contactID and returns
// them: the contact is gone, as another instance found.
func (c *contactCache) forgetContact(contactID int) []string {
	var users []string
	for uid, it := range c.users.Items() {
		if it.Object.(linked).contactID == contactID {
			c.forget(uid)
			users = append(users, uid)
		}
	}
	return users
}

// trustsClaim reports whether a contact id the user's credentials carry may
// be used without reading the database.
func (c *contactCache) trustsClaim(userID string, contactID int) bool {
	if _, ok := c.distrust.Get(userID); ok {
		return false
	}
	return !c.isDeleted(contactID)
}

func (c *contactCache) markDeleted(contactID int) {
	c.deleted.SetDefault(strconv.Itoa(contactID), struct{}{})
}

func (c *contactCache) isDeleted(contactID int) bool {
	_, ok := c.deleted.Get(strconv.Itoa(contactID))
	return ok
}

// sweep drops expired entries.
func (c *contactCache) sweep() {
	c.users.DeleteExpired()
	c.distrust.DeleteExpired()
	c.deleted.DeleteExpired()
	c.held.DeleteExpired()
}

// size is the number of cached users, expired ones not yet swept included.
func (c *contactCache) size() int { return c.users.ItemCount() }
