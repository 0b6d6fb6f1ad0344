package mautictest

import (
	"net/http/httptest"
	"testing"
)

func TestWriteServerError(t *testing.T) {
	for status, want := range map[int]int{503: 503, 500: 500, 429: 429, 200: 500, 999: 500} {
		w := httptest.NewRecorder()
		writeServerError(w, status)
		if w.Code != want || w.Header().Get("Mautic-Version") != "" {
			t.Errorf("writeServerError(%d) = %d", status, w.Code)
		}
	}
}

func TestValidationBody(t *testing.T) {
	msg, details := validationBody(400, []fieldError{{"email", "x is invalid."}, {"timezone", msgNotValid}})
	if msg != "email: x is invalid., timezone: This value is not valid." ||
		string(phpJSON(details)) != `{"email":["x is invalid."],"timezone":["This value is not valid."]}` {
		t.Errorf("validationBody = %q %s", msg, phpJSON(details))
	}
}
