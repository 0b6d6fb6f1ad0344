package mautic_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// Example shows the provisioning pattern: look a person up by email, create
// them when absent, and set their locale without blanking anything.
func Example() {
	sim := mautictest.NewServer(&testing.T{}) // in a test, pass its t
	defer sim.Close()

	c, err := mautic.New(mautic.Config{
		BaseURL: sim.APIURL(),
		Auth:    mautic.BasicAuth{Username: "admin", Password: "mautic"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()

	contact, err := c.Contacts.FindByEmail(ctx, "Jane+News@Example.com")
	if mautic.IsNotFound(err) {
		var created bool
		contact, created, err = c.Contacts.Upsert(ctx, mautic.Fields{"email": "jane+news@example.com", "firstname": "Jane"})
		fmt.Println("created:", created)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	contact, err = c.Contacts.Patch(ctx, contact.ID, mautic.Fields{"preferred_locale": "de_DE", "lastname": ""})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(contact.Email(), contact.Fields["firstname"], contact.Fields["preferred_locale"], contact.IsAnonymous())
	// Output:
	// created: true
	// jane+news@example.com Jane de_DE false
}
