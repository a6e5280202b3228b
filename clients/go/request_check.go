package orgwarden

import "unicode/utf8"

// requestProblem refuses a request holding a string that is not valid UTF-8. encoding/json
// would send such a string with U+FFFD in place of the bad bytes, so orgwarden would judge a
// different string than the one the caller holds; orgwarden refuses ill-formed Unicode itself,
// and this keeps the refusal instead of the substitution.
func requestProblem(req AuthorizeRequest) string {
	fields := []struct{ name, value string }{
		{"token", req.Token}, {"org", req.Org}, {"action", req.Action},
	}
	if req.Resource != nil {
		fields = append(fields,
			struct{ name, value string }{"resource.type", req.Resource.Type},
			struct{ name, value string }{"resource.id", req.Resource.ID},
			struct{ name, value string }{"resource.org", req.Resource.Org})
	}
	for _, f := range fields {
		if !utf8.ValidString(f.value) {
			return f.name + ": is not valid UTF-8"
		}
	}
	for group, m := range map[string]map[string]string{"headers": req.Headers, "context": req.Context} {
		for key, value := range m {
			if !utf8.ValidString(key) || !utf8.ValidString(value) {
				return group + ": an entry is not valid UTF-8"
			}
		}
	}
	return ""
}

// invalidRequest is a request refused before it was sent (Status 0: orgwarden never saw it),
// with the code orgwarden would have refused it with.
func invalidRequest(message string) *Error {
	return &Error{Code: "invalid_request", Message: message}
}
