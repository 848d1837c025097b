package socketio

import "github.com/siogo/siogo/engineio"

// Disconnect reasons, as Node's socket.io reports them to the server.
const (
	ReasonTransportError            = engineio.ReasonTransportError
	ReasonTransportClose            = engineio.ReasonTransportClose
	ReasonForcedClose               = engineio.ReasonForcedClose
	ReasonPingTimeout               = engineio.ReasonPingTimeout
	ReasonParseError                = engineio.ReasonParseError
	ReasonServerShuttingDown        = engineio.ReasonServerShuttingDown
	ReasonForcedServerClose         = "forced server close"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
)

// recoverableReasons are the disconnects after which connection state
// recovery keeps the session (Node's RECOVERABLE_DISCONNECT_REASONS).
var recoverableReasons = map[string]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}
