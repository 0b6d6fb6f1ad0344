package mautictest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// Example shows a test that checks its code made exactly one create call and
// left one contact for the email, with a webhook receiver attached.
func Example() {
	t := &testing.T{} // in a real test, the *testing.T you are given
	s := mautictest.NewServer(t, mautictest.WithBasicAuth("api", "secret"))
	defer s.Close()

	// The code under test would call the API here, e.g. through package mautic.
	req, _ := http.NewRequest("POST", s.APIURL()+"/contacts/new",
		strings.NewReader(`{"email":"jane@example.com","firstname":"Jane"}`))
	req.SetBasicAuth("api", "secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	// An exact lookup, as clients should do it (never search=).
	q := url.Values{"where[0][col]": {"email"}, "where[0][expr]": {"eq"}, "where[0][val]": {"JANE@example.com"}}
	req, _ = http.NewRequest("GET", s.APIURL()+"/contacts?"+q.Encode(), nil)
	req.SetBasicAuth("api", "secret")
	found, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(found.Body)
	found.Body.Close()

	fmt.Println(resp.StatusCode, s.Calls("POST /api/contacts/new"), len(s.ContactsByEmail("jane@example.com")))
	fmt.Println(strings.HasPrefix(string(body), `{"total":"1","contacts":{"1":{`))
	// Output:
	// 201 1 1
	// true
}
