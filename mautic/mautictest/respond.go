package mautictest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// mauticVersion is what every normal API answer carries in Mautic-Version.
const mauticVersion = "5.1.0"

const (
	msgNotFound       = "Item was not found."
	msgBadRequest     = "This is a bad request."
	msgNoCredentials  = "API authorization denied."
	msgBadCredentials = "Authorization denied, invalid credentials."
	msgAPIDisabled    = "API disabled. You need to enable the API in the API settings of Mautic's Configuration."
	msgBasicDisabled  = "Basic authentication is disabled. Please enable it in the API settings of Mautic's Configuration."
	msgBadToken       = "The access token provided is invalid."
	msgExpiredToken   = "The access token provided has expired."
	msgMustBeUnique   = "This field must be unique."
)

// writeJSON sends an API answer; withVersion adds Mautic-Version, which the
// controllers' answers carry and the firewall's and router's do not.
func writeJSON(w http.ResponseWriter, status int, withVersion bool, body any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache, private")
	if withVersion {
		h.Set("Mautic-Version", mauticVersion)
	}
	w.WriteHeader(status)
	_, _ = w.Write(phpJSON(body))
}

// writeOK sends a controller's answer.
func writeOK(w http.ResponseWriter, status int, body any) { writeJSON(w, status, true, body) }

// writeControllerError is FetchCommonApiController::returnError: code,
// message, details, and no type.
func writeControllerError(w http.ResponseWriter, status int, message string, details any) {
	if details == nil {
		details = list{}
	}
	writeOK(w, status, object{}.add("errors", list{
		object{}.add("code", status).add("message", message).add("details", details),
	}))
}

func writeEntityNotFound(w http.ResponseWriter) {
	writeControllerError(w, http.StatusNotFound, msgNotFound, nil)
}

// writeAuthError is ApiSubscriber's rewrite of firewall and OAuth errors:
// message, code, type, no details and no Mautic-Version.
func writeAuthError(w http.ResponseWriter, status int, message, typ string) {
	writeJSON(w, status, false, object{}.add("errors", list{
		object{}.add("message", message).add("code", status).add("type", typ),
	}))
}

// writeServerError is Mautic's generic error page for API requests, used for
// unexpected failures and injected ones.
func writeServerError(w http.ResponseWriter, status int) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	msg := fmt.Sprintf("Looks like I encountered an error (error #%d). If I do it again, please report me to the system administrator!", status)
	writeJSON(w, status, false, object{}.add("errors", list{
		object{}.add("message", msg).add("code", status).add("type", nil),
	}))
}

// fieldError is one validation failure of a contact field.
type fieldError struct {
	field string
	msg   string
}

// validationBody builds Mautic's form error: "field: msg, ..." plus details.
func validationBody(status int, errs []fieldError) (message string, details object) {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, e.field+": "+e.msg)
		details = details.add(e.field, list{e.msg})
	}
	return strings.Join(parts, ", "), details
}

func writeValidation(w http.ResponseWriter, status int, errs []fieldError) {
	msg, details := validationBody(status, errs)
	writeControllerError(w, status, msg, details)
}

// resetConnection drops the TCP connection without an answer; SO_LINGER 0
// makes the peer see a reset rather than a clean close.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func itoa(n int) string { return strconv.Itoa(n) }
