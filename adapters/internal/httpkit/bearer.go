package httpkit

import "strings"

// Bearer returns the credentials of an "Authorization: Bearer <token>" header (RFC 6750 §2.1;
// the scheme is case-insensitive), and whether the header has that form.
func Bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && !strings.ContainsAny(token, " \t")
}
