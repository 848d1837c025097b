package jwtauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/siogo/siogo/socketio"
	"github.com/siogo/siogo/socketio/jwtauth"
)

// nodeClient returns the node binary and testdata/client.cjs, or skips t
// when node or socket.io-client is missing (make test installs them).
func nodeClient(t *testing.T) (nodeBin, script string) {
	t.Helper()
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping the socket.io-client test: node is not installed")
	}
	for dir, _ := filepath.Abs("."); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client", "package.json")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("skipping the socket.io-client test: node_modules/socket.io-client is missing (run npm ci)")
		}
	}
	script, _ = filepath.Abs(filepath.Join("testdata", "client.cjs"))
	return nodeBin, script
}

// clientEvent is one line of client.cjs's output.
type clientEvent struct {
	Event   string `json:"event"`
	Sub     string `json:"sub,omitempty"`
	Message string `json:"message,omitempty"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// The official client sees refusals as connect_error with err.message and
// err.data.code, and an expiry as "io server disconnect".
func TestSocketIOClient(t *testing.T) {
	nodeBin, script := nodeClient(t)
	srv := start(t, jwtauth.Options{Key: secret, DisconnectOnExpiry: true}, func(io *socketio.Server, _ *jwtauth.Auth) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("whoami", func(ack socketio.AckFunc) {
				sub, _ := jwtauth.Claims(s).GetSubject()
				ack(sub)
			})
		})
	})
	token := sign(t, jwt.SigningMethodHS256, secret, claims("alice"))
	expired := claims("alice")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	expiring := func() string { // made when used: it lives 0.5 to 1.5s
		c, _ := expiringIn(1500 * time.Millisecond)
		return sign(t, jwt.SigningMethodHS256, secret, c)
	}
	withAuth := func(token string) func() map[string]any {
		return func() map[string]any { return map[string]any{"auth": map[string]string{"token": token}} }
	}
	connected := []clientEvent{{Event: "connect"}, {Event: "whoami", Sub: "alice"}, {Event: "disconnect", Reason: "io client disconnect"}}

	cases := []struct {
		name string
		opts func() map[string]any
		want []clientEvent
	}{
		{"auth", withAuth(token), connected},
		{"extraHeaders", func() map[string]any {
			return map[string]any{"headers": map[string]string{"Authorization": "Bearer " + token}}
		}, connected},
		{"query", func() map[string]any { return map[string]any{"query": map[string]string{"token": token}} }, connected},
		{"no token", func() map[string]any { return map[string]any{} },
			[]clientEvent{{Event: "connect_error", Message: "authentication required", Code: "token_missing"}}},
		{"expired", withAuth(sign(t, jwt.SigningMethodHS256, secret, expired)),
			[]clientEvent{{Event: "connect_error", Message: "invalid token: expired", Code: "token_expired"}}},
		{"expires while connected", func() map[string]any {
			return map[string]any{"auth": map[string]string{"token": expiring()}, "stay": true}
		}, []clientEvent{{Event: "connect"}, {Event: "whoami", Sub: "alice"}, {Event: "disconnect", Reason: "io server disconnect"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, _ := json.Marshal(tc.opts())
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, nodeBin, script, strings.TrimSuffix(srv.url, "/socket.io/"), string(opts))
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("client: %v\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
			}
			var got []clientEvent
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var ev clientEvent
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("client printed %q", line)
				}
				got = append(got, ev)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("client saw %+v, want %+v", got, tc.want)
			}
			// Drain what the server side recorded, for the next case.
			switch tc.want[0].Event {
			case "connect":
				recv(t, srv.connected)
				recv(t, srv.reasons)
			default:
				recv(t, srv.refused)
			}
		})
	}
}
