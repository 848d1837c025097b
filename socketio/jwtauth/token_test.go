package jwtauth_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio/jwtauth"
)

func TestTokenSources(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret}, nil)
	tok := func(sub string) string { return sign(t, jwt.SigningMethodHS256, secret, claims(sub)) }
	bearer := func(scheme, token string) http.Header { return http.Header{"Authorization": {scheme + " " + token}} }
	query := func(token string) string { return url.Values{"token": {token}}.Encode() }

	for _, tr := range []string{"websocket", "polling"} {
		t.Run(tr+"/auth payload", func(t *testing.T) {
			a := srv.wantAccepted(t, connect(t, srv.dial(tr, ""), authPayload(tok("from-auth"))))
			if got := subject(t, a.claims); got != "from-auth" {
				t.Errorf("subject %q", got)
			}
		})
		t.Run(tr+"/query", func(t *testing.T) {
			a := srv.wantAccepted(t, connect(t, srv.dial(tr, query(tok("from-query"))), ""))
			if got := subject(t, a.claims); got != "from-query" {
				t.Errorf("subject %q", got)
			}
		})
	}

	cases := []struct {
		name   string
		auth   string
		header http.Header
		query  string
		sub    string // accepted with this subject, or
		code   string // refused with this code
	}{
		{name: "Bearer header", header: bearer("Bearer", tok("from-header")), sub: "from-header"},
		{name: "bearer scheme in lower case", header: bearer("bearer", tok("from-header")), sub: "from-header"},
		{name: "Basic header is no token", header: bearer("Basic", "YWxpY2U6c2VjcmV0"), code: "token_missing"},
		{name: "auth wins over header and query", auth: authPayload(tok("from-auth")),
			header: bearer("Bearer", tok("from-header")), query: query(tok("from-query")), sub: "from-auth"},
		{name: "header wins over query",
			header: bearer("Bearer", tok("from-header")), query: query(tok("from-query")), sub: "from-header"},
		{name: "empty auth token falls through", auth: `{"token":""}`, query: query(tok("from-query")), sub: "from-query"},
		// The first token found is the only one checked.
		{name: "bad auth token, good header", auth: authPayload("garbage"),
			header: bearer("Bearer", tok("from-header")), code: "token_malformed"},
		{name: "bad header, good query",
			header: bearer("Bearer", "garbage"), query: query(tok("from-query")), code: "token_malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := srv.dialHeader(tc.query, tc.header).connect(tc.auth)
			if tc.code != "" {
				if ce := refusal(t, got); ce.Data.Code != tc.code {
					t.Errorf("code %q, want %q", ce.Data.Code, tc.code)
				}
				recv(t, srv.refused)
				return
			}
			if a := srv.wantAccepted(t, got); subject(t, a.claims) != tc.sub {
				t.Errorf("subject %q, want %q", subject(t, a.claims), tc.sub)
			}
		})
	}
}

func TestQueryParam(t *testing.T) {
	srv := start(t, jwtauth.Options{Key: secret, QueryParam: "access_token"}, nil)
	token := sign(t, jwt.SigningMethodHS256, secret, claims("alice"))
	if ce := refusal(t, connect(t, srv.dial("websocket", "token="+token), "")); ce.Data.Code != "token_missing" {
		t.Errorf("the default parameter still read: code %q", ce.Data.Code)
	}
	recv(t, srv.refused)
	srv.wantAccepted(t, connect(t, srv.dial("websocket", "access_token="+token), ""))
}
